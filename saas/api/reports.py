"""``/api/v1/reports/...``: the managers' KPIs, each over a period (``from``, ``to``; the last 12
months by default)."""

from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError, validates_schema
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint
from saas.api.schema import Schema
from saas.core.classification import months_before
from saas.core.data_quality import report as data_quality
from saas.core.reports import kpis as reports
from saas.core.types import utcnow

bp = ApiBlueprint("reports", __name__, url_prefix="/api/v1/reports",
                  description="KPIs: tier and stage mix over time, revenue and repurchase by tier, churn, customer value")

MAX_SPAN = dt.timedelta(days=5 * 366)


class PeriodArgs(Schema):
    start = f.AwareDateTime(data_key="from", metadata={"description": "Start (inclusive); default 12 months ago"})
    end = f.AwareDateTime(data_key="to", metadata={"description": "End (exclusive); default now"})

    @validates_schema
    def _ordered(self, data, **kwargs):
        end = data.get("end") or utcnow()
        start = data.get("start") or months_before(end, 12)
        if start >= end:
            raise ValidationError("Must be after from.", "to")
        if end - start > MAX_SPAN:
            raise ValidationError("At most five years.", "to")


class SeriesArgs(PeriodArgs):
    step = f.String(load_default="month", validate=v.OneOf(["day", "week", "month"]))


def period_of(start=None, end=None) -> reports.Period:
    end = end or utcnow()
    return reports.Period(start or months_before(end, 12), end)


class PointSchema(Schema):
    at = f.AwareDateTime()
    counts = f.Dict(keys=f.String(), values=f.Integer())


class SeriesSchema(Schema):
    points = f.List(f.Nested(PointSchema))


class TierRevenueSchema(Schema):
    tier = f.String(allow_none=True, metadata={"description": "The buyers' tier now"})
    revenue = f.Decimal(places=2, as_string=True)
    orders = f.Integer()
    buyers = f.Integer()


class RevenueSchema(Schema):
    items = f.List(f.Nested(TierRevenueSchema))


class TierRepurchaseSchema(Schema):
    tier = f.String(allow_none=True)
    buyers = f.Integer()
    repeat_buyers = f.Integer(metadata={"description": "Bought more than once in the period"})
    rate = f.Float(allow_none=True)


class RepurchaseSchema(Schema):
    items = f.List(f.Nested(TierRepurchaseSchema))


class ChurnSchema(Schema):
    customers_at_start = f.Integer(metadata={"description": "Buyers not churned when the period began"})
    churned = f.Integer(metadata={"description": "Customers who became churned during the period"})
    rate = f.Float(allow_none=True)


class CustomerValueSchema(Schema):
    revenue = f.Decimal(places=2, as_string=True)
    buyers = f.Integer()
    average = f.Decimal(places=2, as_string=True, allow_none=True, metadata={"description": "Revenue per buyer"})


class DataQualityKpiSchema(Schema):
    customers = f.Integer(metadata={"description": "Live customers created in the period (all, without one)"})
    accuracy = f.Float(allow_none=True)
    duplicate_rate = f.Float(allow_none=True)
    target = f.Float()


def _rows(found: dict) -> list[dict]:
    order = {tier.value: n for n, tier in enumerate(reports.Tier)}
    return [{"tier": tier, **values} for tier, values in sorted(found.items(), key=lambda i: order.get(i[0], 99))]


@bp.route("/tiers", methods=["GET"])
@bp.arguments(SeriesArgs, location="query", as_kwargs=True)
@bp.response(200, SeriesSchema)
@bp.errors(400)
def tiers(step, start=None, end=None):
    """Customers per value tier at each step of the period (from the classification history)."""
    return {"points": reports.mix_over_time("tier", period_of(start, end), step)}


@bp.route("/stages", methods=["GET"])
@bp.arguments(SeriesArgs, location="query", as_kwargs=True)
@bp.response(200, SeriesSchema)
@bp.errors(400)
def stages(step, start=None, end=None):
    """Customers per lifecycle stage at each step of the period."""
    return {"points": reports.mix_over_time("stage", period_of(start, end), step)}


@bp.route("/revenue", methods=["GET"])
@bp.arguments(PeriodArgs, location="query", as_kwargs=True)
@bp.response(200, RevenueSchema)
@bp.errors(400)
def revenue(start=None, end=None):
    """Net revenue, orders and buyers in the period by tier."""
    return {"items": _rows(reports.revenue_by_tier(period_of(start, end)))}


@bp.route("/repurchase", methods=["GET"])
@bp.arguments(PeriodArgs, location="query", as_kwargs=True)
@bp.response(200, RepurchaseSchema)
@bp.errors(400)
def repurchase(start=None, end=None):
    """Repurchase rate by tier: of the period's buyers, the share who bought more than once."""
    return {"items": _rows(reports.repurchase_by_tier(period_of(start, end)))}


@bp.route("/churn", methods=["GET"])
@bp.arguments(PeriodArgs, location="query", as_kwargs=True)
@bp.response(200, ChurnSchema)
@bp.errors(400)
def churn(start=None, end=None):
    """Churn rate: customers who became churned in the period, of the buyers not churned at its start."""
    return reports.churn(period_of(start, end))


@bp.route("/customer-value", methods=["GET"])
@bp.arguments(PeriodArgs, location="query", as_kwargs=True)
@bp.response(200, CustomerValueSchema)
@bp.errors(400)
def customer_value(start=None, end=None):
    """Average customer value: net revenue per buyer in the period."""
    return reports.customer_value(period_of(start, end))


@bp.route("/data-quality", methods=["GET"])
@bp.arguments(PeriodArgs, location="query", as_kwargs=True)
@bp.response(200, DataQualityKpiSchema)
@bp.errors(400)
def data_quality_score(start=None, end=None):
    """Data accuracy (target 98%) of the customers created in the period, or of all without one;
    ``/api/v1/data-quality`` has the whole report."""
    return data_quality.report(data_quality.Window(start, end))
