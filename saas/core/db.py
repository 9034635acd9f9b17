"""The SQLAlchemy handle and the declarative base shared by the core and plugins."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from saas.core.types import UTCDateTime, new_id, utcnow


def _constraint_name(constraint, table) -> str:
    """The ``%(constraint_name)s`` of a check constraint's name: its own short name (``not_self``),
    and a name that carries the prefix already (``ck_<table>_not_self``, as a hand-written migration
    copies it from the model's comment or the database) is not prefixed twice."""
    if constraint.name is None:
        raise sa.exc.InvalidRequestError(f"a check constraint of {table.name} needs a name (name='...')")
    return str(constraint.name).removeprefix(f"ck_{table.name}_")


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "constraint_name": _constraint_name,  # used by "ck" alone
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class TenantOwned:
    """Mixin for every tenant-owned table: ``tenant_id`` is the first column of its primary key.

    So every unique constraint and foreign key can (and must) include it, and a row can never
    point at another tenant's row. The ORM adds ``tenant_id = <current tenant>`` to every query of
    such a model (see :mod:`saas.core.tenancy`) and PostgreSQL's row-level security does the same
    in the database.
    """

    tenant_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True, sort_order=-2
    )


class TenantScoped(TenantOwned):
    """A tenant-owned entity with its own id: primary key ``(tenant_id, id)``."""

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id, sort_order=-1)


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


def tenant_fk(columns: list[str], target: str, **kw) -> sa.ForeignKeyConstraint:
    """A composite foreign key ``(tenant_id, col) -> target(tenant_id, id)``."""
    table, _, column = target.partition(".")
    return sa.ForeignKeyConstraint(
        ["tenant_id", *columns], [f"{table}.tenant_id", f"{table}.{column or 'id'}"], **kw
    )


def insert_unique(row, conflict: Exception) -> None:
    """Insert ``row`` now, in a savepoint; losing a unique-constraint race raises ``conflict``.

    A look-up before the insert gives the friendly answer in the common case; this covers two
    requests that both looked before either inserted.
    """
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except sa.exc.IntegrityError:
        raise conflict from None
