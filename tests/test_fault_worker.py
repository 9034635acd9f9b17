"""Fault suite: a worker SIGKILLed mid-job. A burst worker (tests/killable_worker.py) stalls in a
module's event handler after writing and is killed; a second worker, started as a supervisor
would and left alone, runs what was still queued and, at its next maintenance pass, finds the job
the dead worker held and retries it. Nothing stays stuck in rq's registries, and every event has
its effect exactly once. Both workers run with a time limit of a few seconds a job and a
maintenance pass every second, so that what takes minutes in production takes seconds here.
Figure: the time from the kill to the last effect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from rq.registry import FailedJobRegistry, StartedJobRegistry

from saas.core import queues
from saas.core.customers import Tag
from saas.core.db import db
from saas.core.outbox import HandledEvent, OutboxEvent
from saas.core.tenancy import tenant_context
from saas.testing.workspaces import sign_up
from tests.conftest import ROOT, make_app, wait_until
from tests.killable_worker import StallingLedger

DEADLINE = 45


def effects(app, tenant_id) -> tuple[list[str], list[str], int]:
    """The tags every event should have made, the tags there are, and the handled-event records."""
    with app.app_context(), tenant_context(tenant_id):
        expected = sorted(f"ev-{event_id.hex[-12:]}" for event_id in db.session.scalars(sa.select(OutboxEvent.id)))
        tags = sorted(name for name in db.session.scalars(sa.select(Tag.name)) if name.startswith("ev-"))
        handled = db.session.scalar(sa.select(sa.func.count()).select_from(HandledEvent))
        db.session.rollback()
    return expected, tags, handled


def start_worker(app, sentinel, moment: str, log) -> subprocess.Popen:
    config = {key: app.config[key] for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI",
                                               "MIGRATION_DATABASE_URL", "REDIS_URL", "JOBS_MAINTENANCE_SECONDS")}
    return subprocess.Popen([sys.executable, "tests/killable_worker.py", json.dumps(config), str(sentinel), moment,
                             "fast"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def stuck_jobs(app) -> dict[str, int]:
    with app.app_context():
        rq = queues.current_queue()
        found = {}
        for name in queues.QUEUES:
            queue = rq.queue(name)
            found[name] = (queue.count + len(StartedJobRegistry(queue=queue).get_job_ids(cleanup=False))
                           + queue.scheduled_job_registry.count + FailedJobRegistry(queue=queue).count)
        return found


@pytest.mark.redis
def test_a_worker_killed_mid_job_leaves_no_job_stuck_and_every_effect_once(app, database, redis_server, tmp_path,
                                                                           figure):
    sentinel = tmp_path / "stalled"
    rq_app = make_app(database, plugins=[("ledger", StallingLedger(sentinel, "never"))], REDIS_URL=redis_server.url,
                      JOBS_MAINTENANCE_SECONDS=1)
    workspace = sign_up(rq_app.test_client())
    assert workspace.open("PUT", "/api/v1/modules/ledger", json={"enabled": True}).status_code == 200
    for n in range(5):
        workspace.customer(name=f"while a worker dies {n}")

    with open(tmp_path / "stalled.log", "wb") as log:
        stalled = start_worker(rq_app, sentinel, "before-commit", log)
        try:
            wait_until(lambda: sentinel.exists() or stalled.poll() is not None, timeout=60, what="a job stalling")
            assert stalled.poll() is None, (tmp_path / "stalled.log").read_text()
        finally:
            stalled.kill()  # SIGKILL: no clean-up of any kind
            stalled.wait(timeout=10)
    killed = time.monotonic()
    expected, tags, _ = effects(rq_app, workspace.id)
    assert len(tags) < len(expected)  # the killed job's write was never committed

    with open(tmp_path / "rescuer.log", "wb") as log:
        rescuer = start_worker(rq_app, tmp_path / "never", "rescue", log)
        try:
            def all_done():
                assert rescuer.poll() is None, (tmp_path / "rescuer.log").read_text()
                return effects(rq_app, workspace.id)[1] == expected

            wait_until(all_done, timeout=DEADLINE, what="every event's effect, the abandoned one's too")
            recovered = time.monotonic() - killed
            wait_until(lambda: not any(stuck_jobs(rq_app).values()), timeout=DEADLINE, what="no job left in rq")
        finally:
            rescuer.terminate()
            rescuer.wait(timeout=DEADLINE)
    expected, tags, handled = effects(rq_app, workspace.id)
    assert tags == expected and handled == len(expected)  # each once: no twin, none missing

    figure("events, each handled once", len(expected), "events")
    figure("jobs stuck", sum(stuck_jobs(rq_app).values()), "jobs")
    figure("kill to the abandoned job's effect (5 s job limit + 1 s grace, maintenance every 1 s)",
           round(recovered, 2), "s")
