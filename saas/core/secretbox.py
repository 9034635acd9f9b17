"""Secrets at rest: values the database keeps sealed (webhook signing secrets, inbound secrets,
replayable API answers), as Fernet tokens under a :class:`~cryptography.fernet.MultiFernet`.

The keys come from ``ENCRYPTION_KEYS`` (comma-separated Fernet keys): the first seals, all of
them open, so a key is rotated by putting a new one first, running ``flask secrets reencrypt``
(which reseals every token with the first key) and then dropping the old one. A column holding a
token says so with ``info={"sealed": True}``; the re-encryption walks those columns.

A token no key opens raises :class:`UnreadableSecret`, never a wrong plaintext: a missing or
changed key shows as a clear error, not as a signature the receiver silently rejects.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid
from typing import Iterator

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from saas.core.db import db

log = logging.getLogger(__name__)

EXTENSION = "saas.secretbox"
SEALED = "sealed"  # the column info flag of a column holding tokens
DERIVATION_INFO = b"retain secrets at rest"
# makes a key where the app cannot start yet (production without ENCRYPTION_KEYS)
NEW_KEY_COMMAND = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class UnreadableSecret(RuntimeError):
    """A sealed value that no key of ``ENCRYPTION_KEYS`` opens."""


class SecretBox:
    """Seals with the first key, opens with any."""

    def __init__(self, keys: list[bytes]):
        if not keys:
            raise ValueError("no encryption key")
        self.first = Fernet(keys[0])
        self.fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, plaintext: str) -> str:
        return self.fernet.encrypt(plaintext.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self.fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise UnreadableSecret(
                "a stored secret does not decrypt with any key in ENCRYPTION_KEYS: the key that sealed it is "
                "missing (keep the old key after the new one until `flask secrets reencrypt` has run)") from None

    def sealed_with_first_key(self, token: str) -> bool:
        try:
            self.first.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def reseal(self, token: str) -> str | None:
        """The token sealed again with the first key, or None if it already is."""
        if self.sealed_with_first_key(token):
            return None
        try:
            return self.fernet.rotate(token.encode()).decode()
        except InvalidToken:
            self.open(token)  # raises UnreadableSecret
            raise


def parse_keys(value: str) -> list[bytes]:
    """``ENCRYPTION_KEYS``: Fernet keys separated by commas, the one that seals first."""
    keys = [key.strip().encode() for key in value.split(",") if key.strip()]
    for number, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(f"ENCRYPTION_KEYS: key {number} is not a Fernet key (32 url-safe base64-encoded "
                             "bytes; make one with `flask secrets new-key` or " + NEW_KEY_COMMAND + ")") from None
    return keys


def derived_key(secret_key: str) -> bytes:
    """A key derived from ``SECRET_KEY``, for debugging and tests only (HKDF-SHA256)."""
    digest = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=DERIVATION_INFO).derive(secret_key.encode())
    return base64.urlsafe_b64encode(digest)


def new_key() -> str:
    return Fernet.generate_key().decode()


def init_app(app, keys: list[bytes]) -> SecretBox:
    box = SecretBox(keys)
    app.extensions[EXTENSION] = box
    return box


def box() -> SecretBox:
    return current_app.extensions[EXTENSION]


def seal(plaintext: str | None) -> str | None:
    return None if plaintext is None else box().seal(plaintext)


def open_sealed(token: str | None) -> str | None:
    return None if token is None else box().open(token)


def fingerprint(key: bytes) -> str:
    """A short name for a key in logs and command output (never the key)."""
    return hashlib.sha256(key).hexdigest()[:8]


# -- re-encryption ------------------------------------------------------------------------------


def sealed_columns(metadata: sa.MetaData | None = None) -> Iterator[tuple[sa.Table, list[sa.Column]]]:
    """Every table with sealed columns, with those columns."""
    for table in (metadata or db.metadata).sorted_tables:
        columns = [column for column in table.columns if column.info.get(SEALED)]
        if columns:
            yield table, columns


def reseal_table(table: sa.Table, columns: list[sa.Column], *, batch_size: int,
                 tenant_id: uuid.UUID | None = None) -> int:
    """Reseal ``columns`` of ``table`` with the first key, ``batch_size`` rows per transaction
    (keyset order on the primary key); with ``tenant_id``, that tenant's rows only (the caller has
    bound it for row-level security). Returns how many rows changed; a second run changes none."""
    sealer, changed, after = box(), 0, None
    key = list(table.primary_key.columns)
    while True:
        stmt = sa.select(*key, *columns).order_by(*key).limit(batch_size)
        if tenant_id is not None and "tenant_id" in table.c:
            stmt = stmt.where(table.c.tenant_id == tenant_id)
        if after is not None:
            stmt = stmt.where(sa.tuple_(*key) > sa.tuple_(*after))
        rows = db.session.execute(stmt).all()
        if not rows:
            return changed
        for row in rows:
            values = {column.name: sealer.reseal(row._mapping[column])
                      for column in columns if row._mapping[column] is not None}
            values = {name: token for name, token in values.items() if token is not None}
            if values:  # only where the tokens are still those read: a secret rotated meanwhile stays new
                still = [table.c[name] == row._mapping[table.c[name]] for name in values]
                done = db.session.execute(sa.update(table).where(*(c == row._mapping[c] for c in key), *still)
                                          .values(**values))
                changed += done.rowcount
        db.session.commit()
        after = [rows[-1]._mapping[c] for c in key]
