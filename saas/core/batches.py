"""Long jobs in batches: a page of rows at a time, committed after each.

A job that walks a whole workspace (expiring points, a back-fill) in one transaction holds its locks
and its open transaction for minutes, and a crash throws all of it away. Walking it by keyset pages
and committing after each page keeps every transaction short; a job stopped half-way has lost only
the page it was on, which running it again redoes, provided each step is idempotent (an entry keyed
on what caused it, a row updated to a value rather than by a delta).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence

import sqlalchemy as sa

from saas.core.db import db

PAGE = 500
_held = contextvars.ContextVar("batches_held", default=False)


@contextlib.contextmanager
def one_transaction() -> Iterator[None]:
    """Inside the block :func:`committed_pages` commits nothing: for work that must land whole or
    not at all (the demo seed, which back-fills loyalty points among much else)."""
    token = _held.set(True)
    try:
        yield
    finally:
        _held.reset(token)


def committed_pages(query: sa.Select, keys: Sequence[sa.ColumnElement], size: int | None = None
                    ) -> Iterator[list[sa.Row]]:
    """The rows of ``query`` a page of ``size`` at a time, in the order of ``keys`` (columns that
    identify a row, selected first by ``query``), the session committed after the caller has
    handled each page (unless inside :func:`one_transaction`); ``size`` defaults to :data:`PAGE`."""
    size = size or PAGE
    ordered = query.order_by(*keys).limit(size)
    after = None
    while True:
        page = db.session.execute(ordered if after is None else ordered.where(sa.tuple_(*keys) > sa.tuple_(*after))).all()
        if not page:
            return
        yield page
        if not _held.get():
            db.session.commit()
        if len(page) < size:
            return
        after = tuple(page[-1][:len(keys)])
