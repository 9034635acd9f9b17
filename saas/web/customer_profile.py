"""The customer profile (``/customers/<id>``), its actions, and creating a customer (``/customers/new``).

Each action loads its form through the API's schema and calls the core function the API view calls,
so a page can do exactly what the API allows. It runs in a savepoint: when the schema or the core
refuses, the savepoint is rolled back and the page is shown again with the field errors and the
API's status (422, 409, ...), and the request's rollback leaves nothing written. A success redirects
back to the profile (303), so reloading never posts twice.
"""

from __future__ import annotations

import dataclasses

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas.api.activity import InteractionSchema, PurchaseSchema, RefundSchema
from saas.api.customers import CustomerSchema, CustomerUpdateSchema, MergeSchema
from saas.auth import current_principal
from saas.core.accounts import Scope
from saas.core.classification import LABELS, explanations
from saas.core.classification import recompute as classification
from saas.core.customers import Channel, CustomerKind, Direction, custom_fields, merges
from saas.core.customers import activity
from saas.core.customers import records as customers
from saas.core.db import db
from saas.core.errors import Conflict, DomainError
from saas.core.plugins import installed
from saas.web.blueprint import bp
from saas.web.customer_forms import (
    CONTACT_FIELDS,
    PREFERENCE_FIELDS,
    FormErrors,
    customer_values,
    aware,
    customer_body,
    domain_errors,
    load,
    local_now,
)
from saas.web.i18n import current_language
from saas.web.pages import member_page
from tenants import accounts

TIMELINE_LIMIT = 50


def _attempt(action):
    """Run ``action()`` in a savepoint; the schema's or the core's refusal comes back as FormErrors."""
    try:
        with db.session.begin_nested():
            return action()
    except DomainError as error:
        raise domain_errors(error) from None


def _labels() -> dict:
    return LABELS.get(current_language(), LABELS["en"])


CHANNELS = {Channel.phone: _l("Phone"), Channel.email: _l("E-mail"), Channel.visit: _l("Visit"),
            Channel.meeting: _l("Meeting"), Channel.chat: _l("Chat"), Channel.sms: _l("SMS"),
            Channel.social: _l("Social media")}
KINDS = {CustomerKind.person: _l("Person"), CustomerKind.company: _l("Company")}
DIRECTIONS = {Direction.outbound: _l("Outbound"), Direction.inbound: _l("Inbound")}


def _choices() -> dict:
    """The choices of the forms' selects, as (value, label in the page's language), and the
    workspace's members, who may be a customer's account manager."""
    choices = {name: [(code.value, str(label)) for code, label in labels.items()]
               for name, labels in (("kinds", KINDS), ("channels", CHANNELS), ("directions", DIRECTIONS))}
    choices["members"] = [(str(m.user_id), m.user.name or m.user.email) for m in accounts.members().items]
    return choices


# -- creating ----------------------------------------------------------------------------------------

@bp.route("/customers/new", methods=["GET", "POST"])
@member_page(needs=Scope.write)
def new_customer():
    definitions = custom_fields.definitions()
    if request.method == "GET":
        return render_template("customers/new.html", definitions=definitions, values={}, errors={}, **_choices())
    body = customer_body(request.form, definitions, editing=False)
    try:
        customer = _attempt(lambda: customers.create(load(CustomerSchema(), body)))
    except FormErrors as refused:
        return render_template("customers/new.html", definitions=definitions, values=request.form,
                               errors=refused.fields, **_choices()), refused.status
    flash(_("Customer %(name)s added.", name=customer.name), "success")
    return redirect(url_for("web.customer", customer_id=customer.id), 303)


# -- the profile -------------------------------------------------------------------------------------

