"""The open cases of a person, for their ``/today`` page (one query): due at their soonest clock;
a case waiting for the customer, at the moment it began to wait."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.hooktypes import TodoItem

from plugins.complaints.models import OPEN_STATUSES, Case

KIND = "complaints.case"


def items_of(user_id: uuid.UUID, gettext) -> list[TodoItem]:
    rows = db.session.execute(
        sa.select(Case.id, Case.customer_id, Case.next_due_at, Case.paused_since, Case.opened_at, Customer.name)
        .join(Customer, Customer.id == Case.customer_id)
        .where(Case.owner_id == user_id, Case.status.in_(OPEN_STATUSES), Customer.deleted_at.is_(None))
        .order_by(Case.next_due_at, Case.id)).all()
    return [TodoItem(f"{KIND}:{case_id}",
                     gettext("Complaint of %(name)s: waiting for the customer", name=name) if paused
                     else gettext("Complaint of %(name)s", name=name),
                     due or paused or opened, f"/complaints/{case_id}", KIND, customer_id)
            for case_id, customer_id, due, paused, opened, name in rows]
