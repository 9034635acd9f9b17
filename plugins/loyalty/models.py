"""The loyalty tables: an append-only ledger of points, and each customer's account.

The ledger is the truth: a customer's balance is the sum of their entries' points. The account
row keeps that sum ready to read and is the row a redemption locks, so two redemptions of one
customer take turns; ``ledger.rebuild`` recomputes it from the entries.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantScoped, db, tenant_fk
from saas.core.types import UTCDateTime, utcnow


class EntryKind(str, enum.Enum):
    earn = "earn"  # a purchase's points, with its multipliers and bonuses
    bonus = "bonus"  # points not tied to a purchase (a birthday)
    redeem = "redeem"  # spent on a reward
    expire = "expire"  # not spent in time
    adjust = "adjust"  # by hand, with a reason
    reverse = "reverse"  # a refund takes back what its purchase earned


class Entry(TenantScoped, db.Model):
    """One movement of points (positive or negative); never changed once written."""

    __tablename__ = "loyalty_entries"
    __audit__ = True
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        # what caused the entry, once: "purchase:<id>", "refund:<event id>", "adjust:<id>"...
        sa.UniqueConstraint("tenant_id", "source"),
        sa.Index("ix_loyalty_entries_customer", "tenant_id", "customer_id", "created_at"),
        sa.Index("ix_loyalty_entries_purchase", "tenant_id", "purchase_id"),
        tenant_fk(["reward_id"], "loyalty_rewards"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[EntryKind] = mapped_column(sa.Enum(EntryKind, native_enum=False, length=10))
    points: Mapped[int] = mapped_column(sa.BigInteger)
    source: Mapped[str] = mapped_column(sa.String(120))
    reason: Mapped[str] = mapped_column(sa.String(500))
    purchase_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    reward_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)  # what a redemption bought
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # of points earned; None: never
    actor: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Account(TenantScoped, db.Model):
    """A customer's balance, kept equal to the sum of their entries."""

    __tablename__ = "loyalty_accounts"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "customer_id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    balance: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Reward(TenantScoped, db.Model):
    """Something customers buy with points ("10% off orders over 50,000", for important customers)."""

    __tablename__ = "loyalty_rewards"
    __audit__ = True

    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.String(1000))
    points_cost: Mapped[int] = mapped_column(sa.BigInteger)
    stock: Mapped[int | None] = mapped_column(sa.Integer)  # None: unlimited
    active_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    active_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    tiers: Mapped[list] = mapped_column(sa.JSON, default=list)  # value tiers that may redeem it; empty: all
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # off the catalogue, kept for the ledger
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def on_offer(self, now: dt.datetime) -> bool:
        return (self.archived_at is None and (self.active_from is None or self.active_from <= now)
                and (self.active_until is None or now < self.active_until))
