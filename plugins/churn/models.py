"""The churn tables: each customer's latest score, the signals other modules sent, the win-back
tasks, the workspace's fitted purchase model and its backtests."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantScoped, db, tenant_fk
from saas.core.types import UTCDateTime, utcnow


class Level(str, enum.Enum):
    low = "low"
    medium = "medium"
    high = "high"


class Score(TenantScoped, db.Model):
    """A customer's latest risk score, 0-100, with the reasons behind it (rewritten by each scoring)."""

    __tablename__ = "churn_scores"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "customer_id"),
        sa.Index("ix_churn_scores_level", "tenant_id", "level", "score"),
        # room on each page: a nightly rewrite that keeps score and level stays a heap-only update
        {"postgresql_with": {"fillfactor": 50}},
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    score: Mapped[int] = mapped_column(sa.SmallInteger)
    level: Mapped[Level] = mapped_column(sa.Enum(Level, native_enum=False, length=6))
    # [{"code": "overdue", "share": 0.62, "figures": {...}}, ...], largest share first
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    reason: Mapped[str | None] = mapped_column(sa.String(20))  # the main reason's code (the largest share)
    model_used: Mapped[bool] = mapped_column(sa.Boolean, default=False)  # the workspace had enough data
    p_alive: Mapped[float | None] = mapped_column(sa.Float)
    expected_purchases: Mapped[float | None] = mapped_column(sa.Float)  # in the next 90 days
    expected_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    scored_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    level_since: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignalKind(str, enum.Enum):
    low_survey = "low_survey"  # surveys.low_score
    complaint_breach = "complaint_breach"  # complaints.breached
    missed_visit = "missed_visit"  # visits.overdue


class Signal(TenantScoped, db.Model):
    """What another module told us about a customer, by event; the event id makes a redelivery a no-op."""

    __tablename__ = "churn_signals"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "event_id"),
        sa.Index("ix_churn_signals_customer", "tenant_id", "customer_id", "occurred_at"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[SignalKind] = mapped_column(sa.Enum(SignalKind, native_enum=False, length=20))
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class TaskStatus(str, enum.Enum):
    open = "open"
    contacted = "contacted"
    offer_made = "offer_made"
    won_back = "won_back"
    lost = "lost"


OPEN_STATUSES = (TaskStatus.open, TaskStatus.contacted, TaskStatus.offer_made)


class ChurnReason(str, enum.Enum):
    """The glossary's churn reasons (流失原因)."""

    product_quality = "product_quality"
    service = "service"
    price_competition = "price_competition"
    other = "other"


class Task(TenantScoped, db.Model):
    """A win-back task: opened when a customer crosses into high risk, worked by its owner."""

    __tablename__ = "churn_tasks"
    __audit__ = True
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        # never two open tasks for one customer
        sa.Index("uq_churn_tasks_open", "tenant_id", "customer_id", unique=True,
                 postgresql_where=sa.text("status IN ('open', 'contacted', 'offer_made')"),
                 sqlite_where=sa.text("status IN ('open', 'contacted', 'offer_made')")),
        sa.Index("ix_churn_tasks_owner", "tenant_id", "owner_id", "status", "due_on"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    status: Mapped[TaskStatus] = mapped_column(sa.Enum(TaskStatus, native_enum=False, length=12),
                                               default=TaskStatus.open)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    score: Mapped[int] = mapped_column(sa.SmallInteger)  # when it opened
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)  # the score's reasons when it opened
    tier: Mapped[str | None] = mapped_column(sa.String(20))  # the customer's value tier when it opened
    reason: Mapped[ChurnReason | None] = mapped_column(sa.Enum(ChurnReason, native_enum=False, length=20))
    reason_note: Mapped[str | None] = mapped_column(sa.String(1000))
    offer: Mapped[str | None] = mapped_column(sa.String(500))
    won_back_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    won_back_purchase_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Fit(TenantScoped, db.Model):
    """The workspace's BG/NBD and Gamma-Gamma parameters from its last nightly fit (one row)."""

    __tablename__ = "churn_fits"
    __table_args__ = (sa.UniqueConstraint("tenant_id", name="uq_churn_fits_tenant_id"),)

    params: Mapped[dict] = mapped_column(sa.JSON)  # {"r":..., "alpha":..., "a":..., "b":..., "p":..., "q":..., "v":...}
    customers: Mapped[int] = mapped_column(sa.Integer)
    repeat_buyers: Mapped[int] = mapped_column(sa.Integer)
    enough_data: Mapped[bool] = mapped_column(sa.Boolean)
    fitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Backtest(TenantScoped, db.Model):
    """One backtest: scored with the data before ``cutoff``, judged on the ``horizon_days`` after it."""

    __tablename__ = "churn_backtests"

    cutoff: Mapped[dt.date] = mapped_column(sa.Date)
    horizon_days: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(10), default="running")  # running, done, failed
    results: Mapped[dict | None] = mapped_column(sa.JSON)  # {"rules": {"auc":..., ...}, "recency": {...}, ...}
    requested_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # when its job began: None while queued
