"""``/api/v1/purchases``, ``/api/v1/interactions`` and a customer's merged timeline."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, page_schema
from saas.api.fields import UTCDateTime
from saas.api.schema import Schema
from saas.auth import current_principal
from saas.core.customers import Channel, Direction
from saas.core.customers import activity as service

bp = ApiBlueprint("activity", __name__, url_prefix="/api/v1", description="Purchases, interactions, timelines")

MONEY = {"places": 2, "as_string": True}
MAX_AMOUNT = 10**12


class PurchaseSchema(Schema):
    id = f.UUID(dump_only=True)
    customer_id = f.UUID(required=True)
    product = f.String(required=True, validate=v.Length(min=1, max=200))
    category = f.String(allow_none=True, validate=v.Length(max=100))
    quantity = f.Decimal(places=3, as_string=True, load_default=None,
                         validate=v.Range(min=0, min_inclusive=False, max=10**9))
    unit_price = f.Decimal(**MONEY, allow_none=True, validate=v.Range(min=0, max=MAX_AMOUNT))
    amount = f.Decimal(**MONEY, required=True, validate=v.Range(min=0, max=MAX_AMOUNT),
                       metadata={"example": "1280.00"})
    currency = f.String(validate=v.Regexp(r"\A[A-Z]{3}\Z", error="An ISO 4217 code such as CNY."),
                        metadata={"description": "Defaults to the tenant's currency"})
    purchased_at = UTCDateTime(required=True)
    external_ref = f.String(allow_none=True, validate=v.Length(min=1, max=100),
                            metadata={"description": "Your order number; re-posting it does not duplicate"})
    refunded_amount = f.Decimal(**MONEY, dump_only=True)
    refunded_at = f.AwareDateTime(dump_only=True, allow_none=True)
    refund_reason = f.String(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)

    @ma.post_load
    def _default_quantity(self, data, **kwargs):
        if data.get("quantity") is None:
            data.pop("quantity", None)
        return data


class RefundSchema(Schema):
    amount = f.Decimal(**MONEY, load_default=None, metadata={"description": "Defaults to what is left to refund"})
    reason = f.String(load_default=None, validate=v.Length(max=500))


class InteractionSchema(Schema):
    id = f.UUID(dump_only=True)
    customer_id = f.UUID(required=True)
    channel = f.Enum(Channel, by_value=True, required=True)
    direction = f.Enum(Direction, by_value=True, load_default=Direction.outbound)
    subject = f.String(required=True, validate=v.Length(min=1, max=200))
    notes = f.String(allow_none=True, validate=v.Length(max=10_000))
    occurred_at = UTCDateTime(required=True)
    staff_id = f.UUID(dump_only=True, allow_none=True, metadata={"description": "The user who logged it"})
    outcome = f.String(allow_none=True, validate=v.Length(max=200))
    created_at = f.AwareDateTime(dump_only=True)


class ActivityListArgs(PageArgs):
    customer_id = f.UUID()


class ModuleEntrySchema(Schema):
    title = f.String()
    body = f.String()
    link = f.String(allow_none=True)


class TimelineEntrySchema(Schema):
    type = f.String(metadata={"description": "purchase, interaction, or a module's kind (surveys.answer)"})
    at = f.AwareDateTime()
    id = f.Function(lambda entry: str(entry.item.id))
    summary = f.Method("dump_summary")
    purchase = f.Method("dump_purchase", allow_none=True)
    interaction = f.Method("dump_interaction", allow_none=True)
    entry = f.Method("dump_entry", allow_none=True, metadata={"description": "A module's entry"})

    def dump_summary(self, entry):
        item = entry.item
        if entry.type == "purchase":
            return f"{item.product}: {item.amount} {item.currency}"
        if entry.type == "interaction":
            return f"{item.channel.value}: {item.subject}"
        return f"{item.title}: {item.body}" if item.body else item.title

    def dump_entry(self, entry):
        return None if entry.type in ("purchase", "interaction") else ModuleEntrySchema().dump(entry.item)

    def dump_purchase(self, entry):
        return PurchaseSchema().dump(entry.item) if entry.type == "purchase" else None

    def dump_interaction(self, entry):
        return InteractionSchema().dump(entry.item) if entry.type == "interaction" else None


PurchasePage = page_schema(PurchaseSchema, "PurchasePage")
InteractionPage = page_schema(InteractionSchema, "InteractionPage")
TimelinePage = page_schema(TimelineEntrySchema, "TimelinePage")


@bp.route("/purchases", methods=["GET"])
@bp.arguments(ActivityListArgs, location="query", as_kwargs=True)
@bp.response(200, PurchasePage)
@bp.errors(400)
def list_purchases(cursor, limit, customer_id=None):
    """List purchases, newest first."""
    page = service.list_purchases(customer_id=customer_id, cursor=cursor, limit=limit)
    return page


@bp.route("/purchases", methods=["POST"])
@bp.arguments(PurchaseSchema)
@bp.response(201, PurchaseSchema)
@bp.alt_response(200, schema=PurchaseSchema, description="The external_ref was recorded before", success=True)
@bp.errors(404, 409, 422)
def record_purchase(data):
    """Record a purchase. Re-posting an ``external_ref`` returns the first purchase (200); the
    same reference with another customer or amount is a 409."""
    currency = current_principal().tenant.settings.get("currency", "CNY")
    purchase, created = service.record_purchase(data, default_currency=currency)
    return purchase, 201 if created else 200


@bp.route("/purchases/<uuid:purchase_id>", methods=["GET"])
@bp.response(200, PurchaseSchema)
@bp.errors(404)
def get_purchase(purchase_id):
    """Read one purchase."""
    return service.get_purchase(purchase_id)


@bp.route("/purchases/<uuid:purchase_id>/refund", methods=["POST"])
@bp.arguments(RefundSchema)
@bp.response(200, PurchaseSchema)
@bp.errors(400, 404, 409, 422)
def refund_purchase(data, purchase_id):
    """Refund all or part of a purchase."""
    purchase = service.refund(service.get_purchase(purchase_id, for_update=True), data["amount"], data["reason"])
    return purchase


@bp.route("/interactions", methods=["GET"])
@bp.arguments(ActivityListArgs, location="query", as_kwargs=True)
@bp.response(200, InteractionPage)
@bp.errors(400)
def list_interactions(cursor, limit, customer_id=None):
    """List interactions, newest first."""
    page = service.list_interactions(customer_id=customer_id, cursor=cursor, limit=limit)
    return page


@bp.route("/interactions", methods=["POST"])
@bp.arguments(InteractionSchema)
@bp.response(201, InteractionSchema)
@bp.errors(400, 404)
def log_interaction(data):
    """Log a call, visit, message or meeting with a customer."""
    principal = current_principal()
    data["staff_id"] = principal.user.id if principal.user else None
    interaction = service.log_interaction(data)
    return interaction


@bp.route("/interactions/<uuid:interaction_id>", methods=["GET"])
@bp.response(200, InteractionSchema)
@bp.errors(404)
def get_interaction(interaction_id):
    """Read one interaction."""
    return service.get_interaction(interaction_id)


@bp.route("/customers/<uuid:customer_id>/timeline", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, TimelinePage)
@bp.errors(400, 404)
def customer_timeline(customer_id, cursor, limit):
    """A customer's purchases, interactions and the enabled modules' entries (a survey's answer...)
    merged, newest first."""
    page = service.timeline(customer_id, cursor=cursor, limit=limit)
    return page
