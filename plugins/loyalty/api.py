"""``/api/v1/loyalty``: balances, the ledger, adjustments by hand (404 where the module is off)."""

from __future__ import annotations

from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, page_schema
from saas.api.schema import Schema
from saas.auth import requires, requires_permission
from saas.core.accounts import Scope
from saas.core.db import db
from saas.core.services import customers

from plugins.loyalty import ledger
from plugins.loyalty.models import EntryKind
from plugins.loyalty.rules import MAX_POINTS

bp = ApiBlueprint("loyalty", __name__, url_prefix="/api/v1/loyalty",
                  description="Loyalty points: balances, the ledger, adjustments (404 unless the workspace "
                              "enabled the loyalty module)")


class AccountSchema(Schema):
    customer_id = f.UUID()
    balance = f.Integer(metadata={"description": "The sum of the customer's ledger entries"})


class EntrySchema(Schema):
    id = f.UUID()
    customer_id = f.UUID()
    kind = f.Enum(EntryKind, by_value=True)
    points = f.Integer(metadata={"description": "Positive: points in; negative: points out"})
    reason = f.String()
    purchase_id = f.UUID(allow_none=True)
    expires_at = f.AwareDateTime(allow_none=True, metadata={"description": "When earned points expire"})
    actor = f.String()
    created_at = f.AwareDateTime()


EntryPage = page_schema(EntrySchema, "LoyaltyEntryPage")


class AdjustmentSchema(Schema):
    points = f.Integer(required=True, validate=[v.Range(min=-MAX_POINTS, max=MAX_POINTS),
                                                v.NoneOf([0], error="An adjustment moves at least one point.")])
    reason = f.String(required=True, validate=v.Length(min=1, max=500))


class RebuiltSchema(Schema):
    corrected = f.Integer(metadata={"description": "Accounts whose balance did not match their entries"})


@bp.route("/customers/<uuid:customer_id>", methods=["GET"])
@bp.response(200, AccountSchema)
@bp.errors(404)
def get_account(customer_id):
    """A customer's points balance."""
    customers.get(customer_id)
    return {"customer_id": customer_id, "balance": ledger.balance(customer_id)}


@bp.route("/customers/<uuid:customer_id>/entries", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, EntryPage)
@bp.errors(404)
def list_entries(customer_id, cursor, limit):
    """A customer's ledger, newest first: every point earned, spent, expired, adjusted or reversed."""
    customers.get(customer_id)
    return ledger.entries(customer_id, cursor=cursor, limit=limit)


@bp.route("/customers/<uuid:customer_id>/adjustments", methods=["POST"])
@requires_permission("loyalty.adjust")
@bp.idempotent
@bp.arguments(AdjustmentSchema)
@bp.response(201, EntrySchema)
@bp.errors(403, 404)
def adjust(data, customer_id):
    """Add (or take, with negative points) points by hand; the reason is kept and audited. Send an
    ``Idempotency-Key`` so that a retried request does not move the points twice."""
    customers.get(customer_id)
    entry = ledger.adjust(customer_id, data["points"], data["reason"])
    db.session.commit()
    return entry


@bp.route("/rebuild", methods=["POST"])
@requires(Scope.admin)
@bp.response(200, RebuiltSchema)
def rebuild():
    """Set every balance to the sum of its ledger entries (they always should be)."""
    corrected = ledger.rebuild()
    db.session.commit()
    return {"corrected": corrected}
