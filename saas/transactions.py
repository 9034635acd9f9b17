"""One rule for what a request writes, in the core's routes and the modules', API and pages alike:
a request that answers 2xx or 3xx commits its transaction, any other answer rolls it back.

So a view adds, changes and deletes rows and returns; it does not commit. A view that raises, or
answers 4xx (a form with errors, a refused change), leaves nothing behind, even what it wrote before
it found the problem. A commit that fails (a constraint the database checks at the end) turns the
answer into a 500 and writes nothing; one that finds the database gone (restarted, failed over) is
a 503 (:mod:`saas.unavailable`). Work that must see the committed rows (a job) is queued with
:func:`saas.core.queues.enqueue_after_commit`, which runs once this commit succeeds.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response

from saas import unavailable
from saas.core.db import db


def end_request(response: Response) -> Response:
    """``after_request``: commit a successful request's writes, roll back any other's."""
    if response.status_code < 400:
        try:
            db.session.commit()
        except sa.exc.SQLAlchemyError as error:
            if not unavailable.is_unavailable(error):
                raise
            return unavailable.response(error)
    else:
        db.session.rollback()
    return response
