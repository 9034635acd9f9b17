"""The complaints tables: each case with its frozen targets and the due times of its clocks, the
steps of its workflow (its timeline), and the clock alerts raised for it (warnings and breaches,
kept for good)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantScoped, db, tenant_fk
from saas.core.types import UTCDateTime, utcnow


class Status(str, enum.Enum):
    new = "new"
    acknowledged = "acknowledged"
    plan_agreed = "plan_agreed"
    resolved = "resolved"
    confirmed = "confirmed"  # by the customer, through the signed link (or by staff who asked them)
    closed = "closed"


OPEN_STATUSES = (Status.new, Status.acknowledged, Status.plan_agreed)


class Priority(str, enum.Enum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


TARGETS = ("response", "plan", "resolution")
# the moment each target is met: the case acknowledged, its plan agreed, it resolved
MILESTONES = {"response": "acknowledged_at", "plan": "plan_agreed_at", "resolution": "resolved_at"}


class Case(TenantScoped, db.Model):
    """A complaint. Its targets (minutes, and whether they count business hours) are fixed when it
    opens, from the settings for its priority and its customer's value tier; the due times are
    recomputed by every step (a pause moves them), so the queue sorts by them in SQL."""

    __tablename__ = "complaints_cases"
    __audit__ = True
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "source_event_id"),  # one case per low-score event
        sa.Index("ix_complaints_cases_queue", "tenant_id", "status", "next_due_at"),
        sa.Index("ix_complaints_cases_owner", "tenant_id", "owner_id", "status"),
        sa.Index("ix_complaints_cases_customer", "tenant_id", "customer_id", "opened_at"),
        sa.Index("ix_complaints_cases_opened", "tenant_id", "opened_at"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    channel: Mapped[str] = mapped_column(sa.String(20))
    category: Mapped[str] = mapped_column(sa.String(40))
    cause: Mapped[str | None] = mapped_column(sa.String(200))  # found out while resolving it
    priority: Mapped[Priority] = mapped_column(sa.Enum(Priority, native_enum=False, length=8),
                                               default=Priority.normal)
    description: Mapped[str] = mapped_column(sa.Text)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"))
    team: Mapped[str | None] = mapped_column(sa.String(100))
    tier: Mapped[str | None] = mapped_column(sa.String(20))  # the customer's value tier when it opened
    status: Mapped[Status] = mapped_column(sa.Enum(Status, native_enum=False, length=12), default=Status.new)
    response_minutes: Mapped[int] = mapped_column(sa.Integer)
    plan_minutes: Mapped[int] = mapped_column(sa.Integer)
    resolution_minutes: Mapped[int] = mapped_column(sa.Integer)
    business_hours: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    plan: Mapped[str | None] = mapped_column(sa.Text)
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    plan_agreed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    paused_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # waiting for the customer
    pauses: Mapped[list] = mapped_column(sa.JSON, default=list)  # the ended pauses: [[start, end], ...] (ISO)
    response_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # None while paused
    plan_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    next_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the soonest of the targets not met
    satisfied: Mapped[bool | None] = mapped_column(sa.Boolean)  # the customer's answer to "was it resolved?"
    reopened: Mapped[int] = mapped_column(sa.Integer, default=0)
    source_event_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Step(TenantScoped, db.Model):
    """One step of a case (opened, acknowledged, paused, reopened...), for its timeline and the
    customer's."""

    __tablename__ = "complaints_steps"
    __table_args__ = (
        tenant_fk(["case_id"], "complaints_cases", ondelete="CASCADE"),
        sa.Index("ix_complaints_steps_case", "tenant_id", "case_id", "at"),
        sa.Index("ix_complaints_steps_customer", "tenant_id", "customer_id", "at", "id"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(2000))
    actor: Mapped[str] = mapped_column(sa.String(80))  # "user:<id>", "api_key:<id>", "customer", "system"
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Alert(TenantScoped, db.Model):
    """A clock's alert, once per case, target and level: ``warning`` (80% of the target used:
    the owner told), ``breach`` (the target missed: the manager told, ``complaints.breached``
    emitted), ``admin`` (long past it: the admins told). Never deleted: a breach stays a breach
    when the case is resolved later."""

    __tablename__ = "complaints_alerts"
    __table_args__ = (
        tenant_fk(["case_id"], "complaints_cases", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "case_id", "target", "level"),
        sa.Index("ix_complaints_alerts_at", "tenant_id", "level", "at"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    target: Mapped[str] = mapped_column(sa.String(10))
    level: Mapped[str] = mapped_column(sa.String(10))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Digest(TenantScoped, db.Model):
    """A week's digest, sent once: the row's insert decides who sends it."""

    __tablename__ = "complaints_digests"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "week"),)

    week: Mapped[str] = mapped_column(sa.String(8))  # 2026-W49
    recipients: Mapped[int] = mapped_column(sa.Integer, default=0)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
