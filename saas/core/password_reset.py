"""Password-reset links: signed, expiring and single-use, with nothing stored.

A token is itsdangerous' signed, timestamped ``[user id, fingerprint]``, where the fingerprint is a
digest of the user's current password hash: once the password changes (through this link or
otherwise) every link issued before stops working, so a link is good for one reset. The signature
uses the application's ``SECRET_KEY`` with a salt of its own, so no other signed value of the
application (a session, a CSRF token) passes for a reset token.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from saas.core.accounts import User
from saas.core.db import db
from saas.core.errors import Invalid
from saas.core.passwords import check_strength, hash_password

SALT = "retain.password-reset"
MAX_AGE_SECONDS = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def fingerprint(user: User) -> str:
    """A digest of ``user``'s password hash: it changes whenever the password does (a reset token
    and a signed-in session carry it, and stop working then)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:32]


def issue_token(user: User) -> str:
    return _serializer().dumps([str(user.id), fingerprint(user)])


def user_for_token(token: str) -> User | None:
    """The user a valid token was issued to; None once it expired, was used, or was never ours."""
    max_age = current_app.config.get("PASSWORD_RESET_MAX_AGE", MAX_AGE_SECONDS)
    try:
        user_id, printed = _serializer().loads(token, max_age=max_age)
        user = db.session.get(User, uuid.UUID(user_id))
    except (BadSignature, ValueError, TypeError):  # BadSignature covers expiry (SignatureExpired)
        return None
    if user is None or not user.is_active or not hmac.compare_digest(printed, fingerprint(user)):
        return None
    return user


def set_password(user: User, password: str, *, field: str = "password") -> None:
    """Give ``user`` a new password under the sign-up rules (``field`` names it in the error)."""
    problems = check_strength(password, user.email)
    if problems:
        raise Invalid("weak password", {field: problems})
    user.password_hash = hash_password(password)
    db.session.flush()
