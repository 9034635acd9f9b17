"""What a customer's profile shows of their answers: the latest NPS and CSAT."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from saas.core.db import db

from plugins.surveys.models import Answer, QuestionKind, Response


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
