"""A job's claim on the record of its work, so that one run works on it at a time.

rq runs a job once, but the same work can be asked for twice: a maintenance pass queues again a
job that Redis lost (restarted empty, or away when the job was handed over), while a worker may
still be running it; rq retries a job whose worker it thinks dead. Two runs of a workspace's
deletion or export at once would count twice and write one archive over the other.

So the record carries a lease: ``claimed_by`` (the run's own random token) and ``heartbeat_at``.
A run :meth:`Lease.take`\\ s it with one conditional ``UPDATE`` (free, or its heartbeat older than
the lease's length: its run died), renews it in each of its batches' transactions, where a lost
lease rolls the batch back (:class:`LeaseLost`), and releases it when it fails. A maintenance pass
tells a lost job from a live one by the heartbeat (:func:`stale`). On PostgreSQL the renewal's row
lock holds off a taker until the batch commits; on SQLite the database has one writer at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import db
from saas.core.types import UTCDateTime, utcnow

log = logging.getLogger(__name__)


class LeaseLost(RuntimeError):
    """Another run took the record: this one stops, its batch rolled back."""


class Leased:
    """The columns of a record that one job run at a time works on."""

    claimed_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def stale(model, seconds: float) -> sa.ColumnElement[bool]:
    """No run has claimed ``model``'s record, or the one that did gave no sign for ``seconds``."""
    return sa.or_(model.heartbeat_at.is_(None), model.heartbeat_at < utcnow() - dt.timedelta(seconds=seconds))


class Lease:
    """One run's lease on the row of ``model`` that ``where`` picks, ``seconds`` long."""

    def __init__(self, model, where: sa.ColumnElement[bool], seconds: float):
        self.model, self.where, self.seconds = model, where, seconds
        self.token = uuid.uuid4()
        self._beaten = time.monotonic()

    def _update(self, condition: sa.ColumnElement[bool], **values) -> bool:
        statement = sa.update(self.model).where(self.where, condition).values(**values)
        return db.session.execute(statement.execution_options(synchronize_session=False,
                                                              preserve_rowcount=True)).rowcount == 1

    def take(self) -> bool:
        """Claim the record, in a transaction of its own; False while another run holds it."""
        taken = self._update(sa.or_(self.model.claimed_by.is_(None), stale(self.model, self.seconds)),
                             claimed_by=self.token, heartbeat_at=utcnow())
        db.session.commit()
        return taken

    def renew(self) -> None:
        """Say this run is alive, in the caller's transaction: raises :class:`LeaseLost` (roll back)
        if another run took the record meanwhile."""
        if not self._update(self.model.claimed_by == self.token, heartbeat_at=utcnow()):
            raise LeaseLost(f"{self.model.__tablename__}: another run took the lease")

    def beat(self, every: float = 30.0) -> None:
        """:meth:`renew` and commit, at most every ``every`` seconds: for a run that only reads
        between its writes (an export), so that its heartbeat shows."""
        if time.monotonic() - self._beaten >= every:
            self.renew()
            db.session.commit()
            self._beaten = time.monotonic()

    def release(self) -> None:
        """Free the record for the next run (a retry) at once, in a transaction of its own; a
        failure here is logged: the lease then ends with its length."""
        try:
            db.session.rollback()
            self._update(self.model.claimed_by == self.token, claimed_by=None, heartbeat_at=None)
            db.session.commit()
        except sa.exc.SQLAlchemyError as error:
            db.session.rollback()
            log.warning("%s: lease not released (%s); it ends in %d s", self.model.__tablename__, error,
                        self.seconds)
