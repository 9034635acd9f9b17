"""The open win-back tasks of a person, for their ``/today`` page (one query)."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

import sqlalchemy as sa

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.hooktypes import TodoItem
from saas.core.tenancy import current_tenant

from plugins.churn.models import OPEN_STATUSES, Task

KIND = "churn.winback"


def items_of(user_id: uuid.UUID, gettext) -> list[TodoItem]:
    """``user_id``'s open win-back tasks: due at the end of their due day, the workspace's time."""
    zone = zoneinfo.ZoneInfo(current_tenant().settings.get("timezone") or "UTC")
    rows = db.session.execute(
        sa.select(Task.id, Task.customer_id, Task.due_on, Task.score, Customer.name)
        .join(Customer, Customer.id == Task.customer_id)
        .where(Task.owner_id == user_id, Task.status.in_(OPEN_STATUSES), Customer.deleted_at.is_(None))
        .order_by(Task.due_on, Task.id)).all()
    return [TodoItem(f"{KIND}:{task_id}",
                     gettext("Win back %(name)s (churn risk %(score)s)", name=name, score=score),
                     dt.datetime.combine(due_on, dt.time(23, 59), zone).astimezone(dt.timezone.utc),
                     f"/customers/{customer_id}", KIND, customer_id)
            for task_id, customer_id, due_on, score, name in rows]
