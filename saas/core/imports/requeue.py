"""Imports whose job was lost: a run is recorded and its job queued once the upload's transaction
commits, and if Redis is away at that moment (or restarts empty before a worker takes it) the job
is gone while the run says ``queued`` for good. Every five minutes :func:`requeue_lost` queues the
runs still waiting after ``QUEUED_GRACE`` whose job rq does not know (by its id,
:func:`importer.job_id_of`): a run whose job waits behind others, runs, retries or failed for good
(``flask jobs failed``) is left alone, so no run is imported twice."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.hooktypes import Schedule
from saas.core.imports import importer
from saas.core.imports.models import ImportRun, ImportStatus
from saas.core.queues import current_queue, job
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow

log = logging.getLogger(__name__)

QUEUED_GRACE = dt.timedelta(minutes=5)


@job
def requeue_lost(grace_seconds: float = QUEUED_GRACE.total_seconds()) -> int:
    """Queue the job of every run still ``queued`` after the grace whose job is lost; returns how many."""
    queue = current_queue()
    tenant_ids = list(db.session.scalars(sa.select(Tenant.id)))
    db.session.rollback()
    queued = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            run_ids = list(db.session.scalars(sa.select(ImportRun.id).where(
                ImportRun.status == ImportStatus.queued,
                ImportRun.created_at < utcnow() - dt.timedelta(seconds=grace_seconds))))
            db.session.rollback()
        for run_id in run_ids:
            if queue.holds(importer.job_id_of(run_id)):
                continue
            log.warning("import %s of tenant %s had lost its job: queued again", run_id, tenant_id)
            queue.enqueue(importer.run_import, str(tenant_id), str(run_id), timeout=importer.TIMEOUT,
                          job_id=importer.job_id_of(run_id))
            queued += 1
    return queued


SCHEDULES = (Schedule("imports.requeue", "*/5 * * * *", requeue_lost, "low"),)
