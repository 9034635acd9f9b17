"""The visits' KPIs over a period (回访 compliance): completion against plan by tier and person,
the on-time rate, the average delay, each person's workload, and the purchase lift (spend in the
30 days after a visit done against the 30 before, by tier). Aggregated in SQL; the lift joins each
day's visits to the purchases around that day, the windows counted in Python once per day."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from saas.core.customers import Purchase
from saas.core.db import db
from saas.core.tenancy import current_tenant, scoped
from saas.core.types import Money, UTCDateTime

from plugins.visits import clock
from plugins.visits.models import Status, Visit

LIFT_DAYS = 30


def month_of(month: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of ``month`` (``YYYY-MM``; today's month without one)."""
    first = dt.date(int(month[:4]), int(month[5:7]), 1) if month else today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def _days_late(session) -> sa.ColumnElement:
    """Days from ``due_on`` to ``logged_on`` (dates: PostgreSQL subtracts them; SQLite by julianday)."""
    if session.get_bind().dialect.name == "postgresql":
        return Visit.logged_on - Visit.due_on
    return sa.func.julianday(Visit.logged_on) - sa.func.julianday(Visit.due_on)


def _rates(row) -> dict:
    planned, done, on_time, late_days = row.planned, row.done, row.on_time, row.late_days or 0
    return {"planned": planned, "done": done,
            "completion": round(done / planned, 4) if planned else None,
            "on_time_rate": round(on_time / done, 4) if done else None,
            "average_delay_days": round(float(late_days) / done, 2) if done else None}


def compliance(first: dt.date, last: dt.date) -> dict:
    """Visits due from ``first`` to ``last``: in all, by tier, by person (with their workload)."""
    done = Visit.status == Status.done
    late = _days_late(db.session)
    counted = (sa.func.count().filter(Visit.status != Status.rescheduled).label("planned"),  # the moved copy counts
               sa.func.count().filter(done).label("done"),
               sa.func.count().filter(done, Visit.logged_on <= Visit.due_on).label("on_time"),
               sa.func.sum(sa.case((sa.and_(done, Visit.logged_on > Visit.due_on), late), else_=0)).label("late_days"),
               sa.func.count().filter(Visit.automated.is_(False), Visit.status != Status.rescheduled).label("staff"))
    period = (Visit.due_on >= first, Visit.due_on <= last)
    total = db.session.execute(sa.select(*counted).where(*period)).one()
    tiers = db.session.execute(sa.select(Visit.tier, *counted).where(*period).group_by(Visit.tier)
                               .order_by(Visit.tier)).all()
    people = db.session.execute(sa.select(Visit.owner_id, *counted).where(*period, Visit.owner_id.is_not(None))
                                .group_by(Visit.owner_id).order_by(Visit.owner_id)).all()
    return {"total": _rates(total),
            "by_tier": [{"tier": row.tier, **_rates(row)} for row in tiers],
            "by_person": [{"owner_id": row.owner_id, **_rates(row), "workload": row.staff} for row in people]}


def lift(first: dt.date, last: dt.date) -> list[dict]:
    """By tier, for the visits done (logged) from ``first`` to ``last``: the customers' net spend
    in the workspace's currency in the ``LIFT_DAYS`` days before each visit's day and after it."""
    tz = clock.zone()
    days = list(db.session.scalars(sa.select(Visit.logged_on).where(
        Visit.status == Status.done, Visit.logged_on >= first, Visit.logged_on <= last).distinct()))
    if not days:
        return []
    start = {day: dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.timezone.utc) for day in days}
    window = sa.values(sa.column("day", sa.Date()), sa.column("starts", UTCDateTime()),
                       sa.column("before", UTCDateTime()), sa.column("after", UTCDateTime()), name="lift_days").data(
        [(day, at, at - dt.timedelta(days=LIFT_DAYS), at + dt.timedelta(days=LIFT_DAYS)) for day, at in start.items()]
    ).cte("lift_days")
    net = Purchase.amount - Purchase.refunded_amount
    spend = (sa.select(Visit.id.label("visit_id"), Visit.tier.label("tier"),
                       sa.func.coalesce(sa.func.sum(sa.case((Purchase.purchased_at < window.c.starts, net))), 0)
                       .label("before"),
                       sa.func.coalesce(sa.func.sum(sa.case((Purchase.purchased_at >= window.c.starts, net))), 0)
                       .label("after"))
             .select_from(Visit).join(window, window.c.day == Visit.logged_on)
             .outerjoin(Purchase, sa.and_(Purchase.tenant_id == Visit.tenant_id, Purchase.customer_id == Visit.customer_id,
                                          Purchase.currency == current_tenant().settings.get("currency", "CNY"),
                                          Purchase.purchased_at >= window.c.before, Purchase.purchased_at < window.c.after))
             .where(Visit.status == Status.done, Visit.logged_on >= first, Visit.logged_on <= last)
             .group_by(Visit.id, Visit.tier))
    per_visit = scoped(spend).subquery()
    total = lambda column: sa.type_coerce(sa.func.sum(column), Money())  # noqa: E731  cents, back as Decimal
    rows = db.session.execute(sa.select(per_visit.c.tier, sa.func.count(), total(per_visit.c.before),
                                        total(per_visit.c.after))
                              .group_by(per_visit.c.tier).order_by(per_visit.c.tier)).all()
    found = []
    for tier, visits, before, after in rows:
        found.append({"tier": tier, "visits": visits, "spend_before": before, "spend_after": after,
                      "lift": round(float((after - before) / before), 4) if before else None})
    return found

