"""The background processes ride out a Redis outage: ``flask jobs worker`` and ``flask jobs
scheduler`` run as processes of their own against a redis-server of the test's, which is stopped
mid-job and started again (or started only after them); both keep running and do the work queued
afterwards. Every wait polls with a deadline."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import redis
import sqlalchemy as sa
from rq.exceptions import StopRequested

from saas.core import queues, reconnect
from saas.core.accounts import Tenant
from saas.core.imports import requeue as import_requeue
from saas.core.db import db
from saas.core.leases import Lease, LeaseLost
from saas.core.outbox import OutboxEvent
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow
from tenants import deletion, requeue
from tests.conftest import ROOT, RedisServer, make_app, wait_until
from tests.fault_load import Load
from tests.webhook_receiver import Receiver

DEADLINE = 30  # seconds for any one step


@pytest.fixture
def rq_app(app, database, redis_server):
    return make_app(database, REDIS_URL=redis_server.url)


class Process:
    """``flask jobs COMMAND`` in a process of its own, its output in a file."""

    def __init__(self, app, folder, command: str, option: str = ""):
        config = {key: app.config[key] for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI",
                                                   "MIGRATION_DATABASE_URL", "REDIS_URL",
                                                   "WEBHOOK_ALLOW_PRIVATE_NETWORKS", "WEBHOOK_TIMEOUT_SECONDS")}
        self.log = folder / f"{command}.log"
        self.command = command
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "tests/outage_process.py", json.dumps(config), str(folder), command, option], cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}, stdout=out,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"flask jobs {self.command} exited ({self.process.returncode}):\n{self.output()}",
                        pytrace=False)
        return True

    def said(self, *texts: str) -> bool:
        self.alive()
        return any(text in self.output() for text in texts)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


@pytest.fixture
def processes(tmp_path):
    started = []

    def _start(app, command, option=""):
        started.append(Process(app, tmp_path, command, option))
        return started[-1]

    yield _start
    for process in started:
        process.stop()


def beats(url: str) -> int:
    try:
        return int(redis.Redis.from_url(url).get("pulse:beats") or 0)
    except redis.RedisError:
        return 0


def delivered(app, tenant, customer_id: str) -> bool:
    with app.app_context(), tenant_context(tenant.id):
        events = db.session.execute(sa.select(OutboxEvent.data, OutboxEvent.delivered_at)
                                    .where(OutboxEvent.type == "customer.created")).all()
        db.session.rollback()
    return any(data.get("customer_id") == customer_id and at is not None for data, at in events)


def wait(condition, what: str):
    return wait_until(condition, timeout=DEADLINE, what=what)


@pytest.mark.redis
def test_the_worker_and_the_scheduler_survive_redis_stopping_mid_job_and_work_once_it_is_back(
        rq_app, sign_up, redis_server, processes, tmp_path):
    tenant = sign_up()
    tenant.client = rq_app.test_client()
    worker, scheduler = processes(rq_app, "worker"), processes(rq_app, "scheduler")
    wait(lambda: worker.alive() and scheduler.alive() and beats(redis_server.url) >= 2, "the first beats")
    (tmp_path / "hold").touch()
    wait(lambda: worker.alive() and (tmp_path / "holding").exists(), "a beat holding its job")
    redis_server.stop()  # mid-job: the job ends during the outage, and the worker's heartbeat after it fails
    (tmp_path / "hold").unlink()
    wait(lambda: worker.said("worker: Redis is unreachable"), "the worker noticing the outage")
    wait(lambda: scheduler.said("scheduler: Redis is unreachable"), "the scheduler noticing the outage")
    redis_server.start()  # empty: any beat counted now was scheduled and run after the outage
    customer = tenant.customer(name="after the outage")
    wait(lambda: beats(redis_server.url) >= 2, "beats after the outage")
    wait(lambda: delivered(rq_app, tenant, customer["id"]), "the event queued after the outage being handled")
    assert worker.alive() and scheduler.alive()
    # rq's own worker did lose the connection outside its retry loop, where it used to quit for good
    assert worker.said("found an unhandled exception, quitting", "Redis connection timeout, quitting")
    assert (worker.stop(), scheduler.stop()) == (0, 0)  # asked to stop, they do
    assert "flask jobs worker stopped" in worker.output() and "flask jobs scheduler stopped" in scheduler.output()


@pytest.mark.redis
def test_the_worker_and_the_scheduler_started_before_redis_wait_for_it_and_then_work(
        app, database, sign_up, processes, tmp_path):
    server = RedisServer(tmp_path)  # its port chosen, not started yet
    rq_app = make_app(database, REDIS_URL=server.url)
    worker, scheduler = processes(rq_app, "worker"), processes(rq_app, "scheduler")
    try:
        wait(lambda: worker.said("worker: Redis is unreachable"), "the worker waiting for Redis")
        wait(lambda: scheduler.said("scheduler: Redis is unreachable"), "the scheduler waiting for Redis")
        server.start()
        tenant = sign_up()
        tenant.client = rq_app.test_client()
        customer = tenant.customer(name="once Redis is there")
        wait(lambda: beats(server.url) >= 2, "the first beats")
        wait(lambda: delivered(rq_app, tenant, customer["id"]), "the event being handled")
        assert worker.alive() and scheduler.alive()
    finally:
        worker.stop()
        scheduler.stop()
        server.stop()


class FlakyRedis:
    """Answers ``ping`` after ``failures`` refusals."""

    def __init__(self, failures: int):
        self.failures = failures

    def ping(self):
        if self.failures:
            self.failures -= 1
            raise redis.ConnectionError("Connection refused")
        return True


def test_waiting_for_redis_backs_off_exponentially_up_to_the_cap_then_runs(monkeypatch):
    monkeypatch.setattr(reconnect.random, "uniform", lambda low, high: 1.0)
    waits = []
    result = reconnect.keep_running(FlakyRedis(8), lambda: "ran", what="test", sleep=waits.append)
    assert result == "ran"
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0]


def test_a_run_that_loses_redis_is_started_again_and_a_stop_while_waiting_ends_it(monkeypatch):
    monkeypatch.setattr(reconnect.random, "uniform", lambda low, high: 1.0)
    runs = []

    def run():
        runs.append(1)
        if len(runs) < 3:
            raise redis.ConnectionError("Connection closed by server.")
        return "done"

    assert reconnect.keep_running(FlakyRedis(0), run, what="test", sleep=lambda s: None) == "done"
    assert len(runs) == 3

    def stopped(seconds):
        raise StopRequested()

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    assert reconnect.keep_running(FlakyRedis(1), lambda: "never", what="test", sleep=stopped) is None
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before  # the process's own again


@pytest.mark.redis
def test_a_worker_whose_channel_thread_read_the_unsubscribe_first_stops_within_seconds(redis_server):
    """redis-py 8's stop() of the command channel's thread waits for the thread, and rq asked it to
    stop only after unsubscribing: a thread that had read the answer first slept in its next read
    for rq's 60 s, at the end of every burst run (each of bench.webhooks' measurements)."""
    queue = queues.RqQueue(redis_server.url)
    worker = queues._Worker([queue.queue()], connection=queue.redis)
    worker.subscribe()
    worker.pubsub.unsubscribe()  # the losing order of the race: the answer read before the stop
    wait_until(lambda: not worker.pubsub.subscribed, what="the thread reading the answer")
    started = time.monotonic()
    worker.unsubscribe()
    assert time.monotonic() - started < 10  # it took 60 s


@pytest.mark.redis
@pytest.mark.postgres  # the production set-up: on SQLite two clients and a worker writing at once collide
def test_fault_redis_stopped_under_load_loses_no_event_and_delivers_all_once_it_is_back(
        rq_app, sign_up, redis_server, processes, figure):
    """The fault suite's Redis case: customers created at a steady rate by two clients while Redis
    stops and starts again under a worker and a scheduler left alone; every request answers 201,
    and every customer's ``customer.created`` reaches a webhook receiver once Redis is back."""
    tenant = sign_up()
    tenant.client = rq_app.test_client()
    with Receiver() as receiver:
        assert tenant.post("/api/v1/webhooks", json={"url": receiver.url("/hook")}).status_code == 201
        worker = processes(rq_app, "worker", "fast-sweep")
        scheduler = processes(rq_app, "scheduler", "fast-sweep")
        wait(lambda: worker.alive() and scheduler.alive() and beats(redis_server.url) >= 1, "the first beat")

        def received() -> dict[str, int]:
            counts: dict[str, int] = {}
            for message in receiver.at("/hook"):
                body = json.loads(message.body)
                if body["type"] == "customer.created":
                    counts[body["data"]["customer_id"]] = counts.get(body["data"]["customer_id"], 0) + 1
            return counts

        with Load(rq_app, tenant.key, pace=0.1) as load:  # about 20 customers a second, which one worker keeps up with
            wait(lambda: load.errors or len(received()) >= 10, "deliveries before the outage")
            assert not load.errors, load.errors[0]
            assert {a.status for a in load.answers} == {201}, [(a.status, a.body) for a in load.answers if a.status != 201][:3]
            redis_server.stop()
            stopped = time.monotonic()
            wait(lambda: load.count(201, stopped) >= 20, "customers created while Redis is away")
            # the worker notices when it next asks Redis for work: within its dequeue wait, longer on a
            # loaded machine (a CI run with another test process beside it once took over 30 s)
            wait_until(lambda: worker.said("worker: Redis is unreachable"), timeout=3 * DEADLINE,
                       what="the worker noticing that Redis is away")
            redis_server.start()  # empty: whatever rq held is gone
            back = time.monotonic()
            wait(lambda: load.count(201, back) >= 10, "customers created once it is back")
        assert not load.errors, load.errors[0]
        made = {a.body["id"] for a in load.answers if a.status == 201}
        assert {a.status for a in load.answers} == {201}  # the API never noticed
        during = [a for a in load.answers if stopped < a.ended - a.seconds and a.ended < back]
        wait(lambda: worker.alive() and scheduler.alive() and made <= set(received()), "every event delivered")
        all_delivered = time.monotonic() - back
        counts = received()
    assert set(counts) == made and worker.alive() and scheduler.alive()  # none lost, nobody restarted them
    with rq_app.app_context(), tenant_context(tenant.id):
        undelivered = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)
                                        .where(OutboxEvent.delivered_at.is_(None)))
        db.session.rollback()
    assert undelivered == 0

    figure("customers created while Redis was away (all 201)", len(during), "requests")
    figure("slowest request while Redis was away", round(max(a.seconds for a in during), 3), "s")
    figure("events lost", len(made - set(counts)), "events")
    figure("events delivered twice", sum(1 for n in counts.values() if n > 1), "events")
    figure("Redis back to the last event delivered (sweep every 1 s)", round(all_delivered, 2), "s")


