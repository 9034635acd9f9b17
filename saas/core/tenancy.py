"""The tenancy mechanism: which tenant a unit of work belongs to, enforced in two places.

1. The ORM: every SELECT/UPDATE/DELETE that touches a :class:`TenantOwned` model gets
   ``tenant_id = <current>`` added (``do_orm_execute`` + ``with_loader_criteria``); a query of a
   tenant model with no tenant bound raises instead of returning everyone's rows. INSERTs are not
   covered by that filter, so a ``before_flush`` guard sets or checks ``tenant_id`` on new rows,
   and ORM bulk INSERT/UPDATE statements are stamped or checked as they execute. Core statements
   on bare tables and ``text()`` bypass the ORM: there only row-level security holds.
2. PostgreSQL: row-level security policies read ``app.tenant_id``, which we set with
   ``set_config(..., true)`` (transaction-local: a session-level SET would leak to the next user of
   a pooled connection) at the start of every transaction and whenever the tenant is bound.

The tenant comes from the authenticated principal only; see :mod:`saas.auth`.
"""

from __future__ import annotations

import contextlib
import uuid
from contextvars import ContextVar
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, scoped_session, with_loader_criteria

from saas.core.db import TenantOwned

_tenant: ContextVar[uuid.UUID | None] = ContextVar("saas_tenant", default=None)
# Narrow, explicit holes for the few global look-ups (an API key by its prefix, a user's
# memberships at login). Each names the database setting its RLS policy reads.
_lookups: ContextVar[dict[str, str]] = ContextVar("saas_rls_lookups", default={})


class TenantScopeError(RuntimeError):
    """A tenant-owned table was queried or written without (or against) the bound tenant."""


def current_tenant_id() -> uuid.UUID | None:
    return _tenant.get()


@contextlib.contextmanager
def tenant_context(tenant_id: uuid.UUID, session: Session | None = None) -> Iterator[None]:
    """Run the block as ``tenant_id``: queries are filtered, inserts are stamped, RLS is set."""
    token = _tenant.set(tenant_id)
    if session is not None:
        apply_database_settings(session)
    try:
        yield
    finally:
        _tenant.reset(token)
        if session is not None:
            _restore_settings(session)


def bind_tenant(tenant_id: uuid.UUID, session: Session) -> object:
    """Bind the tenant for the rest of a request; returns a token for :func:`unbind_tenant`."""
    token = _tenant.set(tenant_id)
    apply_database_settings(session)
    return token


def unbind_tenant(token) -> None:
    _tenant.reset(token)


@contextlib.contextmanager
def global_lookup(session: Session, **settings: str) -> Iterator[None]:
    """Allow one cross-tenant look-up, e.g. ``global_lookup(s, key_prefix="abc")``.

    The ORM filter is lifted for the block; on PostgreSQL the matching RLS policy
    (``app.key_prefix``, ``app.user_id``) still admits only the rows named by the setting.
    """
    token = _lookups.set(dict(settings))
    apply_database_settings(session)
    try:
        yield
    finally:
        _lookups.reset(token)
        _restore_settings(session)


def _restore_settings(session: Session) -> None:
    """Put the outer settings back, unless the transaction is aborted (it runs nothing more)."""
    if not _transaction_aborted(session):
        apply_database_settings(session)


def _transaction_aborted(session: Session) -> bool:
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        return False
    info = getattr(session.connection().connection.dbapi_connection, "info", None)  # psycopg 3
    return info is not None and info.transaction_status.name == "INERROR"


_SET_CONFIG = sa.text(
    "SELECT set_config('app.tenant_id', :tenant_id, true),"
    " set_config('app.key_prefix', :key_prefix, true),"
    " set_config('app.user_id', :user_id, true)"
)


def apply_database_settings(session: Session) -> None:
    """Write the current settings into the open transaction (PostgreSQL only)."""
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction() or not session.is_active:
        return  # ``after_begin`` sets them when the next transaction starts
    _set_config(session.connection())


def _set_config(connection: sa.Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    tenant = _tenant.get()
    values = {"tenant_id": str(tenant) if tenant else "", "key_prefix": "", "user_id": ""}
    values.update(_lookups.get())
    connection.execute(_SET_CONFIG, values)


def _touches_tenant_models(state: ORMExecuteState) -> bool:
    return any(issubclass(m.class_, TenantOwned) for m in state.all_mappers)


@event.listens_for(Session, "do_orm_execute")
def _scope_queries(state: ORMExecuteState) -> None:
    if _lookups.get() or not _touches_tenant_models(state):
        return
    tenant = _tenant.get()
    if tenant is None:
        raise TenantScopeError("query of a tenant-owned model with no tenant bound")
    if state.is_insert or state.is_update:
        _guard_bulk_values(state, tenant)
    if state.is_insert:
        return
    state.statement = state.statement.options(
        with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant, include_aliases=True)
    )


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


@event.listens_for(Session, "after_begin")
def _begin(session: Session, transaction, connection: sa.Connection) -> None:
    _set_config(connection)
