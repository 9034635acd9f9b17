"""``/api/v1/loyalty``: balances, the ledger, adjustments by hand (404 where the module is off)."""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, PartialSchema, page_schema
from saas.api.fields import UTCDateTime
from saas.api.schema import Schema
from saas.auth import requires, requires_permission
from saas.core.accounts import Scope
from saas.core.customers import records as customers

from saas.core.classification import Tier

from plugins.loyalty import ledger, rewards
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
    reward_id = f.UUID(allow_none=True, metadata={"description": "What a redemption bought"})
    expires_at = f.AwareDateTime(allow_none=True, metadata={"description": "When earned points expire"})
    actor = f.String()
    created_at = f.AwareDateTime()


EntryPage = page_schema(EntrySchema, "LoyaltyEntryPage")


class AdjustmentSchema(Schema):
    points = f.Integer(required=True, validate=[v.Range(min=-MAX_POINTS, max=MAX_POINTS),
                                                v.NoneOf([0], error="An adjustment moves at least one point.")])
    reason = f.String(required=True, validate=v.Length(min=1, max=500))


class RewardSchema(Schema):
    id = f.UUID(dump_only=True)
    name = f.String(required=True, validate=v.Length(min=1, max=200))
    description = f.String(load_default=None, allow_none=True, validate=v.Length(max=1000))
    points_cost = f.Integer(required=True, validate=v.Range(min=1, max=MAX_POINTS))
    stock = f.Integer(load_default=None, allow_none=True, validate=v.Range(min=0, max=MAX_POINTS),
                      metadata={"description": "How many are left; null: unlimited"})
    active_from = UTCDateTime(load_default=None, allow_none=True)
    active_until = UTCDateTime(load_default=None, allow_none=True)
    tiers = f.List(f.String(validate=v.OneOf([t.value for t in Tier])), load_default=list,
                   validate=v.Length(max=len(Tier)),
                   metadata={"description": "Value tiers that may redeem it; empty: every customer"})
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)

    @ma.validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("active_from") and data.get("active_until") and data["active_until"] <= data["active_from"]:
            raise ma.ValidationError("The offer ends after it starts.", "active_until")


class RewardPatchSchema(PartialSchema, RewardSchema):
    pass


RewardPage = page_schema(RewardSchema, "LoyaltyRewardPage")


class RedemptionSchema(Schema):
    reward_id = f.UUID(required=True)


class BackfillSchema(Schema):
    start = UTCDateTime(required=True, data_key="from")
    end = UTCDateTime(required=True, data_key="to")

    @ma.validates_schema
    def _a_bounded_range(self, data, **kwargs):
        if data["end"] <= data["start"]:
            raise ma.ValidationError("'to' is after 'from'.", "to")
        if data["end"] - data["start"] > dt.timedelta(days=5 * 366):
            raise ma.ValidationError("At most five years at a time.", "to")


class BackfillQueuedSchema(Schema):
    queued = f.Boolean()


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
@bp.arguments(AdjustmentSchema)
@bp.response(201, EntrySchema)
@bp.errors(403, 404)
def adjust(data, customer_id):
    """Add (or take, with negative points) points by hand; the reason is kept and audited. Send an
    ``Idempotency-Key`` so that a retried request does not move the points twice."""
    customers.get(customer_id)
    entry = ledger.adjust(customer_id, data["points"], data["reason"])
    return entry


@bp.route("/customers/<uuid:customer_id>/redemptions", methods=["POST"])
@bp.arguments(RedemptionSchema)
@bp.response(201, EntrySchema)
@bp.errors(404, 409)
def redeem(data, customer_id):
    """Spend a customer's points on a reward: 409 if it is not on offer, not for the customer's tier,
    out of stock, or costs more points than the customer has."""
    customers.get(customer_id)
    entry = rewards.redeem(customer_id, data["reward_id"])
    return entry


@bp.route("/rewards", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, RewardPage)
@bp.errors(404)
def list_rewards(cursor, limit):
    """The rewards catalogue, by name."""
    return rewards.catalogue(cursor=cursor, limit=limit)


@bp.route("/rewards", methods=["POST"])
@requires_permission("loyalty.rewards")
@bp.arguments(RewardSchema)
@bp.response(201, RewardSchema)
@bp.errors(403, 404)
def create_reward(data):
    """Add a reward to the catalogue."""
    reward = rewards.create(data)
    return reward


@bp.route("/rewards/<uuid:reward_id>", methods=["GET"])
@bp.response(200, RewardSchema)
@bp.errors(404)
def get_reward(reward_id):
    """One reward."""
    return rewards.get(reward_id)


@bp.route("/rewards/<uuid:reward_id>", methods=["PATCH"])
@requires_permission("loyalty.rewards")
@bp.arguments(RewardPatchSchema)
@bp.response(200, RewardSchema)
@bp.errors(403, 404)
def update_reward(data, reward_id):
    """Change a reward (its cost, stock, dates, tiers...)."""
    reward = rewards.update(rewards.get(reward_id, lock=True), data)
    return reward


@bp.route("/rewards/<uuid:reward_id>", methods=["DELETE"])
@requires_permission("loyalty.rewards")
@bp.response(204)
@bp.errors(403, 404)
def delete_reward(reward_id):
    """Take a reward off the catalogue (the redemptions that bought it keep their record)."""
    rewards.archive(rewards.get(reward_id, lock=True))


@bp.route("/backfill", methods=["POST"])
@requires(Scope.admin)
@bp.arguments(BackfillSchema)
@bp.response(202, BackfillQueuedSchema)
@bp.errors(404)
def backfill(data):
    """Give points for the purchases made from ``from`` to ``to`` that earned none (while the module
    was off): by today's rules and tiers, less what was refunded of them. A job does it; running it
    twice gives nothing more."""
    ledger.queue_backfill(data["start"], data["end"])
    return {"queued": True}


@bp.route("/rebuild", methods=["POST"])
@requires(Scope.admin)
@bp.response(200, RebuiltSchema)
@bp.errors(404)
def rebuild():
    """Set every balance to the sum of its ledger entries (they always should be)."""
    corrected = ledger.rebuild()
    return {"corrected": corrected}
