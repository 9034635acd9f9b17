"""Domain events through an outbox: a change and its event commit together or not at all.

:func:`emit` adds the event row to the session of the change. After the commit the event ids are
handed to the job queue together (:mod:`saas.core.jobs`): ``deliver_events`` fans each out to every
enabled module's ``saas_handle_event`` as a job of its own and marks the event delivered. If the
hand-over fails (Redis down), the event simply stays undelivered: :func:`sweep` hands over every
event still undelivered after a grace period, so an outage delays events but never loses them.
Delivery is at least once; a module's handler runs once per event (``handled_events``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from saas.core.audit import current_actor
from saas.core.db import TenantOwned, TenantScoped, db
from saas.core.hooktypes import EventType
from saas.core.sql import json_object, uuid_text
from saas.core.tenancy import current_tenant_id, insert_from, insert_many, scoped
from saas.core.types import UTCDateTime, new_id, utcnow

log = logging.getLogger(__name__)

CORE_EVENT_TYPES = (  # each example has exactly the keys the event's data has (tests/test_events.py checks)
    EventType("customer.created", "A customer was created",
              {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "name": "许一鸣"}),
    EventType("customer.updated", "A customer's fields changed",
              {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "fields": ["email", "tags"]}),
    EventType("customer.deleted", "A customer was deleted (soft: it can be restored)",
              {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534"}),
    EventType("customer.restored", "A deleted customer was restored",
              {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534"}),
    EventType("customer.merged", "Two customers were merged into one: customer_id survives, merged_id is now a "
              "tombstone", {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534",
                            "merged_id": "01a209c2-8156-739e-a0fe-a6c182e08856", "purchases": 2, "interactions": 5}),
    EventType("customer.tier_changed", "A customer's value tier changed: by the rules (its spend moved), or by hand",
              {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "from": "important", "to": "core",
               "reason": "spend in the last 12 months 120,000.00 >= 100,000.00 (core)"}),
    EventType("customer.stage_changed", "A customer's lifecycle stage changed (new, active, dormant, churned...)",
              {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "from": "active", "to": "dormant",
               "reason": "no purchase for 181 days (dormant after 180)"}),
    EventType("purchase.recorded", "A purchase was recorded",
              {"purchase_id": "01a209c2-9a01-7c44-8d0e-5f1b2c3d4e5f", "customer_id": "01a209c2-8155-7bfd-9ec3-253721798534",
               "amount": "388.00", "currency": "CNY", "purchased_at": "2026-11-20T09:30:00+00:00",
               "external_ref": "SO-1001"}),
    EventType("purchase.refunded", "A purchase was refunded, in part or in full",
              {"purchase_id": "01a209c2-9a01-7c44-8d0e-5f1b2c3d4e5f", "customer_id": "01a209c2-8155-7bfd-9ec3-253721798534",
               "refunded": "88.00", "refunded_total": "88.00"}),
    EventType("interaction.logged", "A call, visit, message... was logged",
              {"interaction_id": "01a209c2-a0b1-7c2d-9e3f-405162738495", "customer_id": "01a209c2-8155-7bfd-9ec3-253721798534",
               "channel": "phone", "subject": "Asked about Mid-Autumn gift boxes"}),
    EventType("module.enabled", "A module was switched on for the workspace", {"module": "loyalty"}),
    EventType("module.disabled", "A module was switched off for the workspace", {"module": "loyalty"}),
    EventType("webhook.endpoint_disabled", "Retain stopped sending to a webhook endpoint (it answered 410, or "
              "failed for days)", {"endpoint_id": "01a209c2-b1c2-7d3e-8f40-516273849506",
                                   "url": "https://shop.example.com/hooks/retain",
                                   "reason": "the endpoint answered 410 Gone"}),
)


class OutboxEvent(TenantScoped, db.Model):
    __tablename__ = "events"
    __table_args__ = (sa.Index("ix_events_undelivered", "tenant_id", "delivered_at", "occurred_at"),)

    type: Mapped[str] = mapped_column(sa.String(100))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    actor: Mapped[str] = mapped_column(sa.String(80))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class HandledEvent(TenantOwned, db.Model):
    """That ``module`` handled ``event_id``: a redelivered event does not run its handler again."""

    __tablename__ = "handled_events"

    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    module: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    handled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Event:
    """What a handler receives: plain values, safe to pass to a job."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    type: str
    data: dict[str, Any] = field(default_factory=dict)
    occurred_at: dt.datetime | None = None
    actor: str = "system"

    @classmethod
    def of(cls, row: OutboxEvent) -> "Event":
        return cls(row.id, row.tenant_id, row.type, dict(row.data), row.occurred_at, row.actor)


