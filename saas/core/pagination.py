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


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(values: Sequence[Any]) -> str:
    def plain(v):
        if isinstance(v, dt.datetime):
            return {"t": v.isoformat()}
        if isinstance(v, uuid.UUID):
            return {"u": str(v)}
        return v

    raw = json.dumps([plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, arity: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != arity:
            raise ValueError
        return [_typed(v) for v in values]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadCursor("the cursor is not valid for this list", {"cursor": ["Invalid cursor."]}) from None


def _typed(value):
    if isinstance(value, dict) and len(value) == 1:
        (kind, v), = value.items()
        if kind == "t":
            parsed = dt.datetime.fromisoformat(v)
            if parsed.tzinfo is None:
                raise ValueError
            return parsed
        if kind == "u":
            return uuid.UUID(v)
        raise ValueError
    if isinstance(value, (str, int, float)) or value is None:
        return value
    raise ValueError


def after(columns: Sequence[sa.ColumnElement], values: Sequence[Any], descending: bool) -> sa.ColumnElement:
    """``(c1, c2, ...) > (v1, v2, ...)`` (or ``<``), spelled out so SQLite and PostgreSQL agree."""
    op = (lambda c, v: c < v) if descending else (lambda c, v: c > v)
    clause = None
    for i in reversed(range(len(columns))):
        step = op(columns[i], values[i])
        clause = step if clause is None else sa.or_(step, sa.and_(columns[i] == values[i], clause))
    return clause


def paginate(stmt: sa.Select, session, columns: Sequence[sa.ColumnElement], *, descending: bool,
             cursor: str | None, limit: int, key=None) -> Page:
    """Run ``stmt`` ordered by ``columns`` after ``cursor``; ``key(row)`` gives a row's sort values."""
    if cursor:
        stmt = stmt.where(after(columns, decode_cursor(cursor, len(columns)), descending))
    order = [c.desc() if descending else c.asc() for c in columns]
    rows = session.scalars(stmt.order_by(*order).limit(limit + 1)).all()
    items = list(rows[:limit])
    next_cursor = None
    if len(rows) > limit and items:
        next_cursor = encode_cursor(key(items[-1]))
    return Page(items, next_cursor)
