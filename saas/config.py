"""Configuration from the environment, with an embedded default that needs nothing but Python.

| variable        | meaning                                              | default                      |
| DATABASE_URL    | SQLAlchemy URL (``postgresql+psycopg://...``)         | SQLite file in ``instance/`` |
| REDIS_URL       | Redis for the job queue (rq) and rate limits         | none: in-process / in-memory |
| SECRET_KEY      | signs sessions and CSRF tokens; required in production | none                       |
| ENCRYPTION_KEYS | Fernet keys (comma-separated, the sealing one first) for secrets at rest; required in production | derived from SECRET_KEY in debug and tests |
| MIGRATION_DATABASE_URL | owner role used by ``flask db upgrade``       | DATABASE_URL                 |
| WEBHOOK_ALLOW_PRIVATE_NETWORKS | ``1``: webhooks may go to private and loopback addresses (development, tests) | off |
| WEBHOOK_TIMEOUT_SECONDS | how long a webhook receiver has to answer     | 10                           |
| SESSION_COOKIE_SECURE | ``0``: send the session cookie over plain HTTP too (behind no TLS at all) | on, except in debug |
| MAIL_SERVER     | the SMTP server e-mail goes through (``saas.core.mail``) | none: messages go to the log |
| MAIL_PORT       | its port                                             | 465 with MAIL_USE_SSL, else 25 |
| MAIL_USE_TLS    | ``1``: STARTTLS after connecting (port 587, usually)  | off                          |
| MAIL_USE_SSL    | ``1``: TLS from the start (port 465)                  | off                          |
| MAIL_USERNAME, MAIL_PASSWORD | the SMTP login, when the server needs one  | none: no login               |
| MAIL_FROM       | the sender, e.g. ``Retain <no-reply@example.com>``     | ``Retain <no-reply@localhost>`` |
| API_KEY_RATE_LIMIT | the REST API's limit per API key (or signed-in person); empty: none | ``600 per minute`` |
| WORKSPACE_RATE_LIMIT | the REST API's limit per workspace, all its keys and people together | ``1800 per minute`` |
| LOG_FORMAT      | ``json`` (one object a line) or ``text`` (:mod:`saas.logs`) | ``text`` in debug, else ``json`` |
| LOG_LEVEL       | ``DEBUG``, ``INFO``, ``WARNING``, ``ERROR``            | ``INFO``                     |
| METRICS_TOKEN   | the bearer token ``GET /metrics`` asks for             | none: no ``/metrics`` (404)  |
| PUBLIC_URL      | the site's address, for links in mail sent by jobs (the daily digest) | ``http://localhost:5000`` |
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from limits import parse_many

from saas.api import rate_limits
from saas.core import secretbox

INSECURE_SECRETS = {"", "dev", "change-me", "secret", "changeme"}


class ConfigError(RuntimeError):
    pass


def normalise_database_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` spellings hosts hand out; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance_path: str) -> dict:
    env = os.environ
    database_url = normalise_database_url(env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'retain.db'}")
    redis_url = env.get("REDIS_URL") or None
    return {
        "SECRET_KEY": env.get("SECRET_KEY", ""),
        "ENCRYPTION_KEYS": env.get("ENCRYPTION_KEYS", ""),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIGRATION_DATABASE_URL": normalise_database_url(env.get("MIGRATION_DATABASE_URL", "")) or None,
        # hide_parameters: a database error's message (logged with a 500) leaves out the values bound,
        # which may be a secret (a webhook's signing secret) or someone's data.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "LOG_FORMAT": env.get("LOG_FORMAT", "").strip().lower() or None,  # saas.logs: json, text
        "LOG_LEVEL": env.get("LOG_LEVEL", "").strip().upper() or "INFO",
        "REDIS_URL": redis_url,
        # How often a worker retries the jobs of workers that died mid-job (saas.core.queues)
        "JOBS_MAINTENANCE_SECONDS": int(env.get("JOBS_MAINTENANCE_SECONDS", 60)),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        "SIGNUP_RATE_LIMIT": env.get("SIGNUP_RATE_LIMIT", "5 per minute;20 per hour"),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute;100 per hour"),
        # The REST API's, per API key (or signed-in person) and per workspace (saas.api.rate_limits)
        "API_KEY_RATE_LIMIT": env.get("API_KEY_RATE_LIMIT", "600 per minute"),
        "WORKSPACE_RATE_LIMIT": env.get("WORKSPACE_RATE_LIMIT", "1800 per minute"),
        **rate_limits.HEADER_NAMES,
        "PASSWORD_HASH_PROFILE": env.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY"),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,  # larger bodies answer 413 before they are read
        "IMPORT_MAX_BYTES": int(env.get("IMPORT_MAX_BYTES", 64 * 1024 * 1024)),  # an upload to /api/v1/imports
        # Uploaded files wait here for their import job: a folder every web and worker process shares.
        "IMPORT_FOLDER": env.get("IMPORT_FOLDER") or None,  # default: <instance>/imports
        "EXPORT_FOLDER": env.get("EXPORT_FOLDER") or None,  # default: <instance>/exports
        "IMPORT_KEEP_DAYS": int(env.get("IMPORT_KEEP_DAYS", 30)),  # then a finished import's file is deleted
        "EXPORT_KEEP_DAYS": int(env.get("EXPORT_KEEP_DAYS", 7)),  # then an archive not downloaded is deleted
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": _flag(env["SESSION_COOKIE_SECURE"]) if "SESSION_COOKIE_SECURE" in env else None,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_CHECK_DEFAULT": False,
        "API_TITLE": "Retain API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_PAGE_LIMIT_MAX": 200,
        "API_PAGE_LIMIT_DEFAULT": 50,
        "API_KEY_TOUCH_SECONDS": 60,
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": _flag(env.get("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "")),
        "WEBHOOK_TIMEOUT_SECONDS": float(env.get("WEBHOOK_TIMEOUT_SECONDS", "10")),
        "WEBHOOK_SECRET_OVERLAP_HOURS": 24,
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env["MAIL_PORT"]) if env.get("MAIL_PORT") else None,
        "MAIL_USE_TLS": _flag(env.get("MAIL_USE_TLS", "")),
        "MAIL_USE_SSL": _flag(env.get("MAIL_USE_SSL", "")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_FROM": env.get("MAIL_FROM") or None,
        "PUBLIC_URL": env.get("PUBLIC_URL") or "http://localhost:5000",
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "MAIL_TIMEOUT_SECONDS": 10,
        "PASSWORD_RESET_MAX_AGE": 3600,  # seconds a reset link works
        "INVITATION_MAX_AGE": 7 * 24 * 3600,  # seconds an invitation link (to choose a password) works
        "PASSWORD_RESET_RATE_LIMIT": env.get("PASSWORD_RESET_RATE_LIMIT", "5 per minute;20 per hour"),
    }


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


RATE_LIMITS = ("SIGNUP_RATE_LIMIT", "LOGIN_RATE_LIMIT", "PASSWORD_RESET_RATE_LIMIT", "API_KEY_RATE_LIMIT",
               "WORKSPACE_RATE_LIMIT")


def check_rate_limits(config) -> None:
    """Refuse to start with a rate limit Flask-Limiter could not read (it would fail every request)."""
    for name in RATE_LIMITS:
        value = config.get(name) or ""
        try:
            parse_many(value) if value else None
        except ValueError as error:
            raise ConfigError(f"{name}={value!r} is not a rate limit such as '5 per minute;20 per hour' ({error})")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def check_logging(config) -> None:
    if config.get("LOG_FORMAT") not in (None, "json", "text"):
        raise ConfigError(f"LOG_FORMAT={config['LOG_FORMAT']!r}: use json or text")
    if config.get("LOG_LEVEL") not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL={config.get('LOG_LEVEL')!r}: use one of {', '.join(LOG_LEVELS)}")


def check_secret(app) -> None:
    """Refuse to serve production with a missing or well-known secret; make one for development."""
    secret = app.config.get("SECRET_KEY") or ""
    if secret not in INSECURE_SECRETS and len(secret) >= 16:
        return
    if not (app.debug or app.testing):
        raise ConfigError("SECRET_KEY is missing or insecure: set a long random SECRET_KEY in the environment")
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    app.config["SECRET_KEY"] = path.read_text().strip()


def encryption_keys(app) -> list[bytes]:
    """The keys secrets at rest are sealed with (``saas.core.secretbox``). Production refuses to
    start without them; debugging and tests derive one from ``SECRET_KEY`` (call after
    :func:`check_secret`), which is then the only key that opens what they sealed."""
    value = app.config.get("ENCRYPTION_KEYS") or ""
    try:
        keys = secretbox.parse_keys(value)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    if keys:
        return keys
    if not (app.debug or app.testing):
        raise ConfigError("ENCRYPTION_KEYS is missing: set it to a Fernet key (make one with "
                          f"{secretbox.NEW_KEY_COMMAND}); webhook and inbound secrets are stored encrypted with it")
    return [secretbox.derived_key(app.config["SECRET_KEY"])]