def _profile(customer, *, status: int = 200, failed: str | None = None, errors=None, values=None,
             conflict=None):
    """The profile page; ``failed`` names the form whose ``errors`` and ``values`` are shown again."""
    cursor = request.args.get("cursor")
    timeline = activity.timeline(customer.id, cursor=cursor, limit=TIMELINE_LIMIT)
    figures = customer.figures
    why = explanations.explain(figures, classification.rules()) if figures is not None else None
    panels = []
    if customer.deleted_at is None:
        found = installed().call_current("saas_customer_panels", customer=customer)
        panels = [dataclasses.asdict(panel) for _module, listed in found for panel in listed or []]
    choices = _choices()
    template = "customers/profile_timeline.html" if request.headers.get("HX-Request") and cursor else \
        "customers/profile.html"
    return render_template(
        template, customer=customer, figures=figures, why=why, timeline=timeline, panels=panels,
        definitions=custom_fields.definitions(), labels=_labels(), failed=failed, errors=errors or {},
        values=values or {}, conflict=conflict, may_write=Scope.write in current_principal().scopes,
        now=local_now(), currency=current_principal().tenant.settings.get("currency", "CNY"),
        kind_label=KINDS.get(customer.kind), channel_label=_channel_label(customer), **choices,
        owner_label=dict(choices["members"]).get(str(customer.owner_id)) if customer.owner_id else None,
        survivor=url_for("web.customer", customer_id=customer.merged_into_id) if customer.merged_into_id else None,
    ), status


def _channel_label(customer):
    chosen = (customer.preferences or {}).get("preferred_channel")
    return CHANNELS.get(Channel(chosen)) if chosen in Channel._value2member_map_ else None


@bp.route("/customers/<uuid:customer_id>")
@member_page
def customer(customer_id):
    return _profile(customers.get(customer_id, include_deleted=True))


def _act(customer_id, form_name: str, action, done: str, *, include_deleted: bool = False):
    """Run one of the profile's actions: back to the profile with ``done``, or the profile again
    with the form's errors."""
    found = customers.get(customer_id, include_deleted=include_deleted)
    try:
        _attempt(lambda: action(found))
    except FormErrors as refused:
        db.session.refresh(found)
        return _profile(found, status=refused.status, failed=form_name, errors=refused.fields, values=request.form)
    flash(done, "success")
    return redirect(url_for("web.customer", customer_id=customer_id), 303)


@bp.route("/customers/<uuid:customer_id>/interactions", methods=["POST"])
@member_page(needs=Scope.write)
def log_interaction(customer_id):
    def log(customer):
        body = {key: request.form.get(key, "").strip() or None
                for key in ("channel", "direction", "subject", "notes", "outcome")}
        body = {key: value for key, value in body.items() if value is not None or key in ("subject", "channel")}
        data = load(InteractionSchema(), {**body, "customer_id": str(customer.id),
                                          "occurred_at": aware(request.form.get("occurred_at"))})
        data["staff_id"] = current_principal().user.id
        activity.log_interaction(data)

    return _act(customer_id, "interaction", log, _("Interaction logged."))


@bp.route("/customers/<uuid:customer_id>/purchases", methods=["POST"])
@member_page(needs=Scope.write)
def record_purchase(customer_id):
    def record(customer):
        body = {key: request.form.get(key, "").strip() or None
                for key in ("product", "category", "quantity", "amount", "external_ref")}
        body = {key: value for key, value in body.items() if value is not None or key in ("product", "amount")}
        data = load(PurchaseSchema(), {**body, "customer_id": str(customer.id),
                                       "purchased_at": aware(request.form.get("purchased_at"))})
        _purchase, created = activity.record_purchase(
            data, default_currency=current_principal().tenant.settings.get("currency", "CNY"))
        if not created:
            raise FormErrors({"external_ref": [_("This order was recorded before.")]}, 409)

    return _act(customer_id, "purchase", record, _("Purchase recorded."))


@bp.route("/customers/<uuid:customer_id>/purchases/<uuid:purchase_id>/refund", methods=["POST"])
@member_page(needs=Scope.write)
def refund_purchase(customer_id, purchase_id):
    def refund(customer):
        purchase = activity.get_purchase(purchase_id, for_update=True)
        if purchase.customer_id != customer.id:
            raise FormErrors({"": [_("This purchase is not this customer's.")]}, 404)
        body = {key: request.form.get(key, "").strip() or None for key in ("amount", "reason")}
        data = load(RefundSchema(), {key: value for key, value in body.items() if value is not None})
        activity.refund(purchase, data["amount"], data["reason"])

    return _act(customer_id, f"refund-{purchase_id}", refund, _("Refund recorded."))


