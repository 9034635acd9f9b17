"""Stored responses for ``Idempotency-Key``: a retried POST gets the first answer back.

The answer is kept sealed (:mod:`saas.core.secretbox`): some carry a secret shown this once (a
new webhook endpoint's signing secret, a new inbound secret), and a replay must give it back to
the client whose first answer was lost, so it is kept whole, encrypted, rather than without it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantScoped, db
from saas.core.secretbox import SEALED, open_sealed, seal
from saas.core.types import UTCDateTime, utcnow


class IdempotencyRecord(TenantScoped, db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "key"),)

    key: Mapped[str] = mapped_column(sa.String(255))
    method: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.String(500))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int | None] = mapped_column(sa.Integer)
    response_body: Mapped[str | None] = mapped_column(sa.Text, info={SEALED: True})  # sealed: use body
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def body(self) -> str | None:
        return open_sealed(self.response_body)

    @body.setter
    def body(self, value: str | None) -> None:
        self.response_body = seal(value)
