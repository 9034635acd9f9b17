"""The classification's tables: each customer's figures, tier and stage (``customer_figures``,
one row per customer, with the rule-given tier and a manual override) and every change of tier
or stage (``classification_changes``), written by :mod:`saas.core.classification.recompute`."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.classification.rules import Stage, Tier
from saas.core.db import TenantOwned, TenantScoped, db, tenant_fk
from saas.core.types import Money, UTCDateTime, utcnow


class CustomerFigures(TenantOwned, db.Model):
    """One customer's figures, tier and stage, kept by :mod:`saas.core.classification.recompute`.

    Amounts are net of refunds; a fully refunded purchase does not count as an order. R/F/M
    scores are quintiles (1-5, 5 best) among the tenant's buyers: recency by last purchase,
    frequency by orders, monetary by revenue, both over the customer's whole history.
    """

    __tablename__ = "customer_figures"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.Index("ix_customer_figures_tier", "tenant_id", "tier"),
        sa.Index("ix_customer_figures_stage", "tenant_id", "lifecycle_stage"),
        sa.Index("ix_customer_figures_last_purchase", "tenant_id", "last_purchase_at"),
        sa.Index("ix_customer_figures_orders", "tenant_id", "orders_total"),
        sa.Index("ix_customer_figures_revenue", "tenant_id", "revenue_total"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    first_purchase_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_purchase_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    orders_total: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    revenue_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    orders_window: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    revenue_window: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    in_touch: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    r_score: Mapped[int | None] = mapped_column(sa.SmallInteger)
    f_score: Mapped[int | None] = mapped_column(sa.SmallInteger)
    m_score: Mapped[int | None] = mapped_column(sa.SmallInteger)
    rule_tier: Mapped[Tier | None] = mapped_column(sa.Enum(Tier, native_enum=False, length=20))
    tier_override: Mapped[Tier | None] = mapped_column(sa.Enum(Tier, native_enum=False, length=20))
    override_reason: Mapped[str | None] = mapped_column(sa.String(500))
    override_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    tier: Mapped[Tier | None] = mapped_column(sa.Enum(Tier, native_enum=False, length=20))
    lifecycle_stage: Mapped[Stage] = mapped_column(
        sa.Enum(Stage, native_enum=False, length=20), default=Stage.potential, server_default=Stage.potential.value
    )
    computed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def average_order_value(self) -> Decimal | None:
        if not self.orders_total:
            return None
        return (self.revenue_total / self.orders_total).quantize(Decimal("0.01"))

    @property
    def typical_interval_days(self) -> float | None:
        """The mean gap between purchases: first to last, over the gaps between the orders."""
        if self.orders_total < 2 or self.first_purchase_at is None or self.last_purchase_at is None:
            return None
        span = self.last_purchase_at - self.first_purchase_at
        return round(span.total_seconds() / 86400 / (self.orders_total - 1), 1)

    @property
    def override_active(self) -> bool:
        return self.tier_override is not None and (self.override_until is None or self.override_until > utcnow())


class ClassificationChange(TenantScoped, db.Model):
    """A change of a customer's tier or stage, with the reason it was made (append-only but for
    ``event_pending``: a whole-workspace recompute's change whose event is still to be written,
    :mod:`saas.core.classification.announce`)."""

    __tablename__ = "classification_changes"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.Index("ix_classification_changes_customer", "tenant_id", "customer_id", "changed_at"),
        sa.Index("ix_classification_changes_pending", "tenant_id", "id", postgresql_where=sa.text("event_pending"),
                 sqlite_where=sa.text("event_pending")),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[str] = mapped_column(sa.String(10))  # "tier", "stage", or "override" (a manual tier set or removed)
    old: Mapped[str | None] = mapped_column(sa.String(20))
    new: Mapped[str | None] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.String(500))
    actor: Mapped[str] = mapped_column(sa.String(80))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    event_pending: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
