"""The visits tables: each planned contact with its outcome, a customer's own cadence, and each
person's calendar feed."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantScoped, db, tenant_fk
from saas.core.types import UTCDateTime, utcnow


class Status(str, enum.Enum):
    planned = "planned"
    done = "done"
    no_answer = "no_answer"
    rescheduled = "rescheduled"  # moved: a new visit is planned on the day chosen
    cancelled = "cancelled"  # skipped, with a reason


class Visit(TenantScoped, db.Model):
    """One contact planned by a cadence (or moved to a day by hand), then its outcome.

    ``planned_on`` is the day the rule fell on, the key of its idempotence with the customer and
    the rule; ``due_on`` the working day it is planned for (moved on by holidays and the daily
    cap); ``due_minute`` the local minute of the day, from the customer's contact time."""

    __tablename__ = "visits_visits"
    __audit__ = True
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "customer_id", "rule_key", "planned_on"),
        sa.Index("ix_visits_visits_owner_due", "tenant_id", "owner_id", "due_on"),
        sa.Index("ix_visits_visits_status_due", "tenant_id", "status", "due_on"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)  # the customer's account manager then
    rule_key: Mapped[str] = mapped_column(sa.String(80))  # "core.visit", "own", "moved:<visit id>"
    tier: Mapped[str | None] = mapped_column(sa.String(20))  # the customer's value tier when planned
    planned_on: Mapped[dt.date] = mapped_column(sa.Date)
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    due_minute: Mapped[int | None] = mapped_column(sa.Integer)
    channel: Mapped[str] = mapped_column(sa.String(10))
    purpose: Mapped[str] = mapped_column(sa.String(20))
    automated: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[Status] = mapped_column(sa.Enum(Status, native_enum=False, length=12), default=Status.planned)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    next_step: Mapped[str | None] = mapped_column(sa.String(500))
    reason: Mapped[str | None] = mapped_column(sa.String(500))  # why it was moved or skipped
    logged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    logged_on: Mapped[dt.date | None] = mapped_column(sa.Date)  # the workspace's local day it was logged
    interaction_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    moved_from_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    escalation: Mapped[int] = mapped_column(sa.Integer, default=0)  # 1: owner told, 2: manager told too
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OwnCadence(TenantScoped, db.Model):
    """A customer's own cadence, in place of its tier's."""

    __tablename__ = "visits_cadences"
    __audit__ = True
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "customer_id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    rule: Mapped[str] = mapped_column(sa.String(500))
    channel: Mapped[str] = mapped_column(sa.String(10))
    purpose: Mapped[str] = mapped_column(sa.String(20))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)



class Feed(TenantScoped, db.Model):
    """A person's calendar feed: the hash of its secret URL's token; revoked by deleting the row."""

    __tablename__ = "visits_feeds"
    __table_args__ = (
        tenant_fk(["user_id"], "memberships.user_id", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "user_id"),
        sa.UniqueConstraint("tenant_id", "token_hash"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
