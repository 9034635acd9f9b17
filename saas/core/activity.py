"""What happens between a tenant and its customers: purchases and interactions."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.customers import Channel
from saas.core.db import TenantScoped, Timestamped, db, tenant_fk
from saas.core.types import Money, ScaledDecimal, UTCDateTime


class Direction(str, enum.Enum):
    inbound = "inbound"
    outbound = "outbound"


class Purchase(TenantScoped, Timestamped, db.Model):
    __tablename__ = "purchases"
    __audit__ = True
    __table_args__ = (
        tenant_fk(["customer_id"], "customers"),
        sa.UniqueConstraint("tenant_id", "external_ref"),
        # Covers the figures' aggregate too (an index-only scan on PostgreSQL).
        sa.Index("ix_purchases_customer_time", "tenant_id", "customer_id", "purchased_at", "id",
                 postgresql_include=["amount", "refunded_amount"]),
        sa.Index("ix_purchases_tenant_time", "tenant_id", "purchased_at", "id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    product: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str | None] = mapped_column(sa.String(100))
    quantity: Mapped[Decimal] = mapped_column(ScaledDecimal(3), default=Decimal(1))
    unit_price: Mapped[Decimal | None] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(sa.String(3))
    purchased_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    external_ref: Mapped[str | None] = mapped_column(sa.String(100))
    refunded_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    refunded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refund_reason: Mapped[str | None] = mapped_column(sa.String(500))


class Interaction(TenantScoped, Timestamped, db.Model):
    __tablename__ = "interactions"
    __audit__ = True
    __table_args__ = (
        tenant_fk(["customer_id"], "customers"),
        sa.Index("ix_interactions_customer_time", "tenant_id", "customer_id", "occurred_at", "id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    channel: Mapped[Channel] = mapped_column(sa.Enum(Channel, native_enum=False, length=20))
    direction: Mapped[Direction] = mapped_column(
        sa.Enum(Direction, native_enum=False, length=20), default=Direction.outbound
    )
    subject: Mapped[str] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(sa.String(200))
