"""The module's dashboard tiles (``saas_report_cards``): open complaints, those past a clock now,
and this month's clock compliance (targets met among those decided, of the cases opened in the
month, the workspace's time) beside last month's."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from saas.core.db import db
from saas.core.hooktypes import ReportCard
from saas.core.module_settings import settings_of
from saas.core.tenancy import current_tenant

from plugins.complaints import cases, clock
from plugins.complaints.alerts import BREACH
from plugins.complaints.clocks import clocks_of
from plugins.complaints.models import OPEN_STATUSES, Alert, Case
from plugins.complaints.settings import NAME


def _month_starts(now: dt.datetime) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(current_tenant().settings.get("timezone") or "UTC")
    first = now.astimezone(zone).date().replace(day=1)
    before = (first - dt.timedelta(days=1)).replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    return tuple(dt.datetime.combine(day, dt.time(), zone).astimezone(dt.timezone.utc) for day in (before, first, after))


def compliance(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> float | None:
    """The share of decided targets met, of the cases opened from ``start`` to ``end`` (a fraction)."""
    opened = list(db.session.scalars(sa.select(Case).where(Case.opened_at >= start, Case.opened_at < end)))
    if not opened:
        return None
    settings, breaches = settings_of(NAME), {}
    for case_id, target in db.session.execute(sa.select(Alert.case_id, Alert.target).where(
            Alert.case_id.in_([case.id for case in opened]), Alert.level == BREACH)):
        breaches.setdefault(case_id, set()).add(target)
    decided = met = 0
    for case in opened:
        for its in clocks_of(case, cases.calendar_of(case, settings), now, breaches.get(case.id, set()),
                             settings["warning_percent"]).values():
            decided += its.state in ("met", "breached")
            met += its.state == "met"
    return round(met / decided, 4) if decided else None


def cards() -> list[ReportCard]:
    now = clock.now()
    open_cases = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(Case.status.in_(OPEN_STATUSES)))
    late = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(
        Case.status.in_(OPEN_STATUSES), Case.next_due_at.is_not(None), Case.next_due_at <= now))
    before, first, after = _month_starts(now)
    this, last = compliance(first, after, now), compliance(before, first, now)
    return [ReportCard("open", _l("Open complaints"), int(open_cases or 0)),  # the dashboard adds "complaints."
            ReportCard("late", _l("Complaints past a clock"), int(late or 0)),
            ReportCard("compliance", _l("Complaint clocks met this month"), this, "percent", last)]  # None: none decided
