"""A customer's timeline entries: each step of each of their cases (one query)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.db import db
from saas.core.hooktypes import TimelineItem

from plugins.complaints.models import Case, Step
from plugins.complaints.pages.wording import category_label

KIND = "complaints.step"


def items(customer_id: uuid.UUID, before, limit: int, words: dict) -> list[TimelineItem]:
    stmt = (sa.select(Step.id, Step.at, Step.kind, Step.note, Step.case_id, Case.category)
            .join(Case, Case.id == Step.case_id).where(Step.customer_id == customer_id))
    if before is not None:
        at, step_id = before
        stmt = stmt.where(sa.or_(Step.at < at, sa.and_(Step.at == at, Step.id < step_id)))
    rows = db.session.execute(stmt.order_by(Step.at.desc(), Step.id.desc()).limit(limit)).all()
    return [TimelineItem(step_id, at, KIND, f"{words.get(kind, kind)} ({category_label(category)})", note or "",
                         f"/complaints/{case_id}")
            for step_id, at, kind, note, case_id, category in rows]
