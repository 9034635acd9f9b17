"""What the warnings and the win-back work bring, by month and value tier.

For each calendar month (UTC) and tier (the customer's tier today for churn; the tier when the
task opened for win-back), and over all tiers (``tier: "all"``):

- ``churned``: customers whose lifecycle stage became ``churned`` in the month (the core's
  classification history); ``customers``: customers who had bought before the month began;
  ``churn_rate`` = churned / customers;
- ``opened``: win-back tasks opened in the month; ``won_back`` / ``lost``: tasks closed so in it;
  ``win_back_rate`` = won_back / (won_back + lost); ``revenue_won_back``: the winning purchases'
  amounts; ``days_to_win_back``: the mean whole days from opening to the winning purchase.

Rates are None where their denominator is 0. A handful of grouped queries per month.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from saas.core.classification import CustomerFigures, Tier, months_before
from saas.core.classification.models import ClassificationChange
from saas.core.customers import Customer, Purchase
from saas.core.db import db
from saas.core.sql import whole_days
from saas.core.types import utcnow

from plugins.churn.models import Task, TaskStatus

ALL = "all"


def _month_starts(months: int, today: dt.date) -> list[dt.datetime]:
    first = dt.datetime(today.year, today.month, 1, tzinfo=dt.timezone.utc)
    return [months_before(first, back) for back in range(months - 1, -1, -1)]


def _tier(value) -> str | None:
    return value.value if isinstance(value, Tier) else value


def _grouped(stmt) -> dict:
    return {_tier(row[0]): row[1:] for row in db.session.execute(stmt).all()}


def _month(start: dt.datetime, tier: str | None) -> dict[str | None, dict]:
    end = months_before(start, -1)
    live = sa.and_(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))
    tier_filter = [] if tier is None else [CustomerFigures.tier == tier]
    customers = _grouped(sa.select(CustomerFigures.tier, sa.func.count())
                         .join(Customer, Customer.id == CustomerFigures.customer_id)
                         .where(live, CustomerFigures.first_purchase_at < start, *tier_filter)
                         .group_by(CustomerFigures.tier))
    churned = _grouped(sa.select(CustomerFigures.tier, sa.func.count(sa.distinct(ClassificationChange.customer_id)))
                       .join(CustomerFigures, CustomerFigures.customer_id == ClassificationChange.customer_id)
                       .join(Customer, Customer.id == ClassificationChange.customer_id)
                       # among the customers counted above: live ones who had bought before the month
                       .where(live, CustomerFigures.first_purchase_at < start,
                              ClassificationChange.kind == "stage", ClassificationChange.new == "churned",
                              ClassificationChange.changed_at >= start, ClassificationChange.changed_at < end,
                              *tier_filter)
                       .group_by(CustomerFigures.tier))
    task_tier = [] if tier is None else [Task.tier == tier]
    opened = _grouped(sa.select(Task.tier, sa.func.count())
                      .where(Task.opened_at >= start, Task.opened_at < end, *task_tier).group_by(Task.tier))
    closed = _grouped(sa.select(
        Task.tier,
        sa.func.sum(sa.case((Task.status == TaskStatus.won_back, 1), else_=0)),
        sa.func.sum(sa.case((Task.status == TaskStatus.lost, 1), else_=0)),
        sa.func.sum(sa.case((Task.status == TaskStatus.won_back, Task.won_back_amount), else_=0)),
        # to the winning purchase, not to when it was recorded (an import may bring it days later)
        sa.func.sum(sa.case((Task.status == TaskStatus.won_back, whole_days(Purchase.purchased_at, Task.opened_at)),
                            else_=0)),
    ).outerjoin(Purchase, sa.and_(Purchase.tenant_id == Task.tenant_id, Purchase.id == Task.won_back_purchase_id))
        .where(Task.closed_at >= start, Task.closed_at < end, *task_tier).group_by(Task.tier))
    tiers = set(customers) | set(churned) | set(opened) | set(closed)
    found = {}
    for key in tiers:
        won, lost, revenue, days = closed.get(key, (0, 0, 0, 0))
        found[key] = {"customers": int(customers.get(key, (0,))[0]), "churned": int(churned.get(key, (0,))[0]),
                      "opened": int(opened.get(key, (0,))[0]), "won_back": int(won or 0), "lost": int(lost or 0),
                      "revenue_won_back": Decimal(revenue or 0), "days_total": int(days or 0)}
    return found


def _rates(month: str, tier: str | None, row: dict) -> dict:
    closed = row["won_back"] + row["lost"]
    return {"month": month, "tier": tier, "customers": row["customers"], "churned": row["churned"],
            "churn_rate": round(row["churned"] / row["customers"], 4) if row["customers"] else None,
            "opened": row["opened"], "won_back": row["won_back"], "lost": row["lost"],
            "win_back_rate": round(row["won_back"] / closed, 4) if closed else None,
            "revenue_won_back": Decimal(row["revenue_won_back"]).quantize(Decimal("0.01")),
            "days_to_win_back": round(row["days_total"] / row["won_back"], 1) if row["won_back"] else None}


def by_month(months: int = 12, tier: str | None = None, today: dt.date | None = None) -> list[dict]:
    """One row per month and tier with something to count, and one with ``tier: "all"`` per month,
    oldest month first."""
    rows = []
    for start in _month_starts(months, today or utcnow().date()):
        label = start.strftime("%Y-%m")
        found = _month(start, tier)
        total = {key: sum(row[key] for row in found.values()) for key in
                 ("customers", "churned", "opened", "won_back", "lost", "revenue_won_back", "days_total")}
        rows.append(_rates(label, ALL, {**total, "revenue_won_back": Decimal(total["revenue_won_back"] or 0)}))
        for key in sorted(found, key=lambda t: (t is None, t or "")):
            rows.append(_rates(label, key, found[key]))
    return rows
