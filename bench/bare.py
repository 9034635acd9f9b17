"""The bare floor: the same customer page with Flask and psycopg only.

No authentication, ORM, schemas, tenancy machinery or row-level security: the tenant comes from
the environment, the database role has BYPASSRLS and ``tenant_id`` is filtered by hand. The SQL
has the shape of Retain's (tenant filter, deleted rows hidden, the tag filter as an ``IN``
sub-select, keyset on ``(created_at, id)`` descending as a row-value comparison, ``limit + 1``
rows) with each row's tag names gathered in the same statement and its tier and stage joined from
``customer_figures``, and the JSON is Retain's (same keys and values, same ``next_cursor``, Flask's
JSON provider). ``python -m bench`` checks it before loading either app, and the test suite runs
that check (``tests/test_benchmarks.py``), so a field added to the customer fails it.
One psycopg connection per worker process, in autocommit: one round trip per page.

Served by ``gunicorn bench.bare:app`` with ``BENCH_BARE_DSN`` and ``BENCH_TENANT_ID`` set.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import uuid
from typing import Any

import psycopg
from flask import Flask, abort, jsonify, request
from psycopg.rows import dict_row

app = Flask(__name__)
TENANT = uuid.UUID(os.environ["BENCH_TENANT_ID"])
DSN = os.environ["BENCH_BARE_DSN"]

COLUMNS = ("id", "name", "external_id", "kind", "company", "title", "industry", "region", "address", "email",
           "phone", "social", "birthday", "source", "owner_id", "team", "preferences", "notes", "custom_fields",
           "version", "created_at", "updated_at", "deleted_at", "merged_into_id")
FIGURES = ("tier", "lifecycle_stage")  # from the customer's figures row, as Retain's list joins it
SELECT = (
    "SELECT " + ", ".join(f"c.{c}" for c in COLUMNS) + ", " + ", ".join(f"f.{c}" for c in FIGURES) + ","
    " ARRAY(SELECT t.name FROM customer_tags ct JOIN tags t ON t.tenant_id = ct.tenant_id AND t.id = ct.tag_id"
    "       WHERE ct.tenant_id = c.tenant_id AND ct.customer_id = c.id ORDER BY t.name) AS tags"
    " FROM customers c LEFT JOIN customer_figures f ON f.tenant_id = c.tenant_id AND f.customer_id = c.id"
    " WHERE c.tenant_id = %(tenant)s AND c.deleted_at IS NULL"
)
TAG_FILTER = (
    " AND c.id IN (SELECT ct.customer_id FROM customer_tags ct"
    " JOIN tags t ON t.tenant_id = ct.tenant_id AND t.id = ct.tag_id"
    " WHERE ct.tenant_id = %(tenant)s AND t.name = %(tag)s)"
)
AFTER = " AND (c.created_at, c.id) < (%(at)s, %(id)s)"
ORDER = " ORDER BY c.created_at DESC, c.id DESC LIMIT %(limit)s"

# Retain's cursor is opaque: the bare app reads the timestamp and id out of the one it is sent and
# writes the next in the same JSON shape, so it follows Retain's format without importing it.
# Without a cursor (a first page) it writes this shape.
FIRST_CURSOR = {"k": ["created_at", "id"], "v": ["<at>", "<id>"]}

_connection: psycopg.Connection | None = None


def connection() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(DSN, autocommit=True, row_factory=dict_row)
    return _connection


def _walk(node: Any, change) -> Any:
    if isinstance(node, dict):
        return {key: _walk(value, change) for key, value in node.items()}
    if isinstance(node, list):
        return [_walk(value, change) for value in node]
    return change(node)


def decode_cursor(token: str) -> tuple[Any, str, str]:
    """``(the token's JSON, the timestamp in it, the id in it)``; a token without both is a 400."""
    found = {}

    def note(value):
        if isinstance(value, str) and len(value) == 36 and value.count("-") == 4:
            uuid.UUID(value)
            found["id"] = value
        elif isinstance(value, str) and value[:1].isdigit():
            dt.datetime.fromisoformat(value)
            found["at"] = value
        return value

    try:
        shape = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        _walk(shape, note)
        return shape, found["at"], found["id"]
    except (ValueError, TypeError, KeyError):
        abort(400)


def encode_cursor(shape: Any, old: tuple[str, str], created_at: dt.datetime, id_: uuid.UUID) -> str:
    """The next token in the shape of the one received, with the last row's timestamp and id."""
    new = {old[0]: created_at.isoformat(), old[1]: str(id_)}
    raw = json.dumps(_walk(shape, lambda v: new.get(v, v)), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _iso(value):
    return None if value is None else value.isoformat()


def _item(row: dict) -> dict:
    return {
        **row,
        "id": str(row["id"]),
        "owner_id": None if row["owner_id"] is None else str(row["owner_id"]),
        "merged_into_id": None if row["merged_into_id"] is None else str(row["merged_into_id"]),
        "birthday": _iso(row["birthday"]),
        "created_at": row["created_at"].astimezone(dt.timezone.utc).isoformat(),
        "updated_at": row["updated_at"].astimezone(dt.timezone.utc).isoformat(),
        "deleted_at": _iso(row["deleted_at"] and row["deleted_at"].astimezone(dt.timezone.utc)),
    }


@app.get("/api/v1/customers")
def customers():
    limit = min(max(request.args.get("limit", 50, type=int), 1), 200)
    params = {"tenant": TENANT, "limit": limit + 1}
    sql = SELECT
    if tag := request.args.get("tag"):
        sql += TAG_FILTER
        params["tag"] = tag
    shape, old = FIRST_CURSOR, (FIRST_CURSOR["v"][0], FIRST_CURSOR["v"][1])
    if cursor := request.args.get("cursor"):
        sql += AFTER
        shape, at, id_ = decode_cursor(cursor)
        old = (at, id_)
        params["at"], params["id"] = dt.datetime.fromisoformat(at), uuid.UUID(id_)
    rows = connection().execute(sql + ORDER, params).fetchall()
    items = [_item(r) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(shape, old, last["created_at"].astimezone(dt.timezone.utc), last["id"])
    return jsonify({"items": items, "next_cursor": next_cursor})
