"""What other modules tell the churn module about a customer, by event (``surveys.low_score``,
``complaints.breached``, ``visits.overdue``; their data names ``customer_id``): one ``churn_signals``
row per event, the event id unique, so a redelivery records nothing twice."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.tenancy import current_tenant_id
from saas.core.types import new_id, utcnow

from plugins.churn.event_types import SIGNAL_EVENTS
from plugins.churn.models import Signal


def customer_of(event) -> uuid.UUID | None:
    """The event's customer, when it names one of this workspace's customers."""
    try:
        customer_id = uuid.UUID(str(event.data.get("customer_id")))
    except ValueError:
        return None
    return db.session.scalar(sa.select(Customer.id).where(Customer.id == customer_id))


def record(event) -> uuid.UUID | None:
    """Keep the signal of ``event`` (one of :data:`SIGNAL_EVENTS`); returns its customer, or None
    when the event names no customer of the workspace or was recorded already."""
    customer_id = customer_of(event)
    if customer_id is None:
        return None
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Signal.__table__).values(
        tenant_id=current_tenant_id(), id=new_id(), customer_id=customer_id, kind=SIGNAL_EVENTS[event.type].value,
        event_id=event.id, occurred_at=event.occurred_at or utcnow(),
    ).on_conflict_do_nothing(index_elements=["tenant_id", "event_id"])
    return customer_id if db.session.execute(stmt).rowcount else None
