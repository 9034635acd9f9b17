"""Invitation links for a person who has no password yet: signed, expiring and single-use, with
nothing stored (like :mod:`saas.core.password_reset`, whose fingerprint they carry).

A token is itsdangerous' signed, timestamped ``[user id, workspace id, fingerprint]``. Choosing a
password through the link changes the fingerprint, so the link then answers "used"; an invitation
withdrawn or answered meanwhile answers the same. The salt is its own, so no other signed value
of the application passes for an invitation.
"""

from __future__ import annotations

import enum
import hmac
import uuid

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from saas.core.accounts import Membership, User
from saas.core.db import db
from saas.core.password_reset import fingerprint
from saas.core.tenancy import global_lookup

SALT = "retain.invitation"
MAX_AGE_SECONDS = 7 * 24 * 3600


class Refusal(enum.Enum):
    unknown = "unknown"  # forged, mangled, or of a person who no longer exists
    expired = "expired"
    used = "used"  # the password was chosen, or the invitation answered or withdrawn

    @property
    def status(self) -> int:
        return 404 if self is Refusal.unknown else 410


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(user: User, tenant_id: uuid.UUID) -> str:
    return _serializer().dumps([str(user.id), str(tenant_id), fingerprint(user)])


def read(token: str) -> tuple[User, uuid.UUID] | Refusal:
    """The invited person and workspace of a good token, else why it is refused."""
    max_age = current_app.config.get("INVITATION_MAX_AGE", MAX_AGE_SECONDS)
    try:
        user_id, tenant_id, printed = _serializer().loads(token, max_age=max_age)
        user, tenant_id = db.session.get(User, uuid.UUID(user_id)), uuid.UUID(tenant_id)
    except SignatureExpired:
        return Refusal.expired
    except (BadSignature, ValueError, TypeError):
        return Refusal.unknown
    if user is None or not user.is_active:
        return Refusal.unknown
    if not hmac.compare_digest(printed, fingerprint(user)) or not _pending(user, tenant_id):
        return Refusal.used
    return user, tenant_id


def _pending(user: User, tenant_id: uuid.UUID) -> bool:
    with global_lookup(user_id=str(user.id)):
        return db.session.scalar(sa.select(Membership.id).where(
            Membership.tenant_id == tenant_id, Membership.user_id == user.id,
            Membership.status == "invited")) is not None
