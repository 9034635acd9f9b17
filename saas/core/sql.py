"""SQL constructs that SQLAlchemy does not offer portably, compiled for PostgreSQL and SQLite."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class StringList(TypeDecorator):
    """A list of strings read from SQL: ``text[]`` on PostgreSQL, a JSON array on SQLite."""

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(sa.String))
        return dialect.type_descriptor(sa.JSON())


class strings_of(FunctionElement):
    """The values of a one-column, usually correlated, subquery as a list, in the subquery's order.

    ``strings_of(select(Tag.name).where(...).order_by(Tag.name))`` gathers each row's tag names in
    the same statement as the rows: ``ARRAY(SELECT ...)`` on PostgreSQL, ``json_group_array``
    over the ordered subquery on SQLite (which feeds an aggregate in its subquery's order).
    """

    type = StringList()
    inherit_cache = True
    name = "strings_of"

    def __init__(self, select: sa.Select):
        (column,) = select.selected_columns
        super().__init__(select.with_only_columns(column.label("value")).scalar_subquery())


@compiles(strings_of, "postgresql")
def _strings_of_postgresql(element, compiler, **kw):
    (subquery,) = element.clauses.clauses
    return f"ARRAY({compiler.process(subquery.element, asfrom=False, **kw)})"


@compiles(strings_of)
def _strings_of_default(element, compiler, **kw):
    (subquery,) = element.clauses.clauses
    inner = compiler.process(subquery.element, asfrom=False, **kw)
    return f"(SELECT json_group_array(value) FROM ({inner}))"


# -- values made in the database, for set-based writes (``INSERT ... SELECT``) ---------------------

class generated_id(FunctionElement):
    """A new time-ordered UUIDv7 per row, like :func:`saas.core.types.new_id` but made in SQL.

    PostgreSQL 15 has no ``uuidv7()``: a random v4 gets the Unix milliseconds in its first six
    bytes and its version bits turned from 0100 to 0111. SQLite builds the 32 hex digits SQLAlchemy
    stores a UUID as.
    """

    type = sa.Uuid()
    inherit_cache = True
    name = "generated_id"


@compiles(generated_id, "postgresql")
def _generated_id_postgresql(element, compiler, **kw):
    return ("encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send("
            "floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1),"
            " 'hex')::uuid")


@compiles(generated_id)
def _generated_id_default(element, compiler, **kw):
    return ("lower(printf('%012x', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) || '7'"
            " || substr(hex(randomblob(2)), 2) || substr('89ab', 1 + (random() & 3), 1)"
            " || substr(hex(randomblob(8)), 2))")


class uuid_text(FunctionElement):
    """A UUID column as its canonical text (``0190a1b2-...``), as JSON and the API write it.

    A column (or a bound value), not an expression made afresh each time it is evaluated: SQLite
    reads its argument once per group of hex digits."""

    type = sa.String()
    inherit_cache = True
    name = "uuid_text"


@compiles(uuid_text, "postgresql")
def _uuid_text_postgresql(element, compiler, **kw):
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(uuid_text)
def _uuid_text_default(element, compiler, **kw):
    value = compiler.process(element.clauses, **kw)
    parts = (f"substr({value}, {start}, {length})" for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12)))
    dash = " || '-' || "
    return f"lower({dash.join(parts)})"


class money_text(FunctionElement):
    """An amount kept in cents (:func:`saas.core.types.Money`) as text: ``1234567`` gives
    ``12,345.67``, as Python's ``f"{amount:,.2f}"`` does (amounts are never negative here)."""

    type = sa.String()
    inherit_cache = True
    name = "money_text"


@compiles(money_text, "postgresql")
def _money_text_postgresql(element, compiler, **kw):
    cents = compiler.process(element.clauses, **kw)
    return f"to_char(CAST({cents} AS numeric) / 100, 'FM9,999,999,999,999,999,990.00')"


@compiles(money_text)
def _money_text_default(element, compiler, **kw):
    cents = compiler.process(element.clauses, **kw)
    return f"printf('%,d.%02d', ({cents}) / 100, ({cents}) % 100)"


class whole_days(FunctionElement):
    """``whole_days(later, earlier)``: the whole days between two timestamps, as Python's
    ``(later - earlier).days`` counts them (for ``later >= earlier``)."""

    type = sa.Integer()
    inherit_cache = True
    name = "whole_days"


@compiles(whole_days, "postgresql")
def _whole_days_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(floor(extract(epoch FROM ({later} - {earlier})) / 86400) AS INTEGER)"


@compiles(whole_days)
def _whole_days_default(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff': days between the dates, less one if the later
    # time of day is earlier (exact, where julianday's double is not at a day's last microsecond)
    return (f"(CAST(julianday(substr({later}, 1, 10)) - julianday(substr({earlier}, 1, 10)) AS INTEGER)"
            f" - (substr({later}, 12) < substr({earlier}, 12)))")


class json_object(FunctionElement):
    """``json_object(key, value, key, value...)``: a JSON object built in SQL (UUIDs go as
    :class:`uuid_text`)."""

    type = sa.JSON()
    inherit_cache = True
    name = "json_object"


@compiles(json_object, "postgresql")
def _json_object_postgresql(element, compiler, **kw):
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object)
def _json_object_default(element, compiler, **kw):
    return f"json_object({compiler.process(element.clauses, **kw)})"


def contains(column, text: str) -> sa.ColumnElement:
    """``column`` holds ``text`` anywhere, case-insensitively, with ``%``, ``_`` and ``\\`` in
    ``text`` taken literally (a search box, not a LIKE pattern)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")
