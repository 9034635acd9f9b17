"""A whole workspace's recompute, its events written a page at a time.

A recompute that moves a million customers writes a million ``customer.tier_changed`` and
``customer.stage_changed`` events; written in the recompute's transaction they would hold the
workspace's classification lock (and a purchase's refresh behind it) for as long. So the
recompute records each change in its history row, marked ``event_pending``, in its transaction
(the history row is then the event's outbox), and :func:`announce_pending` writes the events
afterwards, outside the lock, ``PAGE`` changes a transaction: each page's changes are claimed (an
``UPDATE ... RETURNING`` of the pending ones, which a concurrent pass cannot claim again) and
their events written in the same transaction. A pass stopped half-way has lost only the page it
was on; the next pass (the job's retry, the next recompute) writes what is left, each event once.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from saas.core.classification.models import ClassificationChange
from saas.core.db import db
from saas.core.event_types import CUSTOMER_STAGE_CHANGED, CUSTOMER_TIER_CHANGED
from saas.core.events import emit_selected
from saas.core.tenancy import current_tenant_id

PAGE = 5000  # changes, and so events, a transaction
CHANGED = {"tier": CUSTOMER_TIER_CHANGED, "stage": CUSTOMER_STAGE_CHANGED}  # the event of each kind of change
C = ClassificationChange


def event_rows(kind: str, changes: sa.ColumnElement[bool]) -> sa.Select:
    """The data of the ``customer.<kind>_changed`` events of the history rows ``changes`` picks."""
    return sa.select(C.customer_id.label("customer_id"), C.old.label("from"), C.new.label("to"),
                     C.reason.label("reason")).where(C.kind == kind, changes)


def announce_pending(page: int | None = None) -> int:
    """Write the events of the bound workspace's pending changes, committing every ``page``
    (:data:`PAGE`); returns how many were written."""
    page, written, tenant_id = page or PAGE, 0, current_tenant_id()
    while True:
        chosen = sa.select(C.id).where(C.tenant_id == tenant_id, C.event_pending.is_(True)).order_by(C.id).limit(page)
        claimed = db.session.execute(
            sa.update(C).where(C.tenant_id == tenant_id, C.event_pending.is_(True), C.id.in_(chosen))
            .values(event_pending=False).returning(C.id, C.kind).execution_options(synchronize_session=False)).all()
        for kind, event_type in CHANGED.items():
            ids = [row.id for row in claimed if row.kind == kind]
            if ids:
                written += emit_selected(event_type, event_rows(kind, _among(ids)))
        db.session.commit()
        if len(claimed) < page:
            return written


def _among(ids: list) -> sa.ColumnElement[bool]:
    """``C.id`` is one of ``ids``: on PostgreSQL one array parameter (5,000 placeholders cost more
    to bind than the statement takes to run), elsewhere an ``IN`` list."""
    if db.session.get_bind().dialect.name == "postgresql":
        return C.id == sa.any_(sa.bindparam("ids", ids, type_=postgresql.ARRAY(sa.Uuid)))
    return C.id.in_(ids)
