"""Keyset (cursor) pagination: ``WHERE (sort, id) after the cursor``, never OFFSET.

A cursor is an opaque, URL-safe token holding the sort values of the last row served.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any, Sequence

import sqlalchemy as sa

from saas.core.errors import Invalid


class BadCursor(Invalid):
    code = "bad_cursor"
    status = 400


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None


@dataclass(frozen=True)
class WholeNumber:
    """An integer sort column's values: from ``-limit`` up to ``limit``, excluded (its SQL type's
    range: a cursor's number outside it would fail the query, not the cursor)."""

    limit: int


Spec = Sequence[tuple[str, Any]]  # (name, Python type or WholeNumber) of each sort value, in order


def spec_of(columns: Sequence[sa.ColumnElement]) -> list[tuple[str, Any]]:
    return [(c.key, _kind(c.type)) for c in columns]


def _kind(type_: sa.types.TypeEngine) -> Any:
    if type_.python_type is not int:
        return type_.python_type
    bits = 16 if isinstance(type_, sa.SmallInteger) else 64 if isinstance(type_, sa.BigInteger) else 32
    return WholeNumber(2 ** (bits - 1))


def encode_cursor(spec: Spec, values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, dt.date) else str(v) if isinstance(v, uuid.UUID) else v
             for v in values]  # a datetime is a date too
    raw = json.dumps({"k": [name for name, _ in spec], "v": plain}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, spec: Spec) -> list[Any]:
    """The sort values in ``token``, checked against ``spec``; anything else is a :class:`BadCursor`."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if raw["k"] != [name for name, _ in spec] or len(raw["v"]) != len(spec):
            raise ValueError("a cursor of another list or sort order")
        return [_typed(value, kind) for value, (_, kind) in zip(raw["v"], spec)]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise BadCursor("the cursor is not valid for this list", {"cursor": ["Invalid cursor."]}) from None


def _typed(value: Any, kind: type) -> Any:
    if isinstance(kind, WholeNumber):  # a count or a score, kept as a JSON number
        if type(value) is int and -kind.limit <= value < kind.limit:
            return value
        raise ValueError("a number out of the column's range")
    if not isinstance(value, str):
        raise TypeError
    if kind is dt.datetime:
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive datetime in cursor")
        return parsed.astimezone(dt.timezone.utc)
    if kind is dt.date:  # a due day
        return dt.date.fromisoformat(value)
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is str and "\x00" not in value:
        return value
    raise TypeError


def after(columns: Sequence[sa.ColumnElement], values: Sequence[Any], descending: bool) -> sa.ColumnElement:
    """``(c1, c2) > (v1, v2)`` (or ``<``) as a row-value comparison, which PostgreSQL can use as an
    index condition (an OR-expanded form is only a filter) and SQLite supports since 3.15."""
    left = sa.tuple_(*columns)
    right = sa.tuple_(*(sa.literal(v, type_=c.type) for c, v in zip(columns, values)))
    return left < right if descending else left > right


def paginate(stmt: sa.Select, session, columns: Sequence[sa.ColumnElement], *, descending: bool,
             cursor: str | None, limit: int, as_dicts: bool = False) -> Page:
    """Run ``stmt`` ordered by ``columns`` after ``cursor``.

    ``stmt`` selects one entity (the page holds instances) or, with ``as_dicts``, columns (the page
    holds one dict per row, keyed by column name: no identity map or change tracking, for
    read-only lists). ``columns`` are among what it selects.
    """
    spec = spec_of(columns)
    if cursor:
        stmt = stmt.where(after(columns, decode_cursor(cursor, spec), descending))
    order = [c.desc() if descending else c.asc() for c in columns]
    result = session.execute(stmt.order_by(*order).limit(limit + 1))
    if as_dicts:
        keys = tuple(result.keys())
        rows, value = [dict(zip(keys, row)) for row in result], dict.__getitem__
    else:
        rows, value = result.scalars().all(), getattr
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit and items:
        next_cursor = encode_cursor(spec, [value(items[-1], c.key) for c in columns])
    return Page(items, next_cursor)

