"""The stored results of the duplicate scan (:mod:`saas.core.data_quality.scan`): each live
customer's match keys (``duplicate_keys``), the likely duplicate pairs found over them
(``duplicate_pairs``) and when the workspace was last scanned (``duplicate_scans``)."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantOwned, TenantScoped, db, tenant_fk
from saas.core.types import UTCDateTime, utcnow

# What a value of a key field is, as the report counts it.
CLEAN, INVALID, UNNORMALISED = 0, 1, 2  # empty counts as clean: completeness counts the gaps


class DuplicateKeys(TenantOwned, db.Model):
    """One live customer's normalised e-mail and phone, name key and value flags, as of the
    customer's ``version`` (``computed_from``); ``dirty`` until its pairs were found again."""

    __tablename__ = "duplicate_keys"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.Index("ix_duplicate_keys_email", "tenant_id", "email_key"),
        sa.Index("ix_duplicate_keys_phone", "tenant_id", "phone_key"),
        sa.Index("ix_duplicate_keys_dirty", "tenant_id", "dirty"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)  # the customer's: the older is first
    email_key: Mapped[str | None] = mapped_column(sa.String(254))
    phone_key: Mapped[str | None] = mapped_column(sa.String(40))
    name_key: Mapped[str | None] = mapped_column(sa.String(402))
    email_flag: Mapped[int] = mapped_column(sa.SmallInteger, nullable=False, default=CLEAN)
    phone_flag: Mapped[int] = mapped_column(sa.SmallInteger, nullable=False, default=CLEAN)
    computed_from: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    dirty: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)


class DuplicatePair(TenantScoped, db.Model):
    """Two live customers that are likely the same: ``first_id`` the older record, ``second_id``
    the later one (the surplus record, merged into the first)."""

    __tablename__ = "duplicate_pairs"
    __table_args__ = (
        tenant_fk(["first_id"], "customers", ondelete="CASCADE"),
        tenant_fk(["second_id"], "customers", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "first_id", "second_id"),
        sa.Index("ix_duplicate_pairs_second", "tenant_id", "second_id"),
        sa.Index("ix_duplicate_pairs_best", "tenant_id", "score", "id"),
    )

    first_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    second_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    score: Mapped[int] = mapped_column(sa.SmallInteger, nullable=False)
    reason: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    found_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class DuplicateScan(TenantOwned, db.Model):
    """The workspace's last scan: when it started and when it finished (the pairs' age)."""

    __tablename__ = "duplicate_scans"

    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    changed: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)  # customers whose keys it refreshed
