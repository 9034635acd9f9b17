"""The churn module's jobs: rescoring a workspace now (``POST /api/v1/churn/score``), refitting the
purchase model first when its settings use it."""

from __future__ import annotations

import dataclasses
import uuid

from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.module_settings import settings_of
from saas.core.queues import current_queue, job
from saas.core.tenancy import tenant_context

from plugins.churn import model, scoring
from plugins.churn.settings import NAME

TIMEOUT = 3600  # seconds


def key(tenant_id) -> str:
    return f"churn.score:{tenant_id}"


def queue_rescore(tenant_id: uuid.UUID) -> None:
    """One whole-workspace rescoring; one already waiting is enough."""
    current_queue().enqueue_once(key(tenant_id), rescore_workspace, str(tenant_id), queue="low", timeout=TIMEOUT)


def refit_and_rescore() -> scoring.Outcome:
    if settings_of(NAME)["model"]:
        model.refit()
    return scoring.rescore()


@job
def rescore_workspace(tenant_id: str) -> dict:
    current_queue().started(key(tenant_id))
    with tenant_context(uuid.UUID(tenant_id)):
        if db.session.get(Tenant, uuid.UUID(tenant_id)) is None:
            return {}
        outcome = refit_and_rescore()
        db.session.commit()
    return dataclasses.asdict(outcome)
