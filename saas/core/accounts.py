"""Tenants, users, memberships and API keys: who may act, and in which workspace."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import re
import secrets
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saas.core.audit import current_actor
from saas.core.db import TenantScoped, Timestamped, db
from saas.core.types import UTCDateTime, new_id


class Role(str, enum.Enum):
    owner = "owner"
    admin = "admin"
    manager = "manager"
    agent = "agent"
    viewer = "viewer"


class Scope(str, enum.Enum):
    read = "read"
    write = "write"
    admin = "admin"


ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.owner: frozenset(Scope),
    Role.admin: frozenset(Scope),
    Role.manager: frozenset({Scope.read, Scope.write}),
    Role.agent: frozenset({Scope.read, Scope.write}),
    Role.viewer: frozenset({Scope.read}),
}

DEFAULT_SETTINGS = {"currency": "CNY", "timezone": "Asia/Shanghai", "locale": "zh_CN", "phone_region": "CN"}


class Tenant(Timestamped, db.Model):
    """A company's isolated workspace. Global: it *is* the tenant, not owned by one."""

    __tablename__ = "tenants"
    __audit__ = True
    __audit_exclude__ = {"modules_version"}  # the module changes are audited on tenant_modules

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    settings: Mapped[dict] = mapped_column(sa.JSON, default=lambda: dict(DEFAULT_SETTINGS))
    # Bumped with every module switch or settings change, so caches of the tenant's module
    # states (saas.core.modules) know when to reload.
    modules_version: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class User(Timestamped, db.Model):
    """A person; global, because one person may work for several tenants."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_disabled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(sa.String(10))  # the pages' language; None: the workspace's
    timezone: Mapped[str | None] = mapped_column(sa.String(64))  # an IANA name; None: the workspace's
    # a daily e-mail of what is unread, at the person's choice
    notification_digest: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    # Flask-Login's protocol, spelled out rather than inherited from a mixin.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return not self.is_disabled

    def get_id(self) -> str:
        return str(self.id)


class Membership(TenantScoped, Timestamped, db.Model):
    """A user's place in one tenant: role and team."""

    __tablename__ = "memberships"
    __audit__ = True
    __audit_exclude__ = {"digest_sent_on"}  # bookkeeping of the daily digest, not a change
    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=20))
    team: Mapped[str | None] = mapped_column(sa.String(100))
    # "invited" until the person accepts: an existing account is never put to work in a
    # workspace it did not agree to join.
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    invited_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)  # the person who added them, told of a yes
    digest_sent_on: Mapped[dt.date | None] = mapped_column(sa.Date)  # their local day of the last digest

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def scopes(self) -> frozenset[Scope]:
        return ROLE_SCOPES[self.role]


API_KEY_MARK = "rtn"


class ApiKey(TenantScoped, Timestamped, db.Model):
    """A tenant-bound API key. Only a SHA-256 of the key is stored; ``prefix`` finds the row.

    Keys look like ``rtn_<prefix>_<secret>``. The secret carries 256 bits, so a fast hash is
    enough (no password stretching needed) and keeps authentication cheap per request.
    """

    __tablename__ = "api_keys"
    __audit__ = True
    __audit_exclude__ = {"key_hash", "last_used_at"}
    __table_args__ = (sa.Index("ix_api_keys_prefix", "prefix", unique=True),)

    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    scopes: Mapped[list] = mapped_column(sa.JSON)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """Return ``(key, prefix, key_hash)`` for a new key."""
        prefix = secrets.token_hex(6)
        key = f"{API_KEY_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
        return key, prefix, _digest(key)

    @staticmethod
    def parse_prefix(key: str) -> str | None:
        mark, _, rest = key.partition("_")
        prefix, _, secret = rest.partition("_")
        if mark != API_KEY_MARK or not re.fullmatch(r"[0-9a-f]{12}", prefix) or not secret:
            return None
        return prefix

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(self.key_hash, _digest(key))

    @property
    def scope_set(self) -> frozenset[Scope]:
        return frozenset(Scope(s) for s in self.scopes)


def acting_person() -> uuid.UUID | None:
    """The person behind the current actor: the signed-in user, or whoever issued the API key in
    use; None for the system or an inbound webhook."""
    actor = current_actor()
    if actor.type == "user":
        return uuid.UUID(actor.id)
    if actor.type == "api_key":
        return db.session.scalar(sa.select(ApiKey.created_by).where(ApiKey.id == uuid.UUID(actor.id)))
    return None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
