"""Deleting a workspace: every row it owns in every table (the core's and each module's), its
uploaded files, then the ``tenants`` row itself.

The owner asks (:func:`request_deletion`, confirming with the slug); the workspace is marked
``deleting`` in that transaction, so its API keys and pages stop at once (they admit only an active
workspace), and a job (:func:`erase`) does the rest. The tables come from the metadata, which holds
every table with a ``tenant_id`` column, core and modules alike (a module's models are on
``db.Model``'s metadata): nothing lists them by hand. They are emptied children first (the reverse
of the metadata's dependency order), ``BATCH_ROWS`` rows per transaction, inside the tenant's
context, so that row-level security admits the rows on PostgreSQL. Each batch commits with the
running count, so a job that dies half-way leaves a consistent workspace with fewer rows, and a
rerun (rq's retry, ``flask jobs requeue``, or ``tenants.requeue`` when Redis lost the job) carries
on where it stopped: deleting what is already gone deletes nothing. One run at a time: a run takes
the record's lease (:mod:`saas.core.leases`) and renews it in every batch's transaction, so a second
run (a retry, a job queued again while the first still ran) leaves the deletion to the first, and
the heartbeat tells :mod:`tenants.requeue` a lost job from a live one.

The :class:`TenantDeletion` record is global, not the tenant's (it has no ``tenant_id``): it
outlives the workspace, and the person who asked follows it by the token they were given, the
workspace's keys being refused from the start.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.errors import Invalid
from saas.core.imports import importer
from saas.core.leases import Lease, Leased
from saas.core.queues import enqueue_after_commit, job
from saas.core.tenancy import current_tenant_id, tenant_context
from saas.core.types import UTCDateTime, new_id, utcnow
from tenants import export

log = logging.getLogger(__name__)

BATCH_ROWS = 500  # rows deleted per transaction
# Seconds one run of the job may take. Short on purpose: rq finds a dead worker's job only once its
# time limit is past, and a run stopped at its limit is retried and carries on where it stopped.
TIMEOUT = 1800
# Seconds without a heartbeat after which a run counts as dead: far more than one batch takes, and
# less than TIMEOUT + rq's grace, after which rq retries the job of a worker that died.
LEASE_SECONDS = 600
DELETING = "deleting"


class TenantDeletion(Leased, db.Model):
    """One workspace's deletion: who asked, how far it got. Found by the hash of its token."""

    __tablename__ = "tenant_deletions"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # no foreign key: the record stays when the tenant row goes
    deleted_tenant_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    requested_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    status: Mapped[str] = mapped_column(sa.String(20), default="running")  # running, done
    rows_deleted: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    files_deleted: Mapped[int] = mapped_column(sa.Integer, default=0)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_deletion(tenant: Tenant, confirm: str | None, requested_by: uuid.UUID | None) -> tuple[TenantDeletion, str]:
    """Mark ``tenant`` as being deleted and queue the job once this transaction commits; returns the
    record and its token (shown once). ``confirm`` must be the workspace's slug (422 otherwise,
    and nothing is written)."""
    if not isinstance(confirm, str) or confirm != tenant.slug:
        raise Invalid("type the workspace's slug to confirm its deletion",
                      {"confirm": [f"Type the workspace's slug, {tenant.slug}, to confirm."]})
    token = str(uuid.uuid4())  # 122 random bits, in the form the API's paths take
    deletion = TenantDeletion(id=new_id(), token_hash=_digest(token), deleted_tenant_id=tenant.id,
                              requested_by=requested_by, rows_deleted=0, files_deleted=0)
    tenant.status = DELETING
    db.session.add(deletion)
    db.session.flush()
    enqueue_after_commit(erase, str(deletion.id), timeout=TIMEOUT, job_id=job_id_of(deletion.id))
    return deletion, token


def job_id_of(deletion_id: uuid.UUID) -> str:
    """The id of the job that runs deletion ``deletion_id``, for :mod:`tenants.requeue` to find."""
    return f"tenant-deletion-{deletion_id}"


def find(token: uuid.UUID) -> TenantDeletion | None:
    return db.session.scalar(sa.select(TenantDeletion).where(TenantDeletion.token_hash == _digest(str(token))))


def tenant_tables() -> list[sa.Table]:
    """Every table with a ``tenant_id`` column, children before their parents."""
    return [table for table in reversed(db.metadata.sorted_tables) if "tenant_id" in table.c]