def emit(type_: str, **data: Any) -> OutboxEvent:
    """Record event ``type_`` with ``data`` (JSON values) in the current transaction and tenant."""
    row = OutboxEvent(id=new_id(), tenant_id=current_tenant_id(), type=type_, data=_plain(data),
                      actor=current_actor().label)
    db.session.add(row)
    db.session.info.setdefault("emitted_events", []).append((row.tenant_id, row.id))
    return row


def emit_many(type_: str, datas: list[dict[str, Any]]) -> int:
    """Record one ``type_`` event per item of ``datas`` in one statement (set-based work: a recompute
    can change thousands of customers); handed over after commit like :func:`emit`'s."""
    if not datas:
        return 0
    tenant_id, now, actor = current_tenant_id(), utcnow(), current_actor().label
    rows = [{"id": new_id(), "tenant_id": tenant_id, "type": type_, "data": _plain(data), "occurred_at": now,
             "actor": actor} for data in datas]
    insert_many(OutboxEvent, rows)
    db.session.info.setdefault("emitted_events", []).extend((tenant_id, row["id"]) for row in rows)
    return len(rows)


def emit_selected(type_: str, rows: sa.Select, *, many: bool = False) -> int:
    """Record one ``type_`` event per row of ``rows`` with one ``INSERT ... SELECT``: each row's
    labelled columns are its data (UUIDs as text). Returns how many.

    The event ids come back to be handed over after commit, as :func:`emit`'s do; with ``many``
    (a whole tenant's recompute: a million events) they stay in the database, and after commit
    one job hands over the statement's events by their shared ``occurred_at``, page by page.
    """
    tenant_id, now = current_tenant_id(), utcnow()
    source = scoped(rows, tenant_id).subquery()  # a caller's SELECT: only the bound tenant's rows
    plain = [column for column in source.c if not isinstance(column.type, (sa.Uuid, sa.String, sa.Integer, sa.Boolean))
             or isinstance(column.type, TypeDecorator)]
    if plain:  # dates and amounts would read differently on each database than emit() writes them
        raise TypeError(f"emit_selected takes text, UUID, integer and boolean columns; not {plain[0].key}")
    data = json_object(*(part for column in source.c for part in (
        sa.literal(column.key), uuid_text(column) if isinstance(column.type, sa.Uuid) else column)))
    events = sa.select(sa.literal(type_).label("type"), data.label("data"),
                       sa.literal(current_actor().label).label("actor"),
                       sa.literal(now, UTCDateTime()).label("occurred_at")).select_from(source)
    if many:
        count = insert_from(OutboxEvent, events).rowcount
        if count:
            db.session.info.setdefault("emitted_stamps", set()).add((tenant_id, now))
        return count
    ids = list(insert_from(OutboxEvent, events, returning=OutboxEvent.id).scalars())
    db.session.info.setdefault("emitted_events", []).extend((tenant_id, event_id) for event_id in ids)
    return len(ids)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)  # ids, decimals, dates: as strings


@sa_event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    emitted = session.info.pop("emitted_events", [])  # (tenant id, event id): no row to reload after commit
    stamped = session.info.pop("emitted_stamps", set())  # (tenant id, occurred_at) of emit_selected(many=True)
    if emitted or stamped:
        from saas.core import jobs  # the queue depends on events' tables; imported late on purpose

        jobs.after_commit(emitted, sorted(stamped))


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if not session.in_transaction():  # the whole transaction, not a savepoint, was rolled back
        session.info.pop("emitted_events", None)
        session.info.pop("emitted_stamps", None)


def undelivered(older_than: dt.timedelta, limit: int = 500) -> list[uuid.UUID]:
    """Ids of the bound tenant's events still undelivered after ``older_than``, locked for us.

    ``FOR UPDATE SKIP LOCKED`` on PostgreSQL: two sweepers never hand over the same rows at once.
    """
    stmt = (
        sa.select(OutboxEvent.id)
        .where(OutboxEvent.delivered_at.is_(None), OutboxEvent.occurred_at < utcnow() - older_than)
        .order_by(OutboxEvent.occurred_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(db.session.scalars(stmt))
