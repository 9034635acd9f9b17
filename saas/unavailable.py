"""A database that does not answer (restarting, failed over, out of connections) is a 503 with
``Retry-After``, at once, not a 500: the request wrote nothing, and the client may try again.

Only the errors that say the server or the connection is away count (a lost or refused
connection, an administrator's shutdown, a pool with no connection free, SQLite's lock); any other
database error is a bug and stays a 500. :func:`handle` is the error handler of the API and the
pages; :mod:`saas.transactions` answers the same when the commit itself finds the database gone.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from saas.api.errors import error_response, is_api_request
from saas.extensions import db

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# SQLSTATEs of a server that is away: class 08 (connection exception), 57P01-57P03 (administrator,
# crash shutdown, cannot connect now: starting up or shutting down), 53300 (too many connections).
AWAY_STATES = ("57P01", "57P02", "57P03", "53300")
SQLITE_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED")


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means the database is not answering, rather than a mistake in a statement."""
    if isinstance(error, sa.exc.TimeoutError):  # the pool had no connection to give within its timeout
        return True
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if hasattr(original, "sqlstate"):  # psycopg: None when no server answered at all
        state = original.sqlstate
        if state is None:
            return isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError))
        return state.startswith("08") or state in AWAY_STATES
    return (getattr(original, "sqlite_errorname", None) or "").startswith(SQLITE_BUSY)  # and _SNAPSHOT, _RECOVERY...


def response(error: BaseException):
    """The 503 answer: the API's JSON error, or a short page. The session is rolled back (its
    connection, if any, is dropped) so that nothing the request wrote is kept."""
    log.warning("database unavailable: %s", type(error.orig if isinstance(error, sa.exc.DBAPIError) else error)
                .__name__)
    _drop_session()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if is_api_request():
        return error_response(503, "unavailable", "The database is not answering; try again in a moment.",
                              headers=headers)
    from saas.web.errors import unavailable_page  # the pages' layout, lazily: the API needs none of it

    return unavailable_page(), 503, headers


def handle(error: Exception):
    """Error handler for the database's errors: a 503 when it is away, the usual 500 otherwise."""
    if not is_unavailable(error):
        raise error
    return response(error)


def _drop_session() -> None:
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:  # the connection is gone: the pool will discard it
        pass
    db.session.remove()


def init_app(app) -> None:
    app.register_error_handler(sa.exc.DBAPIError, handle)
    app.register_error_handler(sa.exc.TimeoutError, handle)
