"""``/settings/webhooks``: the workspace's webhook endpoints (registered with the secret shown this
once, changed, switched on and off, their secret rotated, deleted after a confirmation page), each
endpoint's delivery log, a delivery's page (its body, the headers sent, every attempt) and
redelivery, through the functions behind ``/api/v1/webhooks``."""

from __future__ import annotations

import datetime as dt
import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from saas.api.webhooks import DeliveryListArgs, EndpointSchema, EndpointUpdateSchema
from saas.core.accounts import Scope
from saas.core.errors import Conflict, Invalid
from saas.core.plugins import installed
from saas.core.webhooks import WebhookEndpoint
from saas.core.webhooks import endpoints as service
from saas.core.webhooks.outbound import request_headers
from saas.core.webhooks.models import ALL_EVENTS
from saas.web.blueprint import bp
from saas.web.pages import member_page
from saas.web.schema_form import flat_errors

SIGNATURES_LEFT_OUT = _l("v1,… (HMAC-SHA256 signatures made with the endpoint's secret; not shown)")
BLANK = {"url": "", "description": "", "event_types": [ALL_EVENTS], "enabled": True}


def _posted() -> dict:
    return {"url": request.form.get("url", "").strip(), "description": request.form.get("description", "").strip() or None,
            "event_types": request.form.getlist("event_types") or [ALL_EVENTS], "enabled": "enabled" in request.form}


def _event_types() -> list[str]:
    return [ALL_EVENTS, *sorted(t.name for t in installed().event_types())]


def _loaded(schema, values: dict):
    """``values`` loaded by the API's schema, then checked by the core; field errors on failure."""
    try:
        return schema().load(values), {}
    except ValidationError as error:
        return None, flat_errors(error.messages)


def _list(values: dict, errors: dict, new: WebhookEndpoint | None = None, status: int = 200):
    page = service.list_endpoints(cursor=request.args.get("cursor"), limit=200)
    return render_template("settings/webhooks.html", endpoints=page.items, next_cursor=page.next_cursor,
                           values=values, errors=errors, new=new, event_types=_event_types()), status


