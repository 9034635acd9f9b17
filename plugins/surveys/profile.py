"""What a customer's file shows of their answers: the latest NPS and CSAT, and each answer in the timeline."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from saas.core.db import db
from saas.core.hooktypes import TimelineItem
from saas.core.pagination import after

from plugins.surveys.models import Answer, Question, QuestionKind, Response, Survey
from plugins.surveys.texts import shown


def latest_scores(customer_id: uuid.UUID) -> dict[str, tuple[int | None, dt.datetime | None]]:
    """``{"nps": (score, when), "csat": (score, when)}`` of the customer's latest answers ((None,
    None) for none), in one query."""
    ranked = (sa.select(Answer.kind, Answer.score, Response.submitted_at,
                        sa.func.row_number().over(partition_by=Answer.kind,
                                                  order_by=(Response.submitted_at.desc(), Response.id.desc()))
                        .label("n"))
              .join(Response, sa.and_(Response.tenant_id == Answer.tenant_id, Response.id == Answer.response_id))
              .where(Response.customer_id == customer_id, Answer.kind.in_([QuestionKind.nps, QuestionKind.csat]),
                     Answer.score.is_not(None))
              .subquery())
    found = {kind: (score, when) for kind, score, when in db.session.execute(
        sa.select(ranked.c.kind, ranked.c.score, ranked.c.submitted_at).where(ranked.c.n == 1))}
    return {kind.value: found.get(kind, (None, None)) for kind in (QuestionKind.nps, QuestionKind.csat)}


def timeline(customer_id: uuid.UUID, before: tuple[dt.datetime, uuid.UUID] | None, limit: int,
             language: str) -> list[TimelineItem]:
    """The customer's answers for their timeline, newest first, older than ``before``: the survey's
    title and the scores as the title, the choices and texts as the body. Two queries."""
    stmt = (sa.select(Response.id, Response.submitted_at, Survey.title)
            .join(Survey, sa.and_(Survey.tenant_id == Response.tenant_id, Survey.id == Response.survey_id))
            .where(Response.customer_id == customer_id))
    if before is not None:
        stmt = stmt.where(after([Response.submitted_at, Response.id], before, descending=True))
    responses = db.session.execute(stmt.order_by(Response.submitted_at.desc(), Response.id.desc()).limit(limit)).all()
    answers: dict[uuid.UUID, list] = {response_id: [] for response_id, _, _ in responses}
    if answers:
        for response_id, kind, score, choices, text, picked_from in db.session.execute(
                sa.select(Answer.response_id, Answer.kind, Answer.score, Answer.choices, Answer.text, Question.choices)
                .join(Question, sa.and_(Question.tenant_id == Answer.tenant_id, Question.id == Answer.question_id))
                .where(Answer.response_id.in_(list(answers))).order_by(Question.position)):
            answers[response_id].append((kind, score, choices, text, picked_from))
    items = []
    for response_id, submitted_at, title in responses:
        scores = [f"{kind.value.upper()} {score}" for kind, score, _, _, _ in answers[response_id] if score is not None]
        said = [", ".join(shown(picked_from[i], language) for i in choices if i < len(picked_from)) if choices else text
                for kind, score, choices, text, picked_from in answers[response_id] if score is None and (choices or text)]
        heading = shown(title, language)
        items.append(TimelineItem(response_id, submitted_at, "surveys.answer",
                                  f"{heading}: {' · '.join(scores)}" if scores else heading, " / ".join(said)))
    return items
