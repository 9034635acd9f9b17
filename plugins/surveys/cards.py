"""The module's KPI tiles (``saas_report_cards``: ``GET /api/v1/reports/cards`` and the dashboard):
NPS and CSAT of every survey's answers in the last 90 days, and the number of answers, each beside
the 90 days before. Two statements that count in the database (a workspace's answers are not read
into Python)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from saas.core.db import db
from saas.core.hooktypes import ReportCard
from saas.core.types import utcnow

from plugins.surveys.models import Answer, QuestionKind, Response

DAYS = 90


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _fraction(percent: float | None) -> float | None:
    """A card's "percent" unit takes a fraction, as the core's cards (66.7 -> 0.667)."""
    return None if percent is None else round(percent / 100, 4)


def cards(now: dt.datetime | None = None) -> list[ReportCard]:
    now = now or utcnow()
    since, before = now - dt.timedelta(days=DAYS), now - dt.timedelta(days=2 * DAYS)
    recent = sa.case((Response.submitted_at >= since, 1), else_=0).label("recent")
    window = sa.and_(Response.submitted_at >= before, Response.submitted_at <= now)
    counted = {}  # (recent, kind) -> (answers, high, low): promoters and detractors, or 4-5 for CSAT
    high = sa.case((sa.and_(Answer.kind == QuestionKind.nps, Answer.score >= 9), 1),
                   (sa.and_(Answer.kind == QuestionKind.csat, Answer.score >= 4), 1), else_=0)
    low = sa.case((sa.and_(Answer.kind == QuestionKind.nps, Answer.score <= 6), 1), else_=0)
    for is_recent, kind, answers, highs, lows in db.session.execute(
            sa.select(recent, Answer.kind, sa.func.count(), sa.func.sum(high), sa.func.sum(low))
            .join(Response, sa.and_(Response.tenant_id == Answer.tenant_id, Response.id == Answer.response_id))
            .where(window, Answer.kind.in_([QuestionKind.nps, QuestionKind.csat]), Answer.score.is_not(None))
            .group_by(recent, Answer.kind)):
        counted[(bool(is_recent), kind)] = (int(answers), int(highs or 0), int(lows or 0))
    answered = {bool(is_recent): int(count) for is_recent, count in db.session.execute(
        sa.select(recent, sa.func.count()).where(window).group_by(recent))}

    def nps(is_recent):
        answers, promoters, detractors = counted.get((is_recent, QuestionKind.nps), (0, 0, 0))
        return _share(promoters - detractors, answers)

    def csat(is_recent):
        answers, satisfied, _ = counted.get((is_recent, QuestionKind.csat), (0, 0, 0))
        return _share(satisfied, answers)

    def answers_of(kind):
        return counted.get((True, kind), (0, 0, 0))[0]

    return [
        ReportCard("nps", _l("NPS, last 90 days (%(count)s answers)", count=answers_of(QuestionKind.nps)),
                   nps(True), "", nps(False)),  # None: no answer yet, shown as a dash
        ReportCard("csat", _l("CSAT, last 90 days (%(count)s answers)", count=answers_of(QuestionKind.csat)),
                   _fraction(csat(True)), "percent", _fraction(csat(False))),
        ReportCard("answers", _l("Survey answers, last 90 days"), answered.get(True, 0), "", answered.get(False, 0)),
    ]