@bp.route("/customers/<uuid:customer_id>/merge", methods=["POST"])
@member_page(needs=Scope.write)
def merge_customer(customer_id):
    def merge(customer):
        data = load(MergeSchema(), {"merged_id": request.form.get("merged_id", "").strip(),
                                    "version": request.form.get("version")})
        merges.merge(customer.id, data["merged_id"], expected_version=data.get("version"))

    return _act(customer_id, "merge", merge, _("The duplicate was merged into this customer."))


@bp.route("/customers/<uuid:customer_id>/delete", methods=["POST"])
@member_page(needs=Scope.write)
def delete_customer(customer_id):
    return _act(customer_id, "delete", customers.soft_delete, _("Customer deleted. You can restore it here."))


@bp.route("/customers/<uuid:customer_id>/restore", methods=["POST"])
@member_page(needs=Scope.write)
def restore_customer(customer_id):
    return _act(customer_id, "restore", customers.restore, _("Customer restored."), include_deleted=True)


# -- editing -----------------------------------------------------------------------------------------

FIELD_LABELS = {"name": _l("Name"), "kind": _l("Kind"), "company": _l("Company"), "title": _l("Job title"),
                "industry": _l("Industry"), "region": _l("Region"), "address": _l("Address"), "email": _l("E-mail"),
                "phone": _l("Phone"), "birthday": _l("Birthday"), "source": _l("Source"), "team": _l("Team"),
                "external_id": _l("External id"), "owner_id": _l("Account manager"), "notes": _l("Notes"), "tags": _l("Tags"),
                "preferences.preferred_channel": _l("Preferred channel"),
                "preferences.contact_time": _l("Contact time"), "preferences.language": _l("Language")}


def _differences(customer, body: dict, definitions: dict) -> list[tuple[str, object, object]]:
    """The fields whose saved value is not what the person sent: (its label, sent, saved)."""
    labels = {**FIELD_LABELS, **{f"custom_fields.{key}": field.label for key, field in definitions.items()}}
    saved = {**{name: getattr(customer, name) for name in CONTACT_FIELDS},
             **{f"preferences.{name}": (customer.preferences or {}).get(name) for name in PREFERENCE_FIELDS},
             **{f"custom_fields.{key}": value for key, value in (customer.custom_fields or {}).items()},
             "tags": ", ".join(customer.tag_names)}
    sent = {**{name: body.get(name) for name in CONTACT_FIELDS},
            **{f"preferences.{name}": value for name, value in body["preferences"].items()},
            **{f"custom_fields.{key}": value for key, value in body.get("custom_fields", {}).items()},
            "tags": ", ".join(body["tags"])}

    def plain(value):
        return "" if value is None else str(getattr(value, "value", value))

    return [(labels.get(name, name), sent.get(name), saved.get(name)) for name in saved
            if name in sent and plain(sent.get(name)) != plain(saved.get(name))]


@bp.route("/customers/<uuid:customer_id>/edit", methods=["GET", "POST"])
@member_page(needs=Scope.write)
def edit_customer(customer_id):
    """Edit with optimistic locking: the form carries the version it was read at; when the customer
    changed meanwhile the page shows what is saved now beside what was sent, and saves nothing."""
    found = customers.get(customer_id)
    definitions = custom_fields.definitions()
    if request.method == "GET":
        return render_template("customers/profile_edit.html", customer=found, definitions=definitions,
                               values=None, errors={}, conflict=None, version=found.version,
                               customer_values=customer_values, **_choices())
    body = customer_body(request.form, definitions, editing=True)
    try:
        def update():
            data = load(CustomerUpdateSchema(), {**body, "version": request.form.get("version")})
            customers.update(found, data, expected_version=data.pop("version", None))

        _attempt(update)
    except FormErrors as refused:
        db.session.refresh(found)
        stale = refused.status == Conflict.status and "external_id" not in refused.fields
        conflict = _differences(found, body, definitions) if stale else None
        return render_template("customers/profile_edit.html", customer=found, definitions=definitions,
                               values=request.form, errors=refused.fields, conflict=conflict,
                               version=found.version if stale else request.form.get("version"),
                               customer_values=customer_values, **_choices()), refused.status
    flash(_("Changes saved."), "success")
    return redirect(url_for("web.customer", customer_id=customer_id), 303)

