"""The answer and unsubscribe links: itsdangerous-signed ``[workspace id, invitation id]``.

Why signed rather than a random token stored hashed: the public page has no signed-in workspace,
and the invitation's row can only be read inside its workspace (the ORM's filter, PostgreSQL's
row-level security). A signed token names its workspace, checked before any SQL runs, so no
cross-workspace look-up is needed and a forged or mangled token costs no query at all. Nothing
secret is stored: a copy of the database gives no working link. What a signature alone cannot
say is kept on the invitation: when it expires (``expires_at``, the workspace's ``link_days`` when
it was sent) and whether it was used up (``finished_at``, set only by a finished answer, so a
partial one resumes). Each link has its own salt: an unsubscribe token does not open the survey.
"""

from __future__ import annotations

import enum
import uuid

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

ANSWER = "retain.surveys.answer"
UNSUBSCRIBE = "retain.surveys.unsubscribe"


class Refusal(enum.Enum):
    unknown = "unknown"  # forged, mangled, or of an invitation that no longer exists
    expired = "expired"
    used = "used"  # answered already
    closed = "closed"  # the survey is no longer answered

    @property
    def status(self) -> int:
        return 404 if self is Refusal.unknown else 410


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def issue(tenant_id: uuid.UUID, invitation_id: uuid.UUID, salt: str = ANSWER) -> str:
    return _serializer(salt).dumps([tenant_id.hex, invitation_id.hex])


def read(token: str, salt: str = ANSWER) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The workspace and invitation a good token names; None for any other string."""
    try:
        tenant_hex, invitation_hex = _serializer(salt).loads(token)
        return uuid.UUID(hex=tenant_hex), uuid.UUID(hex=invitation_hex)
    except (BadSignature, ValueError, TypeError):
        return None


def answer_url(tenant_id: uuid.UUID, invitation_id: uuid.UUID) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/s/{issue(tenant_id, invitation_id)}"


def unsubscribe_url(tenant_id: uuid.UUID, invitation_id: uuid.UUID) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/s/unsubscribe/{issue(tenant_id, invitation_id, UNSUBSCRIBE)}"