@bp.route("/settings/webhooks", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def settings_webhooks():
    if request.method == "GET":
        return _list(BLANK, {})
    values = _posted()
    data, errors = _loaded(EndpointSchema, values)
    if errors:
        return _list(values, errors, status=422)
    try:
        endpoint = service.create(data)
    except Invalid as error:
        return _list(values, flat_errors(error.fields), status=422)
    return _list(BLANK, {}, new=endpoint, status=201)  # the secret: on this answer only, never in a redirect


def _endpoint_page(endpoint, values: dict, errors: dict, *, secret: str | None = None, problem: str | None = None,
                   status: int = 200):
    args = {key: value for key, value in request.args.items() if value}
    try:
        query = DeliveryListArgs().load(args)
    except ValidationError as error:
        query, problem, status = DeliveryListArgs().load({}), "; ".join(
            m for ms in flat_errors(error.messages).values() for m in ms), 422
    log = service.deliveries(endpoint, status=query.get("status"), cursor=query["cursor"], limit=query["limit"])
    return render_template("settings/webhook.html", endpoint=endpoint, values=values, errors=errors, secret=secret,
                           problem=problem, deliveries=log.items, next_cursor=log.next_cursor,
                           status_filter=args.get("status", ""), event_types=_event_types()), status


def _values_of(endpoint: WebhookEndpoint) -> dict:
    return {"url": endpoint.url, "description": endpoint.description or "", "event_types": endpoint.event_types,
            "enabled": endpoint.enabled}


@bp.route("/settings/webhooks/<uuid:endpoint_id>", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def settings_webhook(endpoint_id: uuid.UUID):
    endpoint = service.get(endpoint_id)
    if request.method == "GET":
        return _endpoint_page(endpoint, _values_of(endpoint), {})
    values = _posted()
    data, errors = _loaded(EndpointUpdateSchema, values)
    if errors:
        return _endpoint_page(endpoint, values, errors, status=422)
    try:
        service.update(endpoint, data)
    except Invalid as error:
        return _endpoint_page(endpoint, values, flat_errors(error.fields), status=422)
    service.send_now(endpoint)  # as the API does: what a new URL or switching on ends the wait for goes out
    flash(_("The endpoint is saved."), "success")
    return redirect(url_for("web.settings_webhook", endpoint_id=endpoint.id))


@bp.route("/settings/webhooks/<uuid:endpoint_id>/switch", methods=["POST"])
@member_page(needs=Scope.admin)
def switch_webhook(endpoint_id: uuid.UUID):
    endpoint = service.get(endpoint_id)
    enabled = request.form.get("enabled") == "true"
    service.update(endpoint, {"enabled": enabled})
    service.send_now(endpoint)
    flash(_("The endpoint is on.") if enabled else _("The endpoint is off."), "success")
    return redirect(url_for("web.settings_webhook", endpoint_id=endpoint.id))


@bp.route("/settings/webhooks/<uuid:endpoint_id>/rotate-secret", methods=["POST"])
@member_page(needs=Scope.admin)
def rotate_webhook_secret(endpoint_id: uuid.UUID):
    endpoint = service.get(endpoint_id)
    secret = service.rotate_secret(endpoint)
    return _endpoint_page(endpoint, _values_of(endpoint), {}, secret=secret)


@bp.route("/settings/webhooks/<uuid:endpoint_id>/delete", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def delete_webhook(endpoint_id: uuid.UUID):
    """GET asks to confirm (the page works without JavaScript); POST deletes, as
    ``DELETE /api/v1/webhooks/{id}`` does: the endpoint and its delivery log."""
    endpoint = service.get(endpoint_id)
    if request.method == "GET":
        return render_template("settings/webhook_delete.html", endpoint=endpoint)
    url = endpoint.url
    service.delete(endpoint)
    flash(_("The endpoint %(url)s is deleted, with its delivery log.", url=url), "success")
    return redirect(url_for("web.settings_webhooks"), 303)


@bp.route("/settings/webhooks/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>")
@member_page(needs=Scope.admin)
def webhook_delivery(endpoint_id: uuid.UUID, delivery_id: uuid.UUID):
    """One delivery, as ``GET /api/v1/webhooks/{id}/deliveries/{delivery_id}`` gives it: the body,
    the headers its attempts carry (the signatures left out) and each attempt's answer."""
    endpoint = service.get(endpoint_id)
    found = service.delivery(endpoint, delivery_id)
    return _delivery_page(endpoint, found)


def _delivery_page(endpoint, found, problem: str | None = None, status: int = 200):
    attempts = found.attempt_log or []
    last = dt.datetime.fromisoformat(attempts[-1]["attempted_at"]) if attempts else found.created_at
    return render_template("settings/webhook_delivery.html", endpoint=endpoint, delivery=found,
                           headers=request_headers(found.id, last, str(SIGNATURES_LEFT_OUT)),
                           attempts=[{**a, "attempted_at": dt.datetime.fromisoformat(a["attempted_at"])}
                                     for a in reversed(attempts)],
                           problem=problem), status


@bp.route("/settings/webhooks/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/redeliver", methods=["POST"])
@member_page(needs=Scope.admin)
def redeliver_webhook(endpoint_id: uuid.UUID, delivery_id: uuid.UUID):
    endpoint = service.get(endpoint_id)
    found = service.delivery(endpoint, delivery_id)
    from_its_page = request.form.get("back") == "delivery"  # sent from the delivery's page: back there
    try:
        service.redeliver(endpoint, found)
    except Conflict:
        problem = (_("The endpoint is off: switch it on first.") if not endpoint.enabled
                   else _("The delivery is being sent right now; look again in a moment."))
        if from_its_page:
            return _delivery_page(endpoint, found, problem=problem, status=409)
        return _endpoint_page(endpoint, _values_of(endpoint), {}, problem=problem, status=409)
    service.send_now(endpoint)
    flash(_("The delivery is sent again."), "success")
    if from_its_page:
        return redirect(url_for("web.webhook_delivery", endpoint_id=endpoint.id, delivery_id=found.id))
    return redirect(url_for("web.settings_webhook", endpoint_id=endpoint.id))
