"""The audit log: every create, update and delete of tenant data, recorded where it happens.

One ``after_flush`` listener sees every change the ORM writes, so no service can forget to audit.
Models opt in with ``__audit__ = True`` and may hide columns with ``__audit_exclude__``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import enum
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from saas.core.db import TenantOwned, TenantScoped, db
from saas.core.pagination import Page, paginate
from saas.core.types import UTCDateTime, new_id, utcnow

ALWAYS_EXCLUDED = {"tenant_id", "id", "version", "created_at", "updated_at"}


@dataclass(frozen=True)
class Actor:
    type: str  # "user", "api_key", "webhook" (a signed inbound delivery) or "system"
    id: str | None = None

    @property
    def label(self) -> str:
        """How events and history name the actor: ``user:<id>``, or ``system``."""
        return f"{self.type}:{self.id}" if self.id else self.type


SYSTEM = Actor("system")
_actor: ContextVar[Actor] = ContextVar("saas_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _actor.get()


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def set_actor(actor: Actor):
    """Set the actor for the rest of a request; returns a token for ``_actor.reset``."""
    return _actor.set(actor)


def reset_actor(token) -> None:
    _actor.reset(token)


class AuditEntry(TenantScoped, db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_object", "tenant_id", "object_type", "object_id"),
        sa.Index("ix_audit_log_time", "tenant_id", "created_at", "id"),
    )

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_type: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[str | None] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(20))
    object_type: Mapped[str] = mapped_column(sa.String(50))
    object_id: Mapped[str] = mapped_column(sa.String(64))
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)


def entries(*, object_type: str | None = None, object_id: str | None = None, cursor: str | None = None,
            limit: int = 50) -> Page:
    """A page of the bound tenant's audit log, newest first, optionally of one type or object."""
    stmt = sa.select(AuditEntry)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    return paginate(stmt, db.session, [AuditEntry.created_at, AuditEntry.id], descending=True, cursor=cursor,
                    limit=limit)


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _columns(obj) -> list[str]:
    excluded = ALWAYS_EXCLUDED | getattr(obj, "__audit_exclude__", set())
    return [c.key for c in inspect(obj).mapper.column_attrs if c.key not in excluded]


def _changes(obj, action: str) -> dict:
    state = inspect(obj)
    changes = {}
    for key in _columns(obj):
        history = state.attrs[key].history
        if action == "create":
            value = getattr(obj, key)
            if value not in (None, {}, []):
                changes[key] = [None, _plain(value)]
        elif action == "delete":
            changes[key] = [_plain(getattr(obj, key)), None]
        elif history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes[key] = [_plain(old), _plain(new)]
    if action == "update":
        for key, label in getattr(obj, "__audit_relationships__", {}).items():
            history = state.attrs[key].history
            if history.added or history.deleted:
                kept = [getattr(o, label) for o in history.unchanged]
                changes[key] = [sorted(kept + [getattr(o, label) for o in history.deleted]),
                                sorted(kept + [getattr(o, label) for o in history.added])]
    return changes


def _action(default: str, changes: dict) -> str:
    if default == "update" and changes.get("merged_into_id", [None, None])[1] is not None:
        return "merge"
    if default == "update" and "deleted_at" in changes:
        return "restore" if changes["deleted_at"][1] is None else "delete"
    return default


@event.listens_for(Session, "after_flush")
def _record(session: Session, flush_context) -> None:
    actor = _actor.get()
    rows = []
    for default, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not getattr(obj, "__audit__", False):
                continue
            changes = _changes(obj, default)
            if default == "update" and not changes:
                continue
            tenant_id = obj.tenant_id if isinstance(obj, TenantOwned) else obj.id
            rows.append({
                "tenant_id": tenant_id,
                "id": new_id(),
                "created_at": utcnow(),
                "actor_type": actor.type,
                "actor_id": actor.id,
                "action": _action(default, changes),
                "object_type": obj.__tablename__,
                "object_id": str(obj.id),
                "changes": changes,
            })
    if rows:
        session.connection().execute(sa.insert(AuditEntry), rows)
