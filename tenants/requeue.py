"""Exports and deletions whose job was lost: each is recorded, and its job queued once the request's
transaction commits; if Redis is away at that moment, or restarts empty before a worker takes the
job, the export stays ``queued`` and the workspace ``deleting`` for good. Every five minutes
:func:`requeue_lost` queues again, under its own id, the job of each one still unfinished after
``GRACE`` that rq does not know and that no run is at (no heartbeat for the lease's length,
:mod:`saas.core.leases`): a job that waits, runs, retries or failed for good (``flask jobs
failed``) is left alone, and so is a run going on while Redis lost its job, so none runs twice at
once."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.hooktypes import Schedule
from saas.core.leases import stale
from saas.core.queues import current_queue, job
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow
from tenants import deletion, export

log = logging.getLogger(__name__)

GRACE = dt.timedelta(minutes=5)


@job
def requeue_lost(grace_seconds: float = GRACE.total_seconds()) -> int:
    """Queue the job of every export and deletion whose job is lost; returns how many."""
    since = utcnow() - dt.timedelta(seconds=grace_seconds)
    deletions = list(db.session.scalars(sa.select(deletion.TenantDeletion.id).where(
        deletion.TenantDeletion.status == "running", deletion.TenantDeletion.requested_at < since,
        stale(deletion.TenantDeletion, deletion.LEASE_SECONDS))))
    tenant_ids = list(db.session.scalars(sa.select(Tenant.id).where(Tenant.status == "active")))
    db.session.rollback()
    queued = 0
    for deletion_id in deletions:
        queued += _again(deletion.job_id_of(deletion_id), deletion.erase, str(deletion_id), timeout=deletion.TIMEOUT,
                         what=f"deletion {deletion_id}")
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            export_ids = list(db.session.scalars(sa.select(export.TenantExport.id).where(
                export.TenantExport.status.in_(("queued", "running")), export.TenantExport.requested_at < since,
                stale(export.TenantExport, export.LEASE_SECONDS))))
            db.session.rollback()
        for export_id in export_ids:
            queued += _again(export.job_id_of(export_id), export.build, str(tenant_id), str(export_id),
                             timeout=export.TIMEOUT, what=f"export {export_id} of tenant {tenant_id}")
    return queued


def _again(job_id: str, func, *args, timeout: int, what: str) -> int:
    queue = current_queue()
    if queue.holds(job_id):
        return 0
    log.warning("%s had lost its job: queued again", what)
    queue.enqueue(func, *args, timeout=timeout, job_id=job_id)
    return 1


SCHEDULES = (Schedule("tenants.requeue", "*/5 * * * *", requeue_lost, "low"),)
