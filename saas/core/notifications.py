"""In-app notifications: one function, :func:`notify`, that the core and every module call to tell
a person, or everyone of a role, in the bound workspace; each recipient gets a row of their own,
read (or not) on their own.

A notification is shown in its reader's language, which need not be the writer's: the core writes
a message of Retain's catalogue, marked with :func:`N_`, and its ``params``, and the pages and the
digest translate it when they show it (:func:`shown`; the API, which speaks English, formats it).
A module's text (no ``params``) is shown as written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.accounts import Membership, Role
from saas.core.db import TenantScoped, db, tenant_fk
from saas.core.pagination import Page, paginate
from saas.core.tenancy import current_tenant_id
from saas.core.types import UTCDateTime, utcnow


class Notification(TenantScoped, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        tenant_fk(["user_id"], "memberships.user_id", ondelete="CASCADE"),
        sa.Index("ix_notifications_tenant_user_created", "tenant_id", "user_id", "created_at", "id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)  # the recipient, a member of the workspace
    kind: Mapped[str] = mapped_column(sa.String(80))  # "<module>.<what>", or the core's "core.<what>"
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.String(2000), default="")
    link: Mapped[str | None] = mapped_column(sa.String(500))  # a path on this site
    # None: title and body as written; a dict: they are messages of the catalogue, formatted with it
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def notify(recipients: Iterable[uuid.UUID | Role], title: str, body: str = "", *, link: str | None = None,
           kind: str = "core.notice", params: dict | None = None) -> int:
    """Notify members of the bound workspace: each of ``recipients`` is a member's user id or a
    :class:`Role` (every active member holding it). Returns how many people were notified; a
    person named twice (by id and by role) is notified once. With ``params`` (JSON values),
    ``title`` and ``body`` are messages marked with :func:`N_`, translated and formatted with them
    for each reader."""
    wanted = list(recipients)
    roles = [r for r in wanted if isinstance(r, Role)]
    users = [r for r in wanted if not isinstance(r, Role)]
    if link is not None and (not link.startswith("/") or link.startswith("//")):
        raise ValueError(f"a notification links to a path on this site, not {link!r}")
    found = db.session.scalars(sa.select(Membership.user_id).where(
        Membership.status == "active",
        sa.or_(Membership.role.in_(roles), Membership.user_id.in_(users)))).all() if wanted else []
    now = utcnow()
    db.session.add_all(Notification(user_id=user_id, kind=kind, title=title[:200], body=body[:2000], link=link,
                                    params=params, created_at=now) for user_id in dict.fromkeys(found))
    db.session.flush()
    return len(set(found))


def shown(note: Notification, gettext: Callable[..., str]) -> tuple[str, str]:
    """``note``'s title and body for its reader: with ``params``, translated by ``gettext`` (Flask-
    Babel's, in the reader's language) and formatted; else as written."""
    if note.params is None:
        return note.title, note.body
    return gettext(note.title, **note.params), gettext(note.body, **note.params) if note.body else ""


def unread_count(user_id: uuid.UUID) -> int:
    """How many of ``user_id``'s notifications are unread: one query, on the table (the ORM's work
    per statement would cost more than the count), which :mod:`saas.core.tenancy` scopes like an
    ORM query."""
    return db.session.scalar(unread_count_of(user_id))


def unread_count_of(user_id: uuid.UUID, tenant_id: uuid.UUID | None = None) -> sa.Select:
    """The count of :func:`unread_count` as a statement, to be read beside others (every page's
    header reads it with the person's workspaces); ``tenant_id`` names the workspace where the
    tenancy filter does not (inside another statement)."""
    table = Notification.__table__
    statement = sa.select(sa.func.count()).select_from(table).where(table.c.user_id == user_id, table.c.read_at.is_(None))
    return statement if tenant_id is None else statement.where(table.c.tenant_id == tenant_id)


def of(user_id: uuid.UUID, *, cursor: str | None, limit: int, unread: bool = False) -> Page:
    """``user_id``'s notifications (only the unread ones with ``unread``), newest first, a page at
    a time."""
    stmt = sa.select(Notification).where(Notification.user_id == user_id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    return paginate(stmt, db.session, [Notification.created_at, Notification.id], descending=True,
                    cursor=cursor, limit=limit)


def get(user_id: uuid.UUID, notification_id: uuid.UUID) -> Notification | None:
    """One of ``user_id``'s notifications (another person's, or another workspace's, is None)."""
    return db.session.scalar(sa.select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id))


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_all_read(user_id: uuid.UUID) -> int:
    """Mark every unread notification of ``user_id`` read; returns how many were."""
    return db.session.execute(sa.update(Notification).where(
        Notification.tenant_id == current_tenant_id(), Notification.user_id == user_id,
        Notification.read_at.is_(None)).values(read_at=utcnow())).rowcount
