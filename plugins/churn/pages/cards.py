"""The churn module's tiles on the dashboard (``saas_report_cards``): how many customers are at
high and at medium risk now, and the win-back rate of the tasks closed in the last 90 days, in
one statement each."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from saas.core.db import db
from saas.core.hooktypes import ReportCard
from saas.core.types import utcnow

from plugins.churn.models import Level, Score, Task, TaskStatus

WINDOW = dt.timedelta(days=90)


def _levels() -> dict[Level, int]:
    return dict(db.session.execute(sa.select(Score.level, sa.func.count()).group_by(Score.level)).all())


def win_back_rate(now: dt.datetime) -> float | None:
    """The share of the tasks closed in the last 90 days that were won back (``None``: none closed)."""
    closed, won = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((Task.status == TaskStatus.won_back, 1),
                                                                         else_=0)), 0))
        .where(Task.status.in_((TaskStatus.won_back, TaskStatus.lost)), Task.closed_at >= now - WINDOW)).one()
    return won / closed if closed else None


def cards() -> list[ReportCard]:
    levels = _levels()
    rate = win_back_rate(utcnow())
    return [ReportCard("high", _("Customers at high risk"), levels.get(Level.high, 0)),
            ReportCard("medium", _("Customers at medium risk"), levels.get(Level.medium, 0)),
            ReportCard("win_back_rate", _("Win-back rate, last 90 days"), "—" if rate is None else rate,
                       "" if rate is None else "percent")]
