"""Agendas: a person's (or a team's) planned visits due today, this week, or overdue, each with
its customer's name, in one query."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from saas.core.accounts import Membership
from saas.core.customers import Customer
from saas.core.db import db

from plugins.visits.models import Status, Visit

VIEWS = ("today", "week", "overdue")  # and "up_to_today" (overdue and today: the /today page)


def window(view: str, today: dt.date) -> tuple[dt.date | None, dt.date]:
    """The due days ``view`` covers: today; Monday to Sunday of today's week; before today."""
    if view == "today":
        return today, today
    if view == "up_to_today":
        return None, today
    if view == "week":
        monday = today - dt.timedelta(days=today.weekday())
        return monday, monday + dt.timedelta(days=6)
    return None, today - dt.timedelta(days=1)


def team_members(team: str) -> list[uuid.UUID]:
    return list(db.session.scalars(sa.select(Membership.user_id).where(Membership.team == team,
                                                                       Membership.status == "active")))


def member(user_id: uuid.UUID) -> bool:
    return db.session.scalar(sa.select(Membership.id).where(Membership.user_id == user_id,
                                                            Membership.status == "active")) is not None


def due(owner_ids: list[uuid.UUID], view: str, today: dt.date, *, staff_only: bool = False) -> list[tuple]:
    """``(visit, customer name)`` of the planned visits of ``owner_ids`` in ``view``, by day."""
    first, last = window(view, today)
    stmt = (sa.select(Visit, Customer.name)
            .join(Customer, sa.and_(Customer.tenant_id == Visit.tenant_id, Customer.id == Visit.customer_id))
            .where(Visit.owner_id.in_(owner_ids), Visit.status == Status.planned, Visit.due_on <= last)
            .order_by(Visit.due_on, Visit.due_minute, Visit.id))
    if first is not None:
        stmt = stmt.where(Visit.due_on >= first)
    if staff_only:
        stmt = stmt.where(Visit.automated.is_(False))
    return [tuple(row) for row in db.session.execute(stmt.limit(1000))]