def upload_import(tenant, name: str):
    response = tenant.post("/api/v1/imports", data={"kind": "customers", "file": (io.BytesIO(f"name\n{name}\n".encode()),
                                                                                 "customers.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 202, response.json
    return response.json


@pytest.mark.redis
@pytest.mark.one_database
def test_an_import_uploaded_while_redis_is_away_is_queued_again_and_runs_once_it_is_back(
        rq_app, sign_up, redis_server):
    """Found by the fault suite: its job, handed over after the upload's commit, was lost with
    Redis, and the run said "queued" for good."""
    tenant = sign_up()
    tenant.client = rq_app.test_client()
    redis_server.stop()
    lost = upload_import(tenant, "uploaded during the outage")
    assert lost["status"] == "queued"
    redis_server.start()  # empty
    waiting = upload_import(tenant, "uploaded once it is back")  # its job waits in rq: left alone
    with rq_app.app_context():
        assert import_requeue.requeue_lost(0) == 1
        assert import_requeue.requeue_lost(0) == 0  # now rq knows its job
        queues.current_queue().work(burst=True)
        assert import_requeue.requeue_lost(0) == 0
    statuses = {run["id"]: run["status"] for run in tenant.get("/api/v1/imports").json["items"]}
    assert statuses == {lost["id"]: "done", waiting["id"]: "done"}
    names = sorted(c["name"] for c in tenant.get("/api/v1/customers").json["items"])
    assert names == ["uploaded during the outage", "uploaded once it is back"]  # each imported once


def tenant_rows(app, tenant_id) -> int:
    """Every row ``tenant_id`` owns in every tenant table, and its tenants row."""
    with app.app_context(), tenant_context(tenant_id):
        rows = sum(db.session.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.tenant_id == tenant_id))
                   for table in deletion.tenant_tables())
        rows += db.session.scalar(sa.select(sa.func.count()).select_from(Tenant).where(Tenant.id == tenant_id))
        db.session.rollback()
    return rows


@pytest.mark.redis
def test_exports_and_a_deletion_whose_jobs_redis_lost_are_queued_again_and_each_runs_once(
        rq_app, sign_up, redis_server):
    """An export queued before Redis restarted empty, a deletion asked for while it was away: both
    jobs gone, the workspace ``deleting`` and the export ``queued`` for good; the requeue finds
    them (not the export whose job still waits) and the worker does each once."""
    staying, leaving = sign_up(), sign_up()
    for workspace in (staying, leaving):
        workspace.client = rq_app.test_client()
        workspace.customer(name="kept until the end")
    before_restart = staying.post("/api/v1/tenant/export")
    assert before_restart.status_code == 202
    redis_server.stop()
    asked = leaving.delete("/api/v1/tenant", json={"confirm": leaving.tenant["slug"]})
    assert asked.status_code == 202, asked.json  # the request never noticed
    redis_server.start()  # empty: the export's job is gone too
    waiting = staying.post("/api/v1/tenant/export").json  # its job waits in rq: left alone
    with rq_app.app_context():
        assert requeue.requeue_lost(0) == 2
        assert requeue.requeue_lost(0) == 0  # now rq knows their jobs
        queues.current_queue().work(burst=True)
        assert requeue.requeue_lost(0) == 0
    exports = {e: staying.get(f"/api/v1/tenant/exports/{e}").json for e in (before_restart.json["id"], waiting["id"])}
    assert {e: (answer["status"], answer["tables"] > 0) for e, answer in exports.items()} == {
        e: ("done", True) for e in exports}
    followed = rq_app.test_client().get(asked.json["url"]).json
    assert followed["status"] == "done" and followed["rows_deleted"] > 0
    assert tenant_rows(rq_app, leaving.id) == 0
    assert staying.get("/api/v1/customers").json["items"][0]["name"] == "kept until the end"


@pytest.mark.redis
def test_a_deletion_whose_run_is_alive_is_not_queued_again_and_a_second_run_leaves_it_to_the_first(
        rq_app, sign_up, redis_server):
    """Redis restarted empty while a worker ran the deletion: its job is unknown to rq, but its
    heartbeat is fresh, so it is not queued again, and a twin run (a retry) does nothing. Once the
    heartbeat is older than the lease the run counts as dead: queued again, it finishes the work,
    and the dead run, should it wake, can commit nothing more."""
    leaving = sign_up()
    leaving.client = rq_app.test_client()
    for n in range(3):
        leaving.customer(name=f"customer {n}")
    assert leaving.delete("/api/v1/tenant", json={"confirm": leaving.tenant["slug"]}).status_code == 202
    with rq_app.app_context():
        record = db.session.scalars(sa.select(deletion.TenantDeletion)).one()
        record_id = record.id
        db.session.rollback()
        live = Lease(deletion.TenantDeletion, deletion.TenantDeletion.id == record_id, deletion.LEASE_SECONDS)
        assert live.take()  # a worker at work on it
    redis_server.stop()
    redis_server.start()  # empty: the running job is unknown to rq now
    rows = tenant_rows(rq_app, leaving.id)
    with rq_app.app_context():
        assert requeue.requeue_lost(0) == 0
        deletion.erase(str(record_id))  # a twin run, as a retry or a second queueing would start
    assert tenant_rows(rq_app, leaving.id) == rows > 0  # it left the deletion to the live run

    with rq_app.app_context():  # the live run dies: no heartbeat for longer than the lease
        db.session.execute(sa.update(deletion.TenantDeletion).where(deletion.TenantDeletion.id == record_id).values(
            heartbeat_at=utcnow() - dt.timedelta(seconds=deletion.LEASE_SECONDS + 1)))
        db.session.commit()
        assert requeue.requeue_lost(0) == 1
        queues.current_queue().work(burst=True)
        assert db.session.get(deletion.TenantDeletion, record_id).status == "done"
        with pytest.raises(LeaseLost):
            live.renew()
        db.session.rollback()
        assert requeue.requeue_lost(0) == 0
    assert tenant_rows(rq_app, leaving.id) == 0
