"""KPIs over a period, computed in SQL for the bound tenant (the managers' figures of the seed plan).

Tier and stage mixes in the past are rebuilt from the classification history: a customer's tier at a
moment is the ``new`` value of its last tier change up to then. Revenue and repurchase are grouped
by each customer's tier now. Periods are half-open, ``[start, end)``, in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from saas.core.classification import ClassificationChange, CustomerFigures, Stage, Tier
from saas.core.classification.recompute import counted
from saas.core.customers import Customer, Purchase
from saas.core.db import db
from saas.core.tenancy import scoped
from saas.core.types import Money

NET = sa.type_coerce(Purchase.amount - Purchase.refunded_amount, Money())
MAX_POINTS = 60


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime

    def points(self, step: str) -> list[dt.datetime]:
        """Moments from ``start`` to ``end`` (both included) a ``day``, ``week`` or ``month`` apart."""
        found, at = [], self.start
        while at < self.end and len(found) < MAX_POINTS - 1:
            found.append(at)
            at = _advance(at, step)
        return [*found, self.end]


def _advance(at: dt.datetime, step: str) -> dt.datetime:
    if step == "day":
        return at + dt.timedelta(days=1)
    if step == "week":
        return at + dt.timedelta(weeks=1)
    year, month = divmod(at.month, 12)
    return at.replace(year=at.year + year, month=month + 1, day=1)


def mix_at(kind: str, at: dt.datetime) -> dict[str, int]:
    """How many customers were in each tier (``kind="tier"``) or stage at ``at``: every customer
    that existed then and was not deleted (nor merged away), by the last change of that kind up to
    ``at``. No history row is written for a customer still where it started, so one whose stage
    never changed is a prospect (``potential``), and one whose tier never changed has none."""
    values = [t.value for t in Tier] if kind == "tier" else [s.value for s in Stage]
    latest = (
        sa.select(ClassificationChange.tenant_id, ClassificationChange.customer_id, ClassificationChange.new,
                  sa.func.row_number().over(partition_by=ClassificationChange.customer_id,
                                            order_by=(ClassificationChange.changed_at.desc(),
                                                      ClassificationChange.id.desc())).label("n"))
        .where(ClassificationChange.kind == kind, ClassificationChange.changed_at <= at)
        .subquery()
    )
    value = latest.c.new if kind == "tier" else sa.func.coalesce(latest.c.new, Stage.potential.value)
    counted = dict(db.session.execute(scoped(
        sa.select(value, sa.func.count())
        .select_from(Customer)
        .outerjoin(latest, sa.and_(latest.c.tenant_id == Customer.tenant_id, latest.c.customer_id == Customer.id,
                                   latest.c.n == 1))
        .where(Customer.created_at <= at, sa.or_(Customer.deleted_at.is_(None), Customer.deleted_at > at))
        .group_by(value))).all())
    return {value: counted.get(value, 0) for value in values}


def mix_over_time(kind: str, period: Period, step: str) -> list[dict]:
    return [{"at": at, "counts": mix_at(kind, at)} for at in period.points(step)]


def _by_current_tier(stmt: sa.Select) -> sa.Select:
    return stmt.join(CustomerFigures, sa.and_(CustomerFigures.tenant_id == Purchase.tenant_id,
                                              CustomerFigures.customer_id == Purchase.customer_id))


def _in(period: Period):
    return sa.and_(Purchase.purchased_at >= period.start, Purchase.purchased_at < period.end, counted())


def revenue_by_tier(period: Period) -> dict[str | None, dict]:
    """Net revenue, orders and buyers in the period, by the buyers' tier now."""
    rows = db.session.execute(_by_current_tier(
        sa.select(CustomerFigures.tier, sa.func.sum(NET), sa.func.count(), sa.func.count(Purchase.customer_id.distinct()))
    ).where(_in(period)).group_by(CustomerFigures.tier)).all()
    return {_code(tier): {"revenue": revenue or Decimal(0), "orders": orders, "buyers": buyers}
            for tier, revenue, orders, buyers in rows}


def repurchase_by_tier(period: Period) -> dict[str | None, dict]:
    """Of the customers who bought in the period, how many bought more than once, by tier now."""
    per_buyer = _by_current_tier(
        sa.select(Purchase.customer_id, CustomerFigures.tier, sa.func.count().label("orders"))
    ).where(_in(period)).group_by(Purchase.customer_id, CustomerFigures.tier).subquery()
    rows = db.session.execute(
        sa.select(per_buyer.c.tier, sa.func.count(),
                  sa.func.sum(sa.case((per_buyer.c.orders > 1, 1), else_=0)))
        .group_by(per_buyer.c.tier)).all()
    return {_code(tier): {"buyers": buyers, "repeat_buyers": int(repeat or 0),
                          "rate": round(int(repeat or 0) / buyers, 4) if buyers else None}
            for tier, buyers, repeat in rows}


def churn(period: Period) -> dict:
    """Customers who became churned in the period, against the buyers who were not churned at its start."""
    at_start = mix_at("stage", period.start)
    base = sum(count for stage, count in at_start.items() if stage not in (Stage.potential.value, Stage.churned.value))
    churned = db.session.scalar(
        sa.select(sa.func.count(ClassificationChange.customer_id.distinct())).where(
            ClassificationChange.kind == "stage", ClassificationChange.new == Stage.churned.value,
            ClassificationChange.changed_at >= period.start, ClassificationChange.changed_at < period.end))
    return {"customers_at_start": base, "churned": churned, "rate": round(churned / base, 4) if base else None}


def customer_value(period: Period) -> dict:
    """Net revenue per buyer in the period."""
    revenue, buyers = db.session.execute(
        sa.select(sa.func.sum(NET), sa.func.count(Purchase.customer_id.distinct())).where(_in(period))).one()
    revenue = revenue or Decimal(0)
    return {"revenue": revenue, "buyers": buyers,
            "average": (revenue / buyers).quantize(Decimal("0.01")) if buyers else None}


def _code(value) -> str | None:
    return getattr(value, "value", value)
