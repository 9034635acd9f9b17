"""Reading the churn tables for the API and the pages: a customer's score, the customers at risk
(filtered by tier, owner, level and main reason), the win-back tasks."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.classification import CustomerFigures
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.errors import NotFound
from saas.core.pagination import Page, paginate

from plugins.churn.models import Level, Score, Task, TaskStatus

AT_RISK = (Level.medium, Level.high)  # the levels listed when no level is asked for


def _live() -> sa.ColumnElement:
    return sa.and_(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))


def score_of(customer_id: uuid.UUID) -> Score:
    """The customer's latest score; 404 when the customer is not this workspace's or not scored yet."""
    score = db.session.scalar(sa.select(Score).join(Customer, Customer.id == Score.customer_id).where(
        Score.customer_id == customer_id, Customer.deleted_at.is_(None)))
    if score is None:
        raise NotFound("no churn score for this customer (not found, or not scored yet)")
    return score


def at_risk(*, tier: str | None = None, owner_id: uuid.UUID | None = None, level: str | None = None,
            reason: str | None = None, cursor: str | None, limit: int) -> Page:
    """Live customers at ``level`` (medium or high when None), highest score first; items are
    dicts: customer_id, name, owner_id, tier, score, level, reason (the main one), reasons, scored_at."""
    stmt = (sa.select(Score.customer_id, Customer.name, Customer.owner_id, CustomerFigures.tier, Score.score,
                      Score.level, Score.reason, Score.reasons, Score.model_used, Score.scored_at, Score.level_since)
            .join(Customer, Customer.id == Score.customer_id)
            .outerjoin(CustomerFigures, CustomerFigures.customer_id == Score.customer_id)
            .where(_live(), Score.level == Level(level) if level else Score.level.in_(AT_RISK)))
    if tier:
        stmt = stmt.where(CustomerFigures.tier == tier)
    if owner_id:
        stmt = stmt.where(Customer.owner_id == owner_id)
    if reason:
        stmt = stmt.where(Score.reason == reason)
    return paginate(stmt, db.session, [Score.score, Score.customer_id], descending=True, cursor=cursor, limit=limit,
                    as_dicts=True)


def tasks(*, status: str | None = None, owner_id: uuid.UUID | None = None, customer_id: uuid.UUID | None = None,
          open_only: bool = False, cursor: str | None, limit: int) -> Page:
    """Win-back tasks, soonest due first."""
    stmt = sa.select(Task).join(Customer, Customer.id == Task.customer_id).where(_live())  # a deleted customer's
    # tasks wait for its restoration: its page, where they are worked, is gone meanwhile
    if status:
        stmt = stmt.where(Task.status == TaskStatus(status))
    if open_only:
        stmt = stmt.where(Task.status.in_((TaskStatus.open, TaskStatus.contacted, TaskStatus.offer_made)))
    if owner_id:
        stmt = stmt.where(Task.owner_id == owner_id)
    if customer_id:
        stmt = stmt.where(Task.customer_id == customer_id)
    return paginate(stmt, db.session, [Task.due_on, Task.id], descending=False, cursor=cursor, limit=limit)
