"""The module's one table: a greeting sent to a customer, at most one per customer and year."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantScoped, db
from saas.core.types import UTCDateTime, utcnow


class Greeting(TenantScoped, db.Model):
    __tablename__ = "birthdays_greetings"
    __audit__ = True
    __table_args__ = (sa.UniqueConstraint("tenant_id", "customer_id", "year"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    year: Mapped[int] = mapped_column(sa.Integer)
    channel: Mapped[str] = mapped_column(sa.String(20))
    greeted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
