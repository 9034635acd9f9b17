"""The outbox: the tables events are written to in the transaction of their change, and what a
handler receives. :mod:`saas.core.events` writes them; :mod:`saas.core.delivery` hands them on.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantOwned, TenantScoped, db
from saas.core.types import UTCDateTime, utcnow


class OutboxEvent(TenantScoped, db.Model):
    __tablename__ = "events"
    __table_args__ = (
        # what waits for delivery, in the order it is handed over (a batch after another)
        sa.Index("ix_events_waiting", "tenant_id", "occurred_at", "id", postgresql_where=sa.text("delivered_at IS NULL"),
                 sqlite_where=sa.text("delivered_at IS NULL")),
        # every tenant's backlog at once (the metrics' scrape): only undelivered rows are in it
        sa.Index("ix_events_backlog", "occurred_at", postgresql_where=sa.text("delivered_at IS NULL"),
                 sqlite_where=sa.text("delivered_at IS NULL")),
    )

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


def undelivered(older_than: dt.timedelta, limit: int = 500) -> list[uuid.UUID]:
    """Ids of the bound tenant's events still undelivered after ``older_than``, locked for us.

    ``FOR UPDATE SKIP LOCKED`` on PostgreSQL: two sweepers never hand over the same rows at once.
    """
    stmt = (
        sa.select(OutboxEvent.id)
        .where(OutboxEvent.delivered_at.is_(None), OutboxEvent.occurred_at < utcnow() - older_than)
        .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(db.session.scalars(stmt))


# Every tenant's backlog is one aggregate. Row-level security admits no row to a statement with no
# tenant bound, so on PostgreSQL it runs in a SECURITY DEFINER function (migration 0014) that
# returns the two numbers only: a policy for its owner, on only while the function runs its one
# statement, lets it count every tenant's rows; the app's role gains no row.
_BACKLOG_PG = sa.text("SELECT undelivered, oldest FROM retain_outbox_backlog()").columns(
    undelivered=sa.Integer, oldest=UTCDateTime)
_EVENTS = OutboxEvent.__table__
_BACKLOG = sa.select(sa.func.count().label("undelivered"), sa.func.min(_EVENTS.c.occurred_at).label("oldest")).where(
    _EVENTS.c.delivered_at.is_(None))


def backlog(connection: sa.Connection) -> tuple[int, dt.datetime | None]:
    """How many events of all tenants wait for delivery, and when the oldest of them occurred."""
    statement = _BACKLOG_PG if connection.dialect.name == "postgresql" else _BACKLOG
    undelivered, oldest = connection.execute(statement).one()
    return undelivered, oldest
