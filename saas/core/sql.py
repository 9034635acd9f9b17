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
