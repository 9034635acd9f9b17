"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
import uuid6
from sqlalchemy.types import TypeDecorator


def new_id() -> uuid.UUID:
    """A time-ordered UUIDv7 (RFC 9562), made by the application so keys work alike everywhere."""
    return uuid.UUID(int=uuid6.uuid7().int)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """An aware UTC timestamp: ``timestamptz`` on PostgreSQL, naive UTC text on SQLite."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type:
        return dt.datetime

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


class ScaledDecimal(TypeDecorator):
    """A decimal kept as a scaled integer (``BIGINT``), so sums are exact on both databases.

    ``ScaledDecimal(2)`` stores 12.34 as 1234. SQL aggregates over the raw column stay integers.
    """

    impl = sa.BigInteger
    cache_ok = True

    def __init__(self, scale: int):
        super().__init__()
        self.scale = scale
        self._unit = Decimal(1).scaleb(-scale)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value).quantize(self._unit, rounding=ROUND_HALF_UP)
        return int(value.scaleb(self.scale))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale).quantize(self._unit)


def Money() -> ScaledDecimal:
    """Amounts in the tenant's currency, to the cent."""
    return ScaledDecimal(2)
