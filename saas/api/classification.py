"""Value tiers and lifecycle stages: the workspace's rules, and each customer's figures and history."""

from __future__ import annotations

from marshmallow import ValidationError, validates
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, page_schema
from saas.api.fields import UTCDateTime
from saas.api.schema import Schema
from saas.auth import current_principal, requires
from saas.core.accounts import Scope
from saas.core.classification import (
    LABELS,
    MAX_AMOUNT,
    Rules,
    Stage,
    Tier,
    explanations,
)
from saas.core.classification import recompute as service
from saas.core.customers import records as customers
from saas.core.types import utcnow

bp = ApiBlueprint("classification", __name__, url_prefix="/api/v1",
                  description="Value tiers and lifecycle stages: rules, figures, manual tiers, history")

AMOUNT = {"places": 2, "as_string": True}
THRESHOLD = v.Range(min=0, min_inclusive=False, max=MAX_AMOUNT)


class RulesSchema(Schema):
    core = f.Decimal(required=True, validate=THRESHOLD, **AMOUNT,
                     metadata={"description": "Least spend in the window for core (default 100000)"})
    important = f.Decimal(required=True, validate=THRESHOLD, **AMOUNT,
                          metadata={"description": "Least spend for important (default 30000)"})
    basic = f.Decimal(required=True, validate=THRESHOLD, **AMOUNT,
                      metadata={"description": "Least spend for basic (default 10000); any buyer below is general"})
    window_months = f.Integer(load_default=12, metadata={"description": "The trailing window spend is summed over"})
    new_days = f.Integer(load_default=90, metadata={"description": "A first purchase this recent makes a customer new"})
    dormant_days = f.Integer(load_default=180, metadata={"description": "No purchase for this long: dormant"})
    churned_days = f.Integer(load_default=365, metadata={"description": "No purchase for this long: churned"})
    currency = f.String(dump_only=True, metadata={"description": "The workspace's currency, which amounts are in"})


class FiguresSchema(Schema):
    first_purchase_at = f.AwareDateTime(allow_none=True)
    last_purchase_at = f.AwareDateTime(allow_none=True)
    orders_total = f.Integer()
    revenue_total = f.Decimal(**AMOUNT, metadata={"description": "Net of refunds"})
    orders_window = f.Integer(metadata={"description": "Orders in the rules' trailing window (12 months by default)"})
    revenue_window = f.Decimal(**AMOUNT, metadata={"description": "Spend in the trailing window: what sets the tier"})
    average_order_value = f.Decimal(allow_none=True, **AMOUNT)
    typical_interval_days = f.Float(allow_none=True, metadata={"description": "Mean days between purchases"})
    r_score = f.Integer(allow_none=True, metadata={"description": "Recency quintile in the workspace, 5 = most recent"})
    f_score = f.Integer(allow_none=True, metadata={"description": "Frequency quintile, 5 = most orders"})
    m_score = f.Integer(allow_none=True, metadata={"description": "Monetary quintile, 5 = most revenue"})
    computed_at = f.AwareDateTime(allow_none=True)


class OverrideSchema(Schema):
    tier = f.Enum(Tier, by_value=True, required=True)
    reason = f.String(required=True, validate=v.Length(min=1, max=500))
    until = UTCDateTime(allow_none=True, load_default=None,
                            metadata={"description": "When the rules take over again; none: until removed"})

    @validates("until")
    def _in_the_future(self, value, **kwargs):
        if value is not None and value <= utcnow():
            raise ValidationError("Must be in the future.")


class ExplanationSchema(Schema):
    tier = f.String(metadata={"example": "spend in the last 12 months 120,000.00 >= 100,000.00 (core)"})
    lifecycle_stage = f.String(metadata={"example": "last purchase 12 days ago (active within 180 days)"})


class ClassificationSchema(Schema):
    customer_id = f.UUID()
    tier = f.Enum(Tier, by_value=True, allow_none=True)
    rule_tier = f.Enum(Tier, by_value=True, allow_none=True, metadata={"description": "The tier the rules give"})
    lifecycle_stage = f.Enum(Stage, by_value=True)
    override = f.Nested(OverrideSchema, allow_none=True, metadata={"description": "The tier set by hand, if any"})
    why = f.Nested(ExplanationSchema)
    figures = f.Nested(FiguresSchema)