@job
def erase(deletion_id: str, batch_rows: int | None = None) -> None:
    """Delete the workspace of ``deletion_id`` for good; safe to run again, and after a crash. A run
    that finds another at work leaves the deletion to it."""
    deletion = db.session.get(TenantDeletion, uuid.UUID(deletion_id))
    if deletion is None or deletion.status == "done":
        return
    tenant_id, batch_rows = deletion.deleted_tenant_id, batch_rows or BATCH_ROWS
    lease = Lease(TenantDeletion, TenantDeletion.id == deletion.id, LEASE_SECONDS)
    if not lease.take():
        log.info("deletion %s is being run by another job: left to it", deletion_id)
        return
    try:
        _erase(deletion_id, tenant_id, batch_rows, lease)
    except BaseException:
        lease.release()  # a retry need not wait for the lease to end
        raise
    log.info("workspace %s deleted", tenant_id)


def _erase(deletion_id: str, tenant_id: uuid.UUID, batch_rows: int, lease: Lease) -> None:
    with tenant_context(tenant_id):
        for table in tenant_tables():
            _unlink_self_references(table, tenant_id, batch_rows, lease)
            while True:
                deleted = _delete_batch(table, tenant_id, batch_rows)
                if deleted:
                    _count(deletion_id, rows=deleted)
                lease.renew()
                db.session.commit()
                if deleted < batch_rows:
                    break
        files = _remove_files()
        _count(deletion_id, files=files)
    db.session.execute(sa.delete(Tenant).where(Tenant.id == tenant_id))  # what a module left, ON DELETE CASCADE
    lease.renew()
    db.session.execute(sa.update(TenantDeletion).where(TenantDeletion.id == uuid.UUID(deletion_id))
                       .values(status="done", finished_at=utcnow(), claimed_by=None))
    db.session.commit()


def _count(deletion_id: str, *, rows: int = 0, files: int = 0) -> None:
    """Add to the record's counts in the batch's own transaction (an UPDATE, not the ORM's copy)."""
    column = TenantDeletion.__table__.c
    db.session.execute(sa.update(TenantDeletion).where(TenantDeletion.id == uuid.UUID(deletion_id))
                       .values(rows_deleted=column.rows_deleted + rows, files_deleted=column.files_deleted + files))


def _batch_of(table: sa.Table, tenant_id: uuid.UUID, batch_rows: int, *where) -> sa.Select:
    key = list(table.primary_key.columns) or list(table.c)
    return sa.select(*key).where(table.c.tenant_id == tenant_id, *where).limit(batch_rows)


def _delete_batch(table: sa.Table, tenant_id: uuid.UUID, batch_rows: int) -> int:
    key = list(table.primary_key.columns) or list(table.c)
    chosen = _batch_of(table, tenant_id, batch_rows).subquery()
    statement = sa.delete(table).where(table.c.tenant_id == tenant_id,
                                       sa.tuple_(*key).in_(sa.select(*chosen.c)))
    return db.session.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def _unlink_self_references(table: sa.Table, tenant_id: uuid.UUID, batch_rows: int, lease: Lease) -> None:
    """Clear a table's references to its own rows (a merged customer's survivor) in batches, so no
    batch deletes a row that one still to be deleted points at."""
    for constraint in table.foreign_key_constraints:
        if constraint.referred_table is not table:
            continue
        columns = [c for c in constraint.columns if c.name != "tenant_id"]
        key = list(table.primary_key.columns)
        while True:
            chosen = _batch_of(table, tenant_id, batch_rows, sa.or_(*(c.isnot(None) for c in columns))).subquery()
            cleared = db.session.execute(
                sa.update(table).where(table.c.tenant_id == tenant_id, sa.tuple_(*key).in_(sa.select(*chosen.c)))
                .values({c.name: None for c in columns}).execution_options(preserve_rowcount=True)).rowcount
            lease.renew()
            db.session.commit()
            if cleared < batch_rows:
                break


def _remove_files() -> int:
    """The bound tenant's uploaded spreadsheets (the import folder's files for it) and the archives
    of its exports."""
    count = 0
    for folder in (importer.folder(), export.folder(current_tenant_id())):
        if folder.is_dir():
            count += sum(1 for path in folder.rglob("*") if path.is_file())
            shutil.rmtree(folder)
    return count
