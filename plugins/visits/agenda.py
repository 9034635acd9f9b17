"""Agendas: a person's (or a team's) planned visits due today, this week, or overdue, each with
its customer's name, in one query."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from saas.core.accounts import Membership, User
from saas.core.customers import Customer
from saas.core.db import db

from plugins.visits import clock
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


def members() -> list[tuple[uuid.UUID, str, str | None]]:
    """The workspace's active members as ``(user id, name, team)``, by name (a person without a
    name: their e-mail)."""
    name = sa.func.coalesce(sa.func.nullif(User.name, ""), User.email)
    rows = db.session.execute(sa.select(Membership.user_id, name, Membership.team)
                              .join(User, User.id == Membership.user_id)
                              .where(Membership.status == "active").order_by(name))
    return [tuple(row) for row in rows]


def workload(owner_ids: list[uuid.UUID], today: dt.date) -> dict[uuid.UUID, dict[str, int]]:
    """Per person of ``owner_ids``: their planned staff visits due today, this week and overdue,
    in one query (automated messages take no one's time)."""
    monday, sunday = window("week", today)
    counted = sa.select(
        Visit.owner_id,
        sa.func.count().filter(Visit.due_on == today).label("today"),
        sa.func.count().filter(Visit.due_on >= monday, Visit.due_on <= sunday).label("week"),
        sa.func.count().filter(Visit.due_on < today).label("overdue"),
    ).where(Visit.owner_id.in_(owner_ids), Visit.status == Status.planned, Visit.automated.is_(False),
            Visit.due_on <= max(sunday, today)).group_by(Visit.owner_id)
    found = {owner: {"today": 0, "week": 0, "overdue": 0} for owner in owner_ids}
    for row in db.session.execute(counted):
        found[row.owner_id] = {"today": row.today, "week": row.week, "overdue": row.overdue}
    return found


def overdue_count() -> int:
    """The workspace's planned staff visits due before today, of live customers."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Visit)
        .join(Customer, sa.and_(Customer.tenant_id == Visit.tenant_id, Customer.id == Visit.customer_id))
        .where(Visit.status == Status.planned, Visit.automated.is_(False), Visit.due_on < clock.today(),
               Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))) or 0
