"""Visits' part of the demo workspace (the ``saas_demo_data`` hook of ``flask demo seed``): the
real planner plans the month before ``now`` and the weeks after it from the seed's tiers, and
the visits already due are worked as a sales team works them: most done (some a day or two
late), some unanswered, one moved to a day ahead, a few skipped with a reason, and a few left
undone, overdue; each outcome is logged (by the visit's owner; by the workspace's owner for a
customer without one) through the real outcome (an interaction on the
customer's timeline), so the agenda, the team view, the KPIs and the profile's panel show
something on the first ``make run``."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from saas.core.accounts import Membership, Role
from saas.core.db import db
from saas.core.tenancy import current_tenant

from plugins.visits import clock, outcomes, planner
from plugins.visits.models import Status, Visit

HISTORY_DAYS = 30  # a month of plans and outcomes
# What the team recorded (the demo workspace speaks Chinese): notes and the next step.
NOTES = (("客户对新茶反馈很好，准备加订", "下周寄送明前龙井样品"), ("了解了年底礼品需求", "月底前发报价"),
         ("客户抱怨上次物流慢", "与物流确认改用顺丰"), ("介绍了会员积分活动", "两周后回访确认"))
SKIPS = ("客户出差，本月不便拜访", "客户要求改为线上沟通")
# The outcome of the n-th visit due, by n % 10: done (on time), done a day or two late, no answer,
# moved ahead, skipped, left undone (overdue).
PATTERN = ("done", "done", "late", "done", "no_answer", "done", "late", "undone", "done", "skip")


def fill(now: dt.datetime) -> dict[str, int]:
    """In the bound workspace: plan a month back and the horizon ahead, then log the visits already
    due; returns how many visits got each outcome (``undone``: left overdue)."""
    today = clock.today(now=now)
    planner.plan(today - dt.timedelta(days=HISTORY_DAYS))
    planner.plan(today)
    due = db.session.scalars(sa.select(Visit).where(Visit.status == Status.planned, Visit.due_on < today)
                             .order_by(Visit.due_on, Visit.id)).all()
    owner = db.session.scalar(sa.select(Membership.user_id).where(Membership.role == Role.owner).limit(1))
    dealt: dict[str, int] = {}
    tz = clock.zone()
    with outcomes.in_language(current_tenant().settings.get("locale", "zh_CN")):  # the catalogues loaded once
        for n, visit in enumerate(due):
            kind = "done" if visit.automated else PATTERN[n % len(PATTERN)]  # a message is sent on its day
            if kind == "no_answer" and "moved" not in dealt and visit.due_on >= today - dt.timedelta(days=7):
                kind = "moved"
            dealt[kind] = dealt.get(kind, 0) + 1
            if kind != "undone":
                _log(visit, kind, n, today, now, tz, visit.owner_id or owner)
    return dealt


def _log(visit: Visit, kind: str, n: int, today: dt.date, now: dt.datetime, tz, staff_id) -> None:
    late = 1 + n % 2 if kind == "late" else 0
    when = min(clock.due_at(visit.due_on + dt.timedelta(days=late), visit.due_minute or 600, tz)
               + dt.timedelta(minutes=40), now - dt.timedelta(hours=1))
    note, step = NOTES[n % len(NOTES)]
    if kind in ("done", "late"):
        outcomes.log(visit, "done", notes=note, next_step=step, reason=None, due_on=None, staff_id=staff_id, now=when)
    elif kind == "no_answer":
        outcomes.log(visit, "no_answer", notes="电话无人接听", next_step="明天上午再打", reason=None, due_on=None,
                     staff_id=staff_id, now=when)
    elif kind == "moved":
        outcomes.log(visit, "rescheduled", notes=None, next_step=None, reason="客户本周在外地",
                     due_on=today + dt.timedelta(days=2), staff_id=staff_id, now=when)
    else:
        outcomes.log(visit, "cancelled", notes=None, next_step=None, reason=SKIPS[n % len(SKIPS)], due_on=None,
                     staff_id=staff_id, now=when)
