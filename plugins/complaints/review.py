"""The weekly cause review, toward the seed plan's targets (every complaint resolved, at least 90%
of customers satisfied after resolution): the week's cases by category and cause, the customers who
complained more than once in 90 days, each target's compliance, the resolution rate and the
satisfaction of those who answered "was it resolved?".

A week is an ISO week of the workspace's time zone. Compliance counts the week's cases whose
target is decided (met or breached); the resolution rate, the week's cases resolved by now."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import sqlalchemy as sa

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.errors import BadRequest
from saas.core.module_settings import settings_of
from saas.core.tenancy import current_tenant

from plugins.complaints import cases, clock
from plugins.complaints.alerts import BREACH
from plugins.complaints.clocks import clocks_of
from plugins.complaints.models import TARGETS, Alert, Case
from plugins.complaints.settings import NAME

TARGET_RATES = {"resolution_rate": 1.0, "satisfaction": 0.9}
REPEAT_DAYS = 90


def zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(current_tenant().settings.get("timezone") or "UTC")


def week_of(week: str | None, now: dt.datetime) -> tuple[str, dt.date]:
    """The ISO week named (``2026-W49``) or, by default, the last full one; and its Monday."""
    if week is None:
        monday = now.astimezone(zone()).date() - dt.timedelta(days=7)
        monday -= dt.timedelta(days=monday.weekday())
    else:
        try:
            if not re.fullmatch(r"\d{4}-W\d{2}", week):
                raise ValueError(week)
            monday = dt.date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
        except ValueError:
            raise BadRequest("not an ISO week", {"week": ["An ISO week such as 2026-W49."]}) from None
        if not dt.date(2000, 1, 3) <= monday <= dt.date(2100, 12, 27):
            raise BadRequest("a week from 2000 to 2100", {"week": ["A week from 2000 to 2100."]})
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}", monday


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def of_week(week: str | None = None) -> dict:
    now = clock.now()
    name, monday = week_of(week, now)
    start = dt.datetime.combine(monday, dt.time(), zone()).astimezone(dt.timezone.utc)
    end = start + dt.timedelta(days=7)
    opened = list(db.session.scalars(sa.select(Case).where(Case.opened_at >= start, Case.opened_at < end)))
    resolved = list(db.session.scalars(sa.select(Case).where(Case.resolved_at >= start, Case.resolved_at < end)))
    settings = settings_of(NAME)
    breaches: dict = {}
    for case_id, target in db.session.execute(sa.select(Alert.case_id, Alert.target).where(
            Alert.case_id.in_([case.id for case in opened]), Alert.level == BREACH)):
        breaches.setdefault(case_id, set()).add(target)
    compliance = {target: [0, 0] for target in TARGETS}
    for case in opened:
        for target, its in clocks_of(case, cases.calendar_of(case, settings), now, breaches.get(case.id, set()),
                                     settings["warning_percent"]).items():
            if its.state in ("met", "breached"):
                compliance[target][0] += 1
                compliance[target][1] += its.state == "met"
    answered = [case for case in resolved if case.satisfied is not None]
    repeat = db.session.execute(
        sa.select(Case.customer_id, Customer.name, sa.func.count(Case.id).label("n"))
        .join(Customer, Customer.id == Case.customer_id)
        .where(Case.opened_at >= end - dt.timedelta(days=REPEAT_DAYS), Case.opened_at < end,
               Customer.deleted_at.is_(None))
        .group_by(Case.customer_id, Customer.name).having(sa.func.count(Case.id) > 1)
        .order_by(sa.desc("n"), Customer.name).limit(50)).all()
    return {
        "week": name, "starts_on": monday, "ends_on": monday + dt.timedelta(days=6),
        "opened": len(opened), "resolved": len(resolved),
        "by_category": _counts(case.category for case in opened),
        "by_cause": _counts(case.cause for case in resolved),
        "repeat_complainers": [{"customer_id": c, "name": n, "cases": k} for c, n, k in repeat],
        "compliance": [{"target": t, "cases": total, "met": met, "rate": _rate(met, total)}
                       for t, (total, met) in compliance.items()],
        "resolution_rate": _rate(sum(case.resolved_at is not None for case in opened), len(opened)),
        "satisfaction": _rate(sum(bool(case.satisfied) for case in answered), len(answered)),
        "answered": len(answered), "targets": dict(TARGET_RATES),
    }


def _counts(keys) -> list[dict]:
    found: dict = {}
    for key in keys:
        found[key] = found.get(key, 0) + 1
    return [{"key": key, "cases": n} for key, n in sorted(found.items(), key=lambda item: (-item[1], item[0] or ""))]
