"""The tenancy mechanism: which tenant a unit of work belongs to, enforced in two places.

1. The ORM: every SELECT/UPDATE/DELETE that touches a :class:`TenantOwned` model gets
   ``tenant_id = <current>`` added (``do_orm_execute`` + ``with_loader_criteria``); a query of a
   tenant model with no tenant bound raises instead of returning everyone's rows. INSERTs are not
   covered by that filter, so a ``before_flush`` guard sets or checks ``tenant_id`` on new rows,
   and ORM bulk INSERT/UPDATE statements are stamped or checked as they execute. Core statements
   on bare tables and ``text()`` bypass the ORM: there only row-level security holds.
2. PostgreSQL: row-level security policies read ``app.tenant_id``, which we set with
   ``set_config(..., true)`` (transaction-local: a session-level SET would leak to the next user of
   a pooled connection) before the first statement that runs under a new tenant binding.

The tenant comes from the authenticated principal only; see :mod:`saas.auth`.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from contextvars import ContextVar
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.default import StrCompileDialect
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from saas.core.accounts import Tenant
from saas.core.db import TenantOwned, db
from saas.core.errors import NotFound
from saas.core.sql import generated_id

_tenant: ContextVar[uuid.UUID | None] = ContextVar("saas_tenant", default=None)
# Narrow, explicit holes for the few global look-ups (an API key by its prefix, a user's
# memberships at login). Each names the database setting its RLS policy reads.
_lookups: ContextVar[dict[str, str]] = ContextVar("saas_rls_lookups", default={})


class TenantScopeError(RuntimeError):
    """A tenant-owned table was queried or written without (or against) the bound tenant."""


def current_tenant_id() -> uuid.UUID | None:
    return _tenant.get()


@contextlib.contextmanager
def tenant_context(tenant_id: uuid.UUID) -> Iterator[None]:
    """Run the block as ``tenant_id``: queries are filtered, inserts are stamped, RLS is set."""
    token = _tenant.set(tenant_id)
    try:
        yield
    finally:
        _tenant.reset(token)


def current_tenant():
    """The bound tenant's :class:`~saas.core.accounts.Tenant` (from the session's identity map
    once loaded)."""
    return db.session.get(Tenant, _bound("the current tenant"))


def get_owned(model: type[TenantOwned], id_: uuid.UUID, missing: str, *, for_update: bool = False):
    """The bound tenant's ``model`` row with id ``id_``, or :class:`~saas.core.errors.NotFound`
    (``missing``, e.g. "tag not found"): another tenant's row is not found, exactly like one that
    does not exist."""
    row = db.session.get(model, (_bound(missing), id_), with_for_update=for_update or None)
    if row is None:
        raise NotFound(missing)
    return row


def _bound(what: str) -> uuid.UUID:
    tenant = _tenant.get()
    if tenant is None:
        raise TenantScopeError(f"{what}: no tenant bound")
    return tenant


def bind_tenant(tenant_id: uuid.UUID) -> object:
    """Bind the tenant for the rest of a request; returns a token for :func:`unbind_tenant`."""
    return _tenant.set(tenant_id)


def unbind_tenant(token) -> None:
    _tenant.reset(token)


@contextlib.contextmanager
def global_lookup(**settings: str) -> Iterator[None]:
    """Allow one cross-tenant look-up, e.g. ``global_lookup(key_prefix="abc")``.

    The ORM filter is lifted for the block; on PostgreSQL the matching RLS policy
    (``app.key_prefix``, ``app.user_id``) still admits only the rows named by the setting.
    """
    token = _lookups.set(dict(settings))
    try:
        yield
    finally:
        _lookups.reset(token)


# -- PostgreSQL settings ---------------------------------------------------------------------
# The settings that the RLS policies read are written just before a statement runs, when the
# transaction's current ones differ from the context's: one round trip for a request that binds
# a tenant, none for a statement that needs no change. ``set_config(..., true)`` lasts until the
# transaction (or the savepoint it ran in) ends, so every begin, commit and rollback forgets them.

_SET_CONFIG = (
    "SELECT set_config('app.tenant_id', %s, true),"
    " set_config('app.key_prefix', %s, true),"
    " set_config('app.user_id', %s, true)"
)
_APPLIED = "retain.rls_settings"
# Savepoint commands run in a failed transaction too, where nothing else may run before them.
_SAVEPOINT_COMMANDS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def _wanted() -> tuple[str, str, str]:
    tenant = _tenant.get()
    lookups = _lookups.get()
    return str(tenant) if tenant else "", lookups.get("key_prefix", ""), lookups.get("user_id", "")


@event.listens_for(Engine, "before_cursor_execute")
def _apply_settings(conn: sa.Connection, cursor, statement, parameters, context, executemany) -> None:
    if conn.dialect.name != "postgresql" or statement.startswith(_SAVEPOINT_COMMANDS):
        return
    wanted = _wanted()
    if conn.info.get(_APPLIED) != wanted:
        # On a cursor of its own: the statement's may be a server-side one (stream_results,
        # yield_per), which would only declare the set_config and never run it.
        with conn.connection.cursor() as settings:
            settings.execute(_SET_CONFIG, wanted)
        conn.info[_APPLIED] = wanted


@event.listens_for(Engine, "begin")
@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
@event.listens_for(Engine, "rollback_savepoint")
def _forget_settings(conn: sa.Connection, *args) -> None:
    if conn.invalidated:  # its server went away: the pool clears the info of the connection made anew, and
        return            # asking for it here would raise instead of the rollback ending the transaction
    conn.info.pop(_APPLIED, None)


def _touches_tenant_models(state: ORMExecuteState) -> bool:
    return any(issubclass(m.class_, TenantOwned) for m in state.all_mappers)


@event.listens_for(Session, "do_orm_execute")
def _scope_queries(state: ORMExecuteState) -> None:
    if _lookups.get():
        return
    tenant = _tenant.get()
    if tenant is None or state.is_insert or state.is_update:
        # Working out which models a statement touches costs more than the criteria option
        # itself, so it is done only where it decides something.
        if not _touches_tenant_models(state):
            return
        if tenant is None:
            raise TenantScopeError("query of a tenant-owned model with no tenant bound")
        _guard_bulk_values(state, tenant)
        if state.is_insert:
            return
    state.statement = scoped(state.statement, tenant)


def scoped(statement, tenant: uuid.UUID | None = None):
    """``statement`` with the tenant's criteria on every tenant-owned entity it names (the bound
    tenant's, unless ``tenant``). Set-based SQL scopes its own subqueries with it: a Core
    ``INSERT ... SELECT`` into a table that no model maps passes no ORM filter."""
    if tenant is None:
        tenant = _bound("a tenant-scoped statement")
    # The criteria only affect TenantOwned mappers; on any other statement they are inert.
    statement = statement.options(
        with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant, include_aliases=True)
    )
    if isinstance(statement, sa.Select):
        # The criteria miss a table that a SELECT names only inside a compound WHERE (say
        # ``select(func.count()).where(and_(Customer.a, Customer.b))``): SQLAlchemy looks for
        # entities on the surface of each WHERE term. Each tenant table (or alias of one) in the
        # FROM list, joined ones too, gets its filter here as well (twice is harmless; missing once
        # is a leak): the criteria do not reach a SELECT nested in a Core statement (the
        # recompute's ``INSERT INTO fresh SELECT ... FROM customers LEFT JOIN ...``).
        tables = _tenant_tables()
        bare = [f for f in _filterable(_final_froms(statement))
                if f in tables or getattr(f, "element", None) in tables]
        if bare:
            statement = statement.where(*(f.c.tenant_id == tenant for f in bare))
    return statement


def _final_froms(statement: sa.Select) -> list:
    """``statement.get_final_froms()`` without compiling the statement to a string: SQLAlchemy's
    method builds its compile state with a default compiler given the statement, which renders the
    whole SELECT (about three quarters of its cost) only to throw the text away. A compiler given
    no statement renders nothing; the compile state, and so the FROM list, is the same."""
    dialect = _STR_DIALECT
    return statement._compile_state_factory(statement, dialect.statement_compiler(dialect, None))._get_display_froms()


_STR_DIALECT = StrCompileDialect()


def _filterable(froms) -> Iterator:
    """The tables (or aliases) of a FROM list whose rows a WHERE term may filter: both sides of an
    inner join, only the preserved side of an outer one (a filter on the other would drop the rows
    that found no match)."""
    for item in froms:
        if isinstance(item, sa.Join):
            yield from _filterable([item.left] if item.isouter else [item.left, item.right])
        else:
            yield item


@functools.cache
def _tenant_tables() -> frozenset:
    return frozenset(mapper.local_table for mapper in db.Model.registry.mappers
                     if issubclass(mapper.class_, TenantOwned))


def _guard_bulk_values(state: ORMExecuteState, tenant: uuid.UUID) -> None:
    """ORM bulk ``insert(Model)`` / ``update(Model)`` skip ``before_flush``: stamp or check here."""
    rows = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
    for row in rows:
        if state.is_insert:
            row.setdefault("tenant_id", tenant)
        if row.get("tenant_id", tenant) != tenant:
            raise TenantScopeError("a bulk statement names another tenant")
    # UPDATE ... SET tenant_id = ... would move rows out of the tenant.
    assigned = getattr(state.statement, "_values", None) or {}
    if state.is_update and any(getattr(column, "key", column) == "tenant_id" for column in assigned):
        raise TenantScopeError("tenant_id cannot be changed")


@event.listens_for(Session, "before_flush")
def _guard_writes(session: Session, flush_context, instances) -> None:
    tenant = _tenant.get()
    for obj in session.new:
        if not isinstance(obj, TenantOwned):
            continue
        if obj.tenant_id is None:
            if tenant is None:
                raise TenantScopeError(f"new {type(obj).__name__} with no tenant bound")
            obj.tenant_id = tenant
        elif obj.tenant_id != tenant:
            raise TenantScopeError(f"new {type(obj).__name__} for another tenant")
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, TenantOwned) and obj.tenant_id != tenant:
            raise TenantScopeError(f"change to {type(obj).__name__} outside its tenant")


def insert_many(model: type[TenantOwned], rows: list[dict]) -> None:
    """INSERT ``rows`` (dicts with the same keys) of a tenant model for the bound tenant, as one
    executemany (psycopg pipelines it), where the ORM's bulk insert sends them one round trip each.
    The rows are stamped here, as the ORM guard would (and RLS checks them on PostgreSQL)."""
    tenant = _tenant.get()
    if tenant is None:
        raise TenantScopeError(f"new {model.__name__} rows with no tenant bound")
    if any(row.get("tenant_id", tenant) != tenant for row in rows):
        raise TenantScopeError(f"new {model.__name__} rows for another tenant")
    if rows:
        db.session.execute(model.__table__.insert(), [{**row, "tenant_id": tenant} for row in rows])


def insert_from(model: type[TenantOwned], rows: sa.Select, returning: sa.Column | None = None) -> sa.Result:
    """``INSERT INTO <model> SELECT ...`` for the bound tenant: each of ``rows``' labelled columns
    fills the model's column of that name; the tenant is stamped and each row gets a new
    :class:`~saas.core.sql.generated_id`. Set-based work (a recompute's history) writes its rows this
    way, without bringing them into Python. The tenant filter is added to ``rows``' own FROM list
    (the ORM's listener does not look inside an INSERT); a subquery in it must carry its own."""
    tenant = _tenant.get()
    if tenant is None:
        raise TenantScopeError(f"new {model.__name__} rows with no tenant bound")
    source = scoped(rows, tenant).subquery()  # the ORM's filter does not look inside an INSERT
    stmt = model.__table__.insert().from_select(
        ["tenant_id", "id", *source.c.keys()],
        sa.select(sa.literal(tenant, sa.Uuid()), generated_id(), *source.c))
    if returning is not None:
        stmt = stmt.returning(returning)
    return db.session.execute(stmt.execution_options(preserve_rowcount=True))  # an INSERT's is kept on request
