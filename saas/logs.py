"""Logging: one line per record, JSON in production and plain text in development, each carrying
the request id, the workspace and the principal once they are known, and in rq jobs the job id.

The context is put on every record by a record factory (``logging.setLogRecordFactory``), not by
a handler's filter, so that every handler sees it (gunicorn's, pytest's ``caplog``), as one dict
attribute, ``log_context``, whose name no library passes in ``extra`` (rq passes ``job_id``, and
``extra`` may not overwrite an attribute the factory set). The workspace and the principal are
read from the contextvars the request or job binds (:mod:`saas.core.tenancy`,
:mod:`saas.core.audit`); the job from rq.

Secrets stay out: the JSON lines hold a fixed set of fields, never a library's arbitrary
``extra`` (rq's failure line passes a job's arguments there: a mail's body with its reset link);
nothing here logs headers, cookies or bodies; and as a last guard each formatted line has API
keys, webhook secrets and Bearer credentials masked. A request's line names its route's rule
(``/reset/<token>``), never the path it was called with.

| variable     | meaning                                      | default                          |
| LOG_FORMAT   | ``json`` or ``text``                         | ``text`` in debug, else ``json`` |
| LOG_LEVEL    | the root logger's level (``DEBUG``, ``INFO``, ...) | ``INFO``                   |
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar

from flask import Flask, g, request
from pythonjsonlogger.json import JsonFormatter
from rq import get_current_job

from saas.core.audit import current_actor
from saas.core.tenancy import current_tenant_id

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}\Z")
CONTEXT = "log_context"
FORMATS = ("json", "text")
# What a JSON line may carry besides the record's time, level, logger, message and context.
EXTRA_FIELDS = ("method", "route", "status", "duration_ms")
_MASKED = (
    (re.compile(r"rtn_[0-9a-f]{12}_[A-Za-z0-9_-]+"), "rtn_[masked]"),
    (re.compile(r"whsec_[A-Za-z0-9+/=]+"), "whsec_[masked]"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [masked]"),
    # a reset or invitation link's token, in the development server's request lines (werkzeug logs paths)
    (re.compile(r"(/password/reset/|/invitations/join/)[A-Za-z0-9._-]+"), r"\1[masked]"),
)

_request_id: ContextVar[str | None] = ContextVar("saas_request_id", default=None)
log = logging.getLogger(__name__)


def context() -> dict:
    """The current request id, workspace, principal and job, each ``None`` while unknown."""
    tenant, actor, job = current_tenant_id(), current_actor(), get_current_job()
    return {
        "request_id": _request_id.get(),
        "workspace_id": str(tenant) if tenant is not None else None,
        "principal": actor.label if actor.id is not None else None,
        "job_id": job.id if job is not None else None,
    }


def install_record_factory() -> None:
    """Give every record made from now on its :func:`context` (once per process)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_retain_context", False):
        return

    def with_context(*args, **kwargs):
        record = previous(*args, **kwargs)
        setattr(record, CONTEXT, context())
        return record

    with_context._retain_context = True
    logging.setLogRecordFactory(with_context)


def mask(text: str) -> str:
    for pattern, replacement in _MASKED:
        text = pattern.sub(replacement, text)
    return text


class JsonLines(JsonFormatter):
    """One JSON object per record: time, level, logger, message, the context, a few known extras."""

    def __init__(self):
        super().__init__("%(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level", "name": "logger"},
                         timestamp="time")  # ISO 8601, UTC

    def add_fields(self, log_data, record, message_dict) -> None:
        super().add_fields(log_data, record, message_dict)
        for key in list(log_data):
            if key not in ("time", "level", "logger", "message", "exc_info", "stack_info", *EXTRA_FIELDS):
                del log_data[key]  # a library's extra (rq's job arguments): not ours to publish
        log_data.update(getattr(record, CONTEXT, None) or {})

    def format(self, record) -> str:
        return mask(super().format(record))


class TextLines(logging.Formatter):
    """``time LEVEL logger [request=... workspace=... by=... job=...] message``: for a terminal."""

    LABELS = {"request_id": "request", "workspace_id": "workspace", "principal": "by", "job_id": "job"}

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context_text)s %(message)s")

    def format(self, record) -> str:
        known = {key: value for key, value in (getattr(record, CONTEXT, None) or {}).items() if value}
        record.context_text = (" [" + " ".join(f"{self.LABELS[k]}={v}" for k, v in known.items()) + "]") if known else ""
        return mask(super().format(record))


def formatter(kind: str) -> logging.Formatter:
    return JsonLines() if kind == "json" else TextLines()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (gunicorn and pytest replace it)."""

    _retain = True

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def configure(kind: str, level: str) -> None:
    """The root logger writes ``kind`` lines from ``level`` up to stderr (replacing what this
    function set up before, so that a second app in the process does not double every line)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_retain", False)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(formatter(kind))
    root.addHandler(handler)
    root.setLevel(level)


def init_app(app: Flask) -> None:
    """Request ids in and out, a line per request, and the process's logging (left to pytest when
    testing). Call it first: the request id must be known before any other hook logs."""
    install_record_factory()
    if not app.testing:
        configure(app.config.get("LOG_FORMAT") or ("text" if app.debug else "json"), app.config["LOG_LEVEL"])
    app.before_request(_take_request_id)
    app.after_request(_answer_request_id)
    app.teardown_request(_forget_request_id)


def request_id_from(header: str | None) -> str:
    """The caller's ``X-Request-ID`` when it is a sane id (letters, digits and ``._:/+=-``, at most
    128), else a new one: a log line must not carry whatever a client sends."""
    return header if header and SANE_REQUEST_ID.match(header) else uuid.uuid4().hex


def _take_request_id() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_id_token = _request_id.set(g.request_id)
    g.request_started = time.perf_counter()


def _answer_request_id(response):
    request_id = g.get("request_id")
    if request_id is not None:
        response.headers[REQUEST_ID_HEADER] = request_id
        rule = request.url_rule.rule if request.url_rule is not None else None
        duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
        log.info("%s %s %s in %s ms", request.method, rule or "(no route)", response.status_code, duration_ms,
                 extra={"method": request.method, "route": rule, "status": response.status_code,
                        "duration_ms": duration_ms})
    return response


def _forget_request_id(exc=None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        _request_id.reset(token)
