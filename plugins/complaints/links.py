"""The customer's links: "was this resolved?" for one resolution of a case, and the workspace's
public complaint form; itsdangerous-signed, like the survey links (the public page has no signed-in
workspace, and a signed token names it before any SQL runs).

A confirmation token names the case and the moment it was resolved: a case reopened and resolved
again asks again, and the first answer's link no longer confirms anything (410)."""

from __future__ import annotations

import datetime as dt
import uuid

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

CONFIRM = "retain.complaints.confirm"
FORM = "retain.complaints.form"


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _public(path: str) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}{path}"


def confirmation_token(case) -> str:
    return _serializer(CONFIRM).dumps([case.tenant_id.hex, case.id.hex, case.resolved_at.isoformat()])


def confirmation_url(case) -> str:
    return _public(f"/c/confirm/{confirmation_token(case)}")


def read_confirmation(token: str) -> tuple[uuid.UUID, uuid.UUID, dt.datetime] | None:
    try:
        tenant_hex, case_hex, resolved = _serializer(CONFIRM).loads(token)
        return uuid.UUID(hex=tenant_hex), uuid.UUID(hex=case_hex), dt.datetime.fromisoformat(resolved)
    except (BadSignature, ValueError, TypeError):
        return None


def form_token(tenant_id: uuid.UUID) -> str:
    return _serializer(FORM).dumps(tenant_id.hex)


def form_url(tenant_id: uuid.UUID) -> str:
    return _public(f"/c/new/{form_token(tenant_id)}")


def read_form(token: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(hex=_serializer(FORM).loads(token))
    except (BadSignature, ValueError, TypeError):
        return None
