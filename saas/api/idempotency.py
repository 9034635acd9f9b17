"""``Idempotency-Key`` on every authenticated POST of the API, the modules' routes included.

:class:`saas.api.base.ApiBlueprint` wraps each such view with :func:`honour` and documents the
header on its operation; a view opts out with ``route(..., idempotent=False)`` (one whose answer
carries a secret that must not be kept). The first request with a key reserves it in the request's
own transaction, so the reservation, the request's writes and the answer kept for replay commit
together or not at all (:mod:`saas.transactions`). A retry with the same key and body gets that
answer again, marked ``Idempotent-Replayed: true``; with another body, 422; while the first is still
running, 409 (on PostgreSQL the second reservation waits on the unique index until the first commits,
then fails). A refused request (4xx) rolls back, its reservation with it: a retry is judged afresh.
"""

from __future__ import annotations

import functools
import hashlib
import re

import sqlalchemy as sa
from flask import current_app, g, request

from saas.api.errors import error_response
from saas.core.db import db
from saas.core.idempotency import IdempotencyRecord

HEADER = "Idempotency-Key"
PARAMETER = {  # the header, as each operation that honours it documents it
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": 255, "pattern": r"^[\x21-\x7e]+$"},
    "description": "Retrying a POST with the same key returns the first response instead of acting twice.",
}
VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def honour(view):
    """Wrap ``view`` so that a retry with the same ``Idempotency-Key`` acts once."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not VALID_KEY.fullmatch(key):
            return error_response(400, "bad_request",
                                  "Idempotency-Key must be 1 to 255 printable ASCII characters, without spaces.")
        digest = hashlib.sha256(request.method.encode() + request.path.encode() + b"\n" + request.get_data()).hexdigest()
        record = db.session.scalar(sa.select(IdempotencyRecord).where(IdempotencyRecord.key == key))
        if record is not None:
            return _replay(record, digest)
        record = IdempotencyRecord(key=key, method=request.method, path=request.path, request_hash=digest)
        try:
            with db.session.begin_nested():
                db.session.add(record)
        except sa.exc.IntegrityError:
            return _in_progress()
        g.idempotency_record = record
        return view(*args, **kwargs)

    return wrapper


def keep(response):
    """``after_request``, before the transaction ends: keep a successful answer for its key."""
    record = g.pop("idempotency_record", None)
    if record is not None and response.status_code < 400:
        record.status_code = response.status_code
        record.body = response.get_data(as_text=True)  # sealed: it may carry a secret
    return response


def _replay(record: IdempotencyRecord, digest: str):
    if record.request_hash != digest:
        return error_response(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request.")
    if record.status_code is None:
        return _in_progress()
    response = current_app.response_class(record.body, status=record.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _in_progress():
    return error_response(409, "conflict", "A request with this Idempotency-Key is in progress.")
