"""The module's KPI tiles (``saas_report_cards``: ``GET /api/v1/reports/cards`` and the dashboard):
NPS and CSAT of every survey's answers in the last 90 days, and the number of answers, each beside
the 90 days before. Two statements."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from saas.core.db import db
from saas.core.hooktypes import ReportCard
from saas.core.types import utcnow

from plugins.surveys import results
from plugins.surveys.models import Answer, QuestionKind, Response

DAYS = 90


def cards(now: dt.datetime | None = None) -> list[ReportCard]:
    now = now or utcnow()
    since, before = now - dt.timedelta(days=DAYS), now - dt.timedelta(days=2 * DAYS)
    recent = Response.submitted_at >= since
    scores: dict[tuple[bool, QuestionKind], list[int]] = {}
    for is_recent, kind, score in db.session.execute(
            sa.select(recent, Answer.kind, Answer.score)
            .join(Response, sa.and_(Response.tenant_id == Answer.tenant_id, Response.id == Answer.response_id))
            .where(Response.submitted_at >= before, Response.submitted_at <= now,
                   Answer.kind.in_([QuestionKind.nps, QuestionKind.csat]), Answer.score.is_not(None))):
        scores.setdefault((bool(is_recent), kind), []).append(score)
    answered = dict(db.session.execute(
        sa.select(recent, sa.func.count()).where(Response.submitted_at >= before, Response.submitted_at <= now)
        .group_by(recent)).all())

    def of(figure, kind, is_recent):
        return figure(scores.get((is_recent, kind), []))

    nps, csat = of(results.nps, QuestionKind.nps, True), of(results.csat, QuestionKind.csat, True)
    return [
        ReportCard("nps", _l("NPS, last 90 days (%(count)s answers)", count=len(scores.get((True, QuestionKind.nps), []))),
                   nps if nps is not None else "–", "", of(results.nps, QuestionKind.nps, False)),
        ReportCard("csat", _l("CSAT, last 90 days (%(count)s answers)",
                              count=len(scores.get((True, QuestionKind.csat), []))),
                   csat if csat is not None else "–", "%", of(results.csat, QuestionKind.csat, False)),
        ReportCard("answers", _l("Survey answers, last 90 days"), int(answered.get(True, 0) or 0), "",
                   int(answered.get(False, 0) or 0)),
    ]
