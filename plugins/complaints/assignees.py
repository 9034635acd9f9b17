"""Who works a case and who hears of its clocks: its owner (the customer's account manager, else a
manager of the customer's team, else the workspace's first owner), the owner's managers, the admins."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.accounts import Membership, Role
from saas.core.customers import Customer
from saas.core.db import db


def is_member(user_id: uuid.UUID) -> bool:
    return db.session.scalar(sa.select(Membership.user_id).where(
        Membership.user_id == user_id, Membership.status == "active")) is not None


def owner_for(customer: Customer) -> uuid.UUID | None:
    if customer.owner_id is not None:
        return customer.owner_id
    members = db.session.execute(
        sa.select(Membership.user_id, Membership.role, Membership.team)
        .where(Membership.status == "active", Membership.role.in_([Role.manager, Role.owner]))
        .order_by(Membership.created_at, Membership.user_id)).all()
    for user_id, role, team in members:
        if role is Role.manager and customer.team and team == customer.team:
            return user_id
    return next((user_id for user_id, role, _ in members if role is Role.owner), None)


def managers_of(user_id: uuid.UUID | None) -> list:
    """The managers of ``user_id``'s team; without one, every manager of the workspace; without
    any, its owners (as recipients of :func:`saas.core.notifications.notify`)."""
    managers = sa.select(Membership.user_id).where(Membership.role == Role.manager, Membership.status == "active")
    if user_id is not None:
        managers = managers.where(Membership.user_id != user_id)
        team = db.session.scalar(sa.select(Membership.team).where(Membership.user_id == user_id))
        if team is not None:
            found = list(db.session.scalars(managers.where(Membership.team == team)))
            if found:
                return found
    return [Role.manager] if db.session.scalar(managers.limit(1)) is not None else [Role.owner]
