"""``/healthz`` and ``/readyz``: what a load balancer or an orchestrator asks before it sends traffic.

``/healthz`` (liveness) answers as long as the process does, touching nothing else: a database or
Redis outage must not get every web process restarted. ``/readyz`` (readiness) says whether this
process can serve: the database answers, its schema is at every Alembic head (the core's and each
installed module's branch), and Redis answers when ``REDIS_URL`` is set; otherwise 503 with the
reasons. Both are unauthenticated, exempt from rate limits, and never open a session (no cookie,
no CSRF): a probe is a GET with no credentials, many times a minute.

The expected heads are read from the migration scripts once per process (they change only with a
deployment); each probe then costs one ``SELECT`` of ``alembic_version`` and one Redis ``PING``.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from redis import Redis
from redis.exceptions import RedisError

from saas.extensions import db, limiter, migrate

log = logging.getLogger(__name__)

bp = Blueprint("probes", __name__)
EXPECTED_HEADS = "saas.probes.heads"
REDIS_TIMEOUT_SECONDS = 2


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readyz():
    problems = {name: problem for name, check in CHECKS.items() if (problem := check()) is not None}
    if problems:
        log.warning("not ready: %s", "; ".join(f"{name}: {problem}" for name, problem in problems.items()))
        response = jsonify(status="unavailable", problems=problems)
        response.status_code = 503
        return response
    return jsonify(status="ok")


def check_database() -> str | None:
    """The database answers and holds every head revision; None, or what is wrong."""
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.SQLAlchemyError as error:
        return f"the database is not reachable ({type(error).__name__})"
    missing = expected_heads() - current
    if missing:
        return f"migrations not applied: {', '.join(sorted(missing))} (run flask db upgrade)"
    return None


def check_redis() -> str | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS)
    try:
        client.ping()
    except RedisError as error:
        return f"Redis is not reachable ({type(error).__name__})"
    finally:
        client.close()
    return None


CHECKS = {"database": check_database, "redis": check_redis}


def expected_heads() -> set[str]:
    """The head revisions of the core's and the installed modules' migrations, read once."""
    heads = current_app.extensions.get(EXPECTED_HEADS)
    if heads is None:
        heads = set(ScriptDirectory.from_config(migrate.get_config()).get_heads())
        current_app.extensions[EXPECTED_HEADS] = heads
    return heads


def init_app(app) -> None:
    app.register_blueprint(bp)
