"""Webhooks: the endpoints a tenant registers, each event's delivery to each endpoint with its
attempts, and the tenant's secret for signed inbound orders."""

from __future__ import annotations

import base64
import datetime as dt
import enum
import secrets
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantOwned, TenantScoped, Timestamped, db, tenant_fk
from saas.core.secretbox import SEALED, open_sealed, seal
from saas.core.types import UTCDateTime, utcnow

SECRET_PREFIX = "whsec_"
ALL_EVENTS = "*"


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _sealed_new_secret() -> str:
    return seal(new_secret())


class RotatingSecret:
    """A signing secret that can be replaced while the previous one stays valid for a while, so
    the other side can switch without losing a message. Never audited, never listed.

    The columns hold the secrets sealed (:mod:`saas.core.secretbox`); ``secret`` and
    ``previous_secret`` open them when read, so a missing key fails where a secret is used (a
    signature made or checked), not where an endpoint is merely listed."""

    __audit_exclude__ = {"sealed_secret", "sealed_previous_secret"}

    sealed_secret: Mapped[str] = mapped_column("secret", sa.Text, default=_sealed_new_secret, info={SEALED: True})
    sealed_previous_secret: Mapped[str | None] = mapped_column("previous_secret", sa.Text, info={SEALED: True})
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def secret(self) -> str:
        if self.sealed_secret is None:  # not flushed yet: the column default has not run
            self.sealed_secret = _sealed_new_secret()
        return open_sealed(self.sealed_secret)

    @secret.setter
    def secret(self, value: str) -> None:
        self.sealed_secret = seal(value)

    @property
    def previous_secret(self) -> str | None:
        return open_sealed(self.sealed_previous_secret)

    def secrets_at(self, now: dt.datetime) -> list[str]:
        """The current secret, and during a rotation's overlap the previous one too."""
        overlapping = (self.sealed_previous_secret and self.previous_secret_expires_at
                       and now < self.previous_secret_expires_at)
        return [self.secret, self.previous_secret] if overlapping else [self.secret]

    def rotate(self, overlap: dt.timedelta) -> str:
        """A new secret; the current one stays valid for ``overlap``. Returns the new secret."""
        if self.sealed_secret is None:
            self.sealed_secret = _sealed_new_secret()
        self.sealed_previous_secret, self.previous_secret_expires_at = self.sealed_secret, utcnow() + overlap
        secret = new_secret()
        self.secret = secret
        return secret


class WebhookEndpoint(RotatingSecret, TenantScoped, Timestamped, db.Model):
    __tablename__ = "webhook_endpoints"
    __audit__ = True
    __audit_exclude__ = RotatingSecret.__audit_exclude__ | {"failing_since", "paused_until"}  # every retry moves them

    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str | None] = mapped_column(sa.String(500))
    event_types: Mapped[list] = mapped_column(sa.JSON, default=lambda: [ALL_EVENTS])
    enabled: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # backing off after a failure

    def wants(self, event_type: str) -> bool:
        return self.enabled and (ALL_EVENTS in self.event_types or event_type in self.event_types)


class DeliveryStatus(str, enum.Enum):
    pending = "pending"  # waiting for its first or next attempt
    succeeded = "succeeded"
    failed = "failed"  # out of attempts, or its endpoint was disabled


class WebhookDelivery(TenantScoped, db.Model):
    """One event to one endpoint. Its ``id`` is the ``webhook-id`` every attempt sends."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        tenant_fk(["endpoint_id"], "webhook_endpoints", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "endpoint_id", "event_id"),
        sa.Index("ix_webhook_deliveries_log", "tenant_id", "endpoint_id", "created_at", "id"),
        # the pending ones in sending order: a sender's claim reads only the batch it takes (and
        # the next due time and the sweep read only pending ones)
        sa.Index("ix_webhook_deliveries_queue", "tenant_id", "endpoint_id", "created_at", "id",
                 postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'")),
    )

    endpoint_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    event_type: Mapped[str] = mapped_column(sa.String(100))
    payload: Mapped[str] = mapped_column(sa.Text)  # the exact body every attempt signs and sends
    status: Mapped[DeliveryStatus] = mapped_column(sa.Enum(DeliveryStatus, native_enum=False, length=20),
                                                   default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # a sender's lease
    last_status_code: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    last_duration_ms: Mapped[int | None] = mapped_column(sa.Integer)
    # Every attempt, oldest first: {"attempted_at", "status_code", "duration_ms", "error"}. In the row,
    # not a table of its own: a batch's outcomes are then one UPDATE (eight attempts at most, and
    # manual redeliveries).
    attempt_log: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class InboundSecret(RotatingSecret, TenantScoped, Timestamped, db.Model):
    """The secret a tenant's shops and ERPs sign inbound orders with (one per tenant)."""

    __tablename__ = "inbound_secrets"
    __audit__ = True
    __table_args__ = (sa.UniqueConstraint("tenant_id"),)


class InboundMessage(TenantOwned, db.Model):
    """An inbound order already handled, by its ``webhook-id``: a replay answers as the first did."""

    __tablename__ = "inbound_messages"

    webhook_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    purchase_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
