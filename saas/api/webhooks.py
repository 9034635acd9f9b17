"""``/api/v1/webhooks``: the tenant's webhook endpoints, their secrets and delivery logs (admins)."""

from __future__ import annotations

from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, PartialSchema, page_schema
from saas.api.schema import Schema
from saas.auth import requires
from saas.core.accounts import Scope
from saas.core.webhooks import DeliveryStatus
from saas.core.webhooks import endpoints as service

bp = ApiBlueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                  description="Webhook endpoints: every event of the workspace, signed per Standard Webhooks")


class EndpointSchema(Schema):
    id = f.UUID(dump_only=True)
    url = f.String(required=True, validate=v.Length(min=1, max=2000),
                   metadata={"example": "https://shop.example.com/hooks/retain"})
    description = f.String(allow_none=True, validate=v.Length(max=500))
    event_types = f.List(f.String(validate=v.Length(min=1, max=100)), validate=v.Length(min=1, max=100),
                         load_default=lambda: ["*"],
                         metadata={"description": 'Event types to receive (see /api/v1/event-types); ["*"] is all'})
    enabled = f.Boolean(load_default=True)
    disabled_reason = f.String(dump_only=True, allow_none=True,
                               metadata={"description": "Why Retain stopped sending (410, or failing for days)"})
    failing_since = f.AwareDateTime(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class EndpointUpdateSchema(PartialSchema, EndpointSchema):
    """Change the URL, the event types, the description, or switch it on and off."""


class NewEndpointSchema(EndpointSchema):
    secret = f.String(dump_only=True, metadata={"description": "whsec_...: shown this once; verify signatures with it"})


class SecretSchema(Schema):
    secret = f.String(metadata={"description": "The new whsec_... secret, shown this once"})
    previous_secret_expires_at = f.AwareDateTime(
        metadata={"description": "Until then deliveries carry signatures with both secrets"})


class DeliverySchema(Schema):
    id = f.UUID(metadata={"description": "Also the webhook-id header of every attempt"})
    event_id = f.UUID()
    event_type = f.String()
    status = f.Enum(DeliveryStatus, by_value=True)
    attempts = f.Integer()
    next_attempt_at = f.AwareDateTime(allow_none=True)
    last_status_code = f.Integer(allow_none=True, metadata={"description": "The receiver's last HTTP status"})
    last_error = f.String(allow_none=True)
    last_duration_ms = f.Integer(allow_none=True)
    created_at = f.AwareDateTime()
    finished_at = f.AwareDateTime(allow_none=True)


class AttemptSchema(Schema):
    attempted_at = f.String(metadata={"format": "date-time", "example": "2026-11-23T08:15:02.125000+00:00"})
    status_code = f.Integer(allow_none=True)
    duration_ms = f.Integer()
    error = f.String(allow_none=True)


class DeliveryDetailSchema(DeliverySchema):
    payload = f.String(metadata={"description": "The exact body sent"})
    attempt_log = f.List(f.Nested(AttemptSchema))


class DeliveryListArgs(PageArgs):
    status = f.Enum(DeliveryStatus, by_value=True)


@bp.route("", methods=["GET"])
@requires(Scope.admin)
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, page_schema(EndpointSchema, "WebhookEndpointPage"))
@bp.errors(400)
def list_endpoints(cursor, limit):
    """The workspace's webhook endpoints, oldest first."""
    return service.list_endpoints(cursor=cursor, limit=limit)


@bp.route("", methods=["POST"])
@requires(Scope.admin)
@bp.arguments(EndpointSchema)
@bp.response(201, NewEndpointSchema)
@bp.errors(422)
def create_endpoint(data):
    """Register an endpoint. The answer carries its ``secret``, this once only.

    Only http(s) URLs whose host resolves to public addresses are accepted (and the address is
    checked again on every delivery): no loopback, private, link-local, shared (CGNAT),
    multicast or reserved addresses, nor IPv6 addresses embedding one.
    """
    endpoint = service.create(data)
    return endpoint


@bp.route("/<uuid:endpoint_id>", methods=["GET"])
@requires(Scope.admin)
@bp.response(200, EndpointSchema)
@bp.errors(404)
def get_endpoint(endpoint_id):
    """One endpoint (without its secret)."""
    return service.get(endpoint_id)


@bp.route("/<uuid:endpoint_id>", methods=["PATCH"])
@requires(Scope.admin)
@bp.arguments(EndpointUpdateSchema)
@bp.response(200, EndpointSchema)
@bp.errors(404, 422)
def update_endpoint(data, endpoint_id):
    """Change an endpoint. A new URL, or switching a disabled endpoint back on, ends its back-off:
    waiting deliveries go out now."""
    endpoint = service.update(service.get(endpoint_id), data)
    service.send_now(endpoint)  # what waited for a back-off a new URL ends goes out now
    return endpoint


@bp.route("/<uuid:endpoint_id>", methods=["DELETE"])
@requires(Scope.admin)
@bp.response(204)
@bp.errors(404)
def delete_endpoint(endpoint_id):
    """Remove an endpoint and its delivery log."""
    service.delete(service.get(endpoint_id))


@bp.route("/<uuid:endpoint_id>/rotate-secret", methods=["POST"], idempotent=False)  # the answer is a secret
@requires(Scope.admin)
@bp.response(200, SecretSchema)
@bp.errors(404)
def rotate_secret(endpoint_id):
    """Replace the secret. For a day deliveries carry two signatures, with the new secret and the
    old, so the receiver can switch without missing a message."""
    endpoint = service.get(endpoint_id)
    secret = service.rotate_secret(endpoint)
    return {"secret": secret, "previous_secret_expires_at": endpoint.previous_secret_expires_at}


@bp.route("/<uuid:endpoint_id>/deliveries", methods=["GET"])
@requires(Scope.admin)
@bp.arguments(DeliveryListArgs, location="query", as_kwargs=True)
@bp.response(200, page_schema(DeliverySchema, "WebhookDeliveryPage"))
@bp.errors(400, 404)
def list_deliveries(endpoint_id, cursor, limit, status=None):
    """The endpoint's delivery log, newest first."""
    return service.deliveries(service.get(endpoint_id), status=status, cursor=cursor, limit=limit)


@bp.route("/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>", methods=["GET"])
@requires(Scope.admin)
@bp.response(200, DeliveryDetailSchema)
@bp.errors(404)
def get_delivery(endpoint_id, delivery_id):
    """One delivery with its body and every attempt."""
    return service.delivery(service.get(endpoint_id), delivery_id)


@bp.route("/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/redeliver", methods=["POST"])
@requires(Scope.admin)
@bp.response(202, DeliverySchema)
@bp.errors(404, 409)
def redeliver(endpoint_id, delivery_id):
    """Send a delivery again now (one more attempt, whatever its status)."""
    endpoint = service.get(endpoint_id)
    found = service.delivery(endpoint, delivery_id)
    service.redeliver(endpoint, found)
    service.send_now(endpoint)
    return found
