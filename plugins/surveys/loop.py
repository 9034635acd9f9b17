"""Closing the loop: every unhappy score (an NPS of 6 or less, a CSAT of 2 or less) emits
``surveys.low_score``, which webhooks and other modules (churn, complaints) take, and tells the
customer's owner; their ``/today`` list shows it for the workspace's ``follow_up_days``."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.events import emit
from saas.core.hooktypes import EventType
from saas.core.notifications import notify
from saas.core.types import utcnow

from plugins.surveys.models import Answer, QuestionKind, Response, Survey
from plugins.surveys.texts import shown

LOW = {QuestionKind.nps: 6, QuestionKind.csat: 2}  # this or less is unhappy

LOW_SCORE = EventType(
    "surveys.low_score", "A customer gave an unhappy score: an NPS of 6 or less, or a CSAT of 2 or less "
    "(customer_id is null for an anonymous survey)",
    {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "survey_id": "01a209c2-c1d2-7e3f-8a4b-5c6d7e8f9012",
     "response_id": "01a209c2-c1d3-7a4b-9c5d-6e7f80912345", "kind": "nps", "score": 3})
EVENT_TYPES = (LOW_SCORE,)


def unhappy(kind: QuestionKind, score: int | None) -> bool:
    return kind in LOW and score is not None and score <= LOW[kind]


def close(survey: Survey, response: Response, answers: list[Answer], customer_id: uuid.UUID | None) -> int:
    """Emit an event for each unhappy answer of ``response`` and tell the customer's owner once."""
    low = [answer for answer in answers if unhappy(answer.kind, answer.score)]
    for answer in low:
        emit(LOW_SCORE, customer_id=response.customer_id, survey_id=survey.id, response_id=response.id,
             kind=answer.kind.value, score=answer.score)
    if low and response.customer_id is not None:
        customer = db.session.get(Customer, (response.tenant_id, response.customer_id))
        if customer.owner_id is not None:
            scores = ", ".join(f"{a.kind.value.upper()} {a.score}" for a in low)
            notify([customer.owner_id], f"{customer.name}: {scores}",
                   f"{shown(survey.title, 'en')} / {shown(survey.title, 'zh-CN')}",
                   link=f"/customers/{customer.id}", kind="surveys.low_score")
    return len(low)


def to_follow_up(owner_id: uuid.UUID, days: int) -> list[tuple[uuid.UUID, str, str, int, dt.datetime]]:
    """The low scores of ``owner_id``'s customers in the last ``days``: (customer id, name, kind,
    score, when), in one query."""
    since = utcnow() - dt.timedelta(days=days)
    unhappy_answer = sa.or_(*(sa.and_(Answer.kind == kind, Answer.score <= limit) for kind, limit in LOW.items()))
    rows = db.session.execute(
        sa.select(Customer.id, Customer.name, Answer.kind, Answer.score, Response.submitted_at)
        .join(Response, sa.and_(Response.tenant_id == Answer.tenant_id, Response.id == Answer.response_id))
        .join(Customer, sa.and_(Customer.tenant_id == Response.tenant_id, Customer.id == Response.customer_id))
        .where(Customer.owner_id == owner_id, Customer.deleted_at.is_(None), Response.submitted_at >= since,
               unhappy_answer)
        .order_by(Response.submitted_at))
    return [(row[0], row[1], row[2].value, row[3], row[4]) for row in rows]