class ChangeSchema(Schema):
    id = f.UUID()
    kind = f.String(metadata={"description": "tier, stage, or override (a manual tier set or removed)"})
    old = f.String(allow_none=True)
    new = f.String(allow_none=True)
    reason = f.String()
    actor = f.String()
    changed_at = f.AwareDateTime()


ChangePage = page_schema(ChangeSchema, "ClassificationChangePage")


class LabelArgs(Schema):
    locale = f.String(validate=v.OneOf(list(LABELS)), metadata={"description": "Default: the workspace's locale"})


class LabelsSchema(Schema):
    locale = f.String()
    tier = f.Dict(keys=f.String(), values=f.String(), metadata={"example": {"core": "核心客户"}})
    lifecycle_stage = f.Dict(keys=f.String(), values=f.String(), metadata={"example": {"dormant": "休眠客户"}})


class QueuedSchema(Schema):
    queued = f.Boolean()


def _rules_out(rules: Rules) -> dict:
    return {**rules.as_settings(), "currency": current_principal().tenant.settings.get("currency")}


def _classification(customer_id) -> dict:
    figures = service.figures_of(customer_id)
    override = None
    if figures.override_active:
        override = {"tier": figures.tier_override, "reason": figures.override_reason, "until": figures.override_until}
    return {"customer_id": customer_id, "tier": figures.tier, "rule_tier": figures.rule_tier,
            "lifecycle_stage": figures.lifecycle_stage, "override": override,
            "why": explanations.explain(figures, service.rules()), "figures": figures}


@bp.route("/classification/rules", methods=["GET"])
@bp.response(200, RulesSchema)
def get_rules():
    """The workspace's tier thresholds and stage thresholds."""
    return _rules_out(service.rules())


@bp.route("/classification/rules", methods=["PUT"])
@requires(Scope.admin)
@bp.arguments(RulesSchema)
@bp.response(200, RulesSchema)
@bp.errors(400)
def put_rules(data):
    """Change the rules (admins); every customer is reclassified under them by a job."""
    rules = service.change_rules(current_principal().tenant, Rules(**data))
    return _rules_out(rules)


@bp.route("/classification/labels", methods=["GET"])
@bp.arguments(LabelArgs, location="query", as_kwargs=True)
@bp.response(200, LabelsSchema)
@bp.errors(400)
def labels(locale=None):
    """What to show for each tier and stage code, in English or Simplified Chinese."""
    locale = locale or current_principal().tenant.settings.get("locale", "en")
    locale = locale if locale in LABELS else "en"
    return {"locale": locale, **LABELS[locale]}


@bp.route("/classification/recompute", methods=["POST"])
@requires(Scope.admin)
@bp.response(202, QueuedSchema)
def recompute():
    """Reclassify every customer now rather than at the nightly run (admins)."""
    service.schedule_recompute(current_principal().tenant.id)
    return {"queued": True}


@bp.route("/customers/<uuid:customer_id>/classification", methods=["GET"])
@bp.response(200, ClassificationSchema)
@bp.errors(404)
def get_classification(customer_id):
    """The customer's tier and stage, why it has them, and the figures they come from."""
    customers.get(customer_id)
    return _classification(customer_id)


@bp.route("/customers/<uuid:customer_id>/tier-override", methods=["PUT"])
@bp.arguments(OverrideSchema)
@bp.response(200, ClassificationSchema)
@bp.errors(400, 404)
def set_override(data, customer_id):
    """Put the customer in a tier by hand, with a reason, optionally until a date."""
    customers.get(customer_id)
    service.override(customer_id, data["tier"], data["reason"], data["until"])
    return _classification(customer_id)


@bp.route("/customers/<uuid:customer_id>/tier-override", methods=["DELETE"])
@bp.response(200, ClassificationSchema)
@bp.errors(404)
def clear_override(customer_id):
    """Let the rules decide the customer's tier again."""
    customers.get(customer_id)
    service.clear_override(customer_id)
    return _classification(customer_id)


@bp.route("/customers/<uuid:customer_id>/classification/history", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, ChangePage)
@bp.errors(404)
def classification_history(customer_id, cursor, limit):
    """Every change of the customer's tier and stage, newest first, with its reason."""
    customers.get(customer_id, include_deleted=True)
    return explanations.history(customer_id, cursor=cursor, limit=limit)
