"""What the task list reads beyond ``plugins.churn.queries`` (whose filters are the API's, one
owner at a time): the tasks of several owners (a team's), and the workspace's members by name
(account managers, task owners) and the listed customers' names, each in one statement."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.accounts import Membership, User
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.pagination import Page, paginate

from plugins.churn.models import OPEN_STATUSES, Task


def tasks(*, owners=None, status=(), cursor: str | None = None, limit: int = 50) -> Page:
    """Win-back tasks, soonest due first; ``owners`` (user ids) narrows them, ``status`` too (the
    open ones when none is asked for)."""
    stmt = sa.select(Task).where(Task.status.in_(status or OPEN_STATUSES))
    if owners is not None:
        stmt = stmt.where(Task.owner_id.in_(owners))
    return paginate(stmt, db.session, [Task.due_on, Task.id], descending=False, cursor=cursor, limit=limit)


def members() -> list[tuple[uuid.UUID, str, str | None]]:
    """The workspace's active members as ``(user id, name, team)``, by name."""
    name = sa.func.coalesce(sa.func.nullif(User.name, ""), User.email)  # a person without a name: their e-mail
    rows = db.session.execute(
        sa.select(Membership.user_id, name, Membership.team)
        .join(User, User.id == Membership.user_id).where(Membership.status == "active").order_by(name))
    return [tuple(row) for row in rows]


def customer_names(customer_ids) -> dict[uuid.UUID, str]:
    ids = set(customer_ids)
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Customer.id, Customer.name).where(Customer.id.in_(ids))).all())
