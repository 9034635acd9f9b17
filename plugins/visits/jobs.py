"""The visits module's jobs: planning a workspace once the module is enabled.

Enabling the module plans its first weeks for every customer: for a workspace of a million
customers that is a few million rows and a minute or more of work, too long for the request that
flips the switch. The request hands it to a job after its commit (the job must see the module on),
on the ``low`` queue, and returns at once; the daily schedule plans the same way.
"""

from __future__ import annotations

import dataclasses
import uuid

from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.modules import enabled_modules
from saas.core.queues import enqueue_after_commit, job
from saas.core.tenancy import tenant_context

from plugins.visits import clock, planner

TIMEOUT = 3600  # seconds: a quarter for a million customers takes minutes (docs/benchmarks.md)


def plan_after_commit(tenant_id: uuid.UUID) -> None:
    """Plan the workspace in a job once the current transaction commits."""
    enqueue_after_commit(plan_workspace, str(tenant_id), queue="low", timeout=TIMEOUT)


@job
def plan_workspace(tenant_id: str) -> dict:
    """Plan the workspace from its local today, if it still has the module on (it may have been
    switched off, or the workspace deleted, while the job waited); safe to run twice."""
    with tenant_context(uuid.UUID(tenant_id)):
        tenant = db.session.get(Tenant, uuid.UUID(tenant_id))
        if tenant is None or planner.NAME not in enabled_modules(tenant):
            return {}
        done = planner.plan(clock.today(tenant))
        db.session.commit()
    return dataclasses.asdict(done)
