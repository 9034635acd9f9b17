"""Domain events: written with the change (outbox), handed to jobs after commit, delivered to the
enabled modules once each, and not lost while Redis is down."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import Retry
from rq.registry import FailedJobRegistry, StartedJobRegistry

from saas import hookimpl
from saas.core import delivery, queues, schedules
from saas.core.customers import Tag
from saas.core.db import db
from saas.core.event_types import CUSTOMER_DELETED, CUSTOMER_UPDATED
from saas.core.outbox import HandledEvent, OutboxEvent
from saas.core.hooktypes import EventType, ModuleInfo, Schedule
from saas.core.tenancy import tenant_context
from tests.conftest import make_app, rq_retry_due, wait_until


ROOT = Path(__file__).resolve().parent.parent
TICKS: list[str] = []


def ledger_tick() -> None:
    """The ledger's periodic work (module level: rq imports it by name); fails while told to."""
    if TICKS and TICKS[-1] == "fail next":
        TICKS[-1] = "failed"
        raise RuntimeError("the ledger is locked")
    TICKS.append("tick")


class Ledger:
    """Notes every event it is given as a tag named after it: a database effect to count."""

    def __init__(self):
        self.seen: list[tuple[uuid.UUID, str]] = []
        self.fail = False
        self.barrier = None  # a threading.Barrier that handlers wait at, to run twins side by side

    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="ledger", title="Ledger")

    @hookimpl
    def saas_event_types(self):
        return [EventType("ledger.noted", "The ledger noted an event", {"event_id": "…"})]

    @hookimpl
    def saas_schedules(self):
        return [Schedule("ledger.tick", "*/5 * * * *", ledger_tick)]

    @hookimpl
    def saas_handle_event(self, tenant, event):
        if self.fail:
            raise RuntimeError("ledger is full")
        if self.barrier is not None:
            self.barrier.wait(timeout=10)
        self.seen.append((tenant.id, event.type))
        db.session.add(Tag(name=f"ev-{event.id.hex[-12:]}"))


@pytest.fixture
def ledger():
    return Ledger()


@pytest.fixture
def plugin_app(app, database, ledger):
    return make_app(database, plugins=[("ledger", ledger)])


@pytest.fixture
def client(plugin_app):
    return plugin_app.test_client()


def events_of(app, tenant) -> list[OutboxEvent]:
    with app.app_context(), tenant_context(tenant.id):
        rows = list(db.session.scalars(sa.select(OutboxEvent).order_by(OutboxEvent.occurred_at, OutboxEvent.id)))
        db.session.expunge_all()
        db.session.rollback()
    return rows


def tags_of(app, tenant) -> list[str]:
    with app.app_context(), tenant_context(tenant.id):
        names = sorted(db.session.scalars(sa.select(Tag.name)))
        db.session.rollback()
    return names


def enable_ledger(tenant):
    response = tenant.open("PUT", "/api/v1/modules/ledger", json={"enabled": True})
    assert response.status_code == 200, response.json


def test_core_changes_emit_events_in_the_same_transaction(plugin_app, tenant_a):
    customer = tenant_a.customer(name="Li Wei")
    tenant_a.patch(f"/api/v1/customers/{customer['id']}", json={"email": "li@a.example"})
    purchase = tenant_a.post("/api/v1/purchases", json={
        "customer_id": customer["id"], "product": "Longjing", "amount": "120.00",
        "purchased_at": "2026-05-01T08:00:00Z"}).json
    tenant_a.post(f"/api/v1/purchases/{purchase['id']}/refund", json={"amount": "20.00"})
    tenant_a.post("/api/v1/interactions", json={"customer_id": customer["id"], "channel": "phone",
                                                "subject": "follow-up", "occurred_at": "2026-05-02T08:00:00Z"})
    tenant_a.delete(f"/api/v1/customers/{customer['id']}")
    tenant_a.post(f"/api/v1/customers/{customer['id']}/restore")
    refused = tenant_a.post("/api/v1/customers", json={"name": "x", "owner_id": str(uuid.uuid4())})
    assert refused.status_code == 422
    events = events_of(plugin_app, tenant_a)
    assert [e.type for e in events] == [
        "customer.created", "customer.updated", "purchase.recorded", "customer.tier_changed",
        "customer.stage_changed", "purchase.refunded", "interaction.logged", "customer.deleted", "customer.restored"]
    assert events[1].data == {"customer_id": customer["id"], "fields": ["email"]}
    assert events[2].data["amount"] == "120.00" and events[2].data["customer_id"] == customer["id"]
    assert events[3].data["to"] == "general" and events[4].data["to"] == "dormant"
    assert events[5].data["refunded"] == "20.00"
    assert all(e.actor.startswith("api_key:") for e in events)
    assert all(e.delivered_at is not None for e in events)  # in-process: delivered after the request


def test_every_core_event_s_data_has_the_keys_of_its_catalogue_example(plugin_app, tenant_a, tenant_b):
    """What webhook receivers are promised (the catalogue, docs/webhooks.md) is what they get."""
    from saas.core.event_types import CORE_EVENT_TYPES

    kept, other = tenant_a.customer(name="Kept"), tenant_a.customer(name="Other")
    tenant_a.patch(f"/api/v1/customers/{kept['id']}", json={"email": "k@a.example"})
    purchase = tenant_a.post("/api/v1/purchases", json={
        "customer_id": other["id"], "product": "Tea", "amount": "120.00", "purchased_at": "2026-05-01T08:00:00Z",
        "external_ref": "SO-9"}).json
    tenant_a.post(f"/api/v1/purchases/{purchase['id']}/refund", json={"amount": "20.00"})
    tenant_a.post("/api/v1/interactions", json={"customer_id": kept["id"], "channel": "phone", "subject": "call",
                                                "occurred_at": "2026-05-02T08:00:00Z"})
    tenant_a.post(f"/api/v1/customers/{kept['id']}/merge", json={"merged_id": other["id"]})
    tenant_a.delete(f"/api/v1/customers/{kept['id']}")
    tenant_a.post(f"/api/v1/customers/{kept['id']}/restore")
    enable_ledger(tenant_a)
    tenant_a.put("/api/v1/modules/ledger", json={"enabled": False})
    agent = tenant_a.post("/api/v1/members", json={"email": "leaving@a.example", "password": "a long enough password",
                                                   "role": "agent"}).json
    tenant_a.delete(f"/api/v1/members/{agent['id']}")
    with plugin_app.app_context(), tenant_context(tenant_a.id):
        from saas.core.webhooks import outbound
        from saas.core.webhooks import WebhookEndpoint
        endpoint = WebhookEndpoint(url="http://127.0.0.1:9/", event_types=["*"])
        db.session.add(endpoint)
        db.session.flush()
        outbound.disable(endpoint, "the endpoint answered 410 Gone")
        db.session.commit()
    emitted = {e.type: e.data for e in events_of(plugin_app, tenant_a)}
    assert set(emitted) == {t.name for t in CORE_EVENT_TYPES}
    for event_type in CORE_EVENT_TYPES:
        assert set(emitted[event_type.name]) == set(event_type.example), event_type.name


def test_saas_handle_event_reaches_only_tenants_that_enabled_the_module(plugin_app, tenant_a, tenant_b, ledger):
    enable_ledger(tenant_a)
    tenant_a.customer(name="A's")
    tenant_b.customer(name="B's")
    assert ledger.seen == [(tenant_a.id, "module.enabled"), (tenant_a.id, "customer.created")]
    assert len(tags_of(plugin_app, tenant_a)) == 2
    assert tags_of(plugin_app, tenant_b) == []


@pytest.mark.redis
def test_a_handler_job_queued_before_the_module_was_disabled_does_not_run_it(rq_app, rq_tenant, ledger):
    work(rq_app)
    rq_tenant.customer(name="queued while on")
    with rq_app.app_context():  # the fan-out ran while the module was on: a handler job waits
        queue = queues.current_queue().queue("default")
        deliver = queue.jobs[0]
        assert deliver.func_name == "saas.core.delivery.deliver_event"
        queue.remove(deliver)
        deliver.perform()
        assert [j.args[2] for j in queue.jobs if j.func_name == "saas.core.delivery.handle_event"] == ["ledger"]
    assert rq_tenant.put("/api/v1/modules/ledger", json={"enabled": False}).status_code == 200
    before = tags_of(rq_app, rq_tenant)
    ledger.seen.clear()
    work(rq_app)
    assert ledger.seen == [] and tags_of(rq_app, rq_tenant) == before


def test_saas_event_types_join_the_catalogue(tenant_a):
    names = [item["name"] for item in tenant_a.get("/api/v1/event-types").json["items"]]
    assert names[:3] == ["customer.created", "customer.updated", "customer.deleted"]
    assert "purchase.recorded" in names and "module.disabled" in names
    assert names[-1] == "ledger.noted"


def test_a_redelivered_event_runs_each_handler_once(plugin_app, tenant_a, ledger):
    enable_ledger(tenant_a)
    tenant_a.customer()
    event = events_of(plugin_app, tenant_a)[-1]
    before = tags_of(plugin_app, tenant_a)
    with plugin_app.app_context():
        delivery.deliver_event(str(tenant_a.id), str(event.id))
        delivery.handle_event(str(tenant_a.id), str(event.id), "ledger")
        queues.current_queue().run_pending()
    assert tags_of(plugin_app, tenant_a) == before
    assert [t for t in ledger.seen if t[1] == "customer.created"] == [(tenant_a.id, "customer.created")]


@pytest.mark.postgres
def test_twin_handler_jobs_running_side_by_side_have_one_effect_and_report_no_error(plugin_app, tenant_a, ledger):
    enable_ledger(tenant_a)
    tenant_a.customer(name="twice")
    event = events_of(plugin_app, tenant_a)[-1]
    tag = f"ev-{event.id.hex[-12:]}"
    with plugin_app.app_context(), tenant_context(tenant_a.id):
        db.session.execute(sa.delete(HandledEvent).where(HandledEvent.event_id == event.id))
        db.session.execute(sa.delete(Tag).where(Tag.name == tag))
        db.session.commit()
    ledger.barrier = threading.Barrier(2)

    def handle(_):
        with plugin_app.app_context():
            delivery.handle_event(str(tenant_a.id), str(event.id), "ledger")

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(handle, range(2)))  # both are in the handler before either commits
    assert tags_of(plugin_app, tenant_a).count(tag) == 1
    assert tenant_a.get("/api/v1/modules/errors").json["items"] == []


@pytest.mark.postgres
def test_two_sweepers_at_once_hand_each_event_over_once(plugin_app, tenant_a, monkeypatch):
    for n in range(3):
        tenant_a.customer(name=f"swept {n}")
    with plugin_app.app_context(), tenant_context(tenant_a.id):
        db.session.execute(sa.update(OutboxEvent).values(delivered_at=None))  # as if Redis had been down
        db.session.commit()
    handed = {"first": [], "second": []}
    first_is_holding, second_is_done = threading.Event(), threading.Event()

    def enqueue(self, func, *args, queue="default"):
        sweeper = threading.current_thread().name
        handed[sweeper].extend(args[1])  # deliver_events(tenant_id, [event ids])
        if sweeper == "first" and not first_is_holding.is_set():
            first_is_holding.set()  # mid-sweep, its rows locked until it commits
            second_is_done.wait(10)

    def sweep():
        with plugin_app.app_context():
            delivery.sweep_events(0)
        if threading.current_thread().name == "second":
            second_is_done.set()

    monkeypatch.setattr(queues.InProcessQueue, "enqueue", enqueue)
    first = threading.Thread(target=sweep, name="first")
    first.start()
    assert first_is_holding.wait(10)
    second = threading.Thread(target=sweep, name="second")
    second.start()
    second.join(10)
    first.join(10)
    assert len(handed["first"]) == 3 and handed["second"] == []  # SKIP LOCKED: the second took none


def test_a_failing_handler_changes_nothing_and_its_error_is_shown_to_the_admins(plugin_app, tenant_a, ledger):
    enable_ledger(tenant_a)
    before = tags_of(plugin_app, tenant_a)  # the tag noted for module.enabled
    ledger.fail = True
    assert tenant_a.post("/api/v1/customers", json={"name": "still created"}).status_code == 201
    assert tags_of(plugin_app, tenant_a) == before
    errors = tenant_a.get("/api/v1/modules/errors").json["items"]
    assert [(e["module"], e["hook"]) for e in errors] == [("ledger", "saas_handle_event")]
    assert "ledger is full" in errors[0]["error"]


def test_in_process_a_failed_handler_gets_the_event_again_from_the_next_sweep(plugin_app, tenant_a, ledger):
    enable_ledger(tenant_a)
    ledger.fail = True
    tenant_a.customer(name="retried later")
    pending = [e for e in events_of(plugin_app, tenant_a) if e.delivered_at is None]
    assert [e.type for e in pending] == ["customer.created"]  # not lost: waiting for the sweep
    ledger.fail = False
    ledger.seen.clear()
    result = plugin_app.test_cli_runner().invoke(args=["jobs", "sweep", "--grace", "0"])
    assert result.output.strip() == "1 event(s) handed over"
    assert ledger.seen == [(tenant_a.id, "customer.created")]
    assert all(e.delivered_at is not None for e in events_of(plugin_app, tenant_a))


# -- on rq, with a Redis server of the test's own that it can stop and start ------------------


@pytest.fixture
def rq_app(app, database, ledger, redis_server):
    return make_app(database, plugins=[("ledger", ledger)], REDIS_URL=redis_server.url)


@pytest.fixture
def rq_tenant(rq_app, sign_up):
    """A workspace speaking to ``rq_app`` with the ledger enabled (its event not yet handled)."""
    tenant = sign_up()
    tenant.client = rq_app.test_client()
    enable_ledger(tenant)
    return tenant


def work(app) -> None:
    """Run an rq worker in this process until the queues are empty."""
    with app.app_context():
        queues.current_queue().work(burst=True)


@pytest.mark.redis
def test_on_rq_events_are_delivered_by_workers(rq_app, rq_tenant, ledger):
    rq_tenant.customer(name="queued")
    assert ledger.seen == []  # nothing runs until a worker does
    work(rq_app)
    assert ledger.seen == [(rq_tenant.id, "module.enabled"), (rq_tenant.id, "customer.created")]
    assert all(e.delivered_at is not None for e in events_of(rq_app, rq_tenant))


@pytest.mark.redis
def test_with_redis_stopped_the_api_answers_and_no_event_is_lost(rq_app, rq_tenant, ledger, redis_server):
    work(rq_app)
    redis_server.stop()
    made = [rq_tenant.customer(name=f"during the outage {n}") for n in range(3)]
    assert len(made) == 3  # every request answered 201
    pending = [e for e in events_of(rq_app, rq_tenant) if e.delivered_at is None]
    assert [e.type for e in pending] == ["customer.created"] * 3
    redis_server.start()  # empty: what was queued before the outage is gone too
    with rq_app.app_context():
        assert delivery.sweep_events(0) == 3
    work(rq_app)
    assert [t for t in ledger.seen if t[1] == "customer.created"] == [(rq_tenant.id, "customer.created")] * 3
    assert all(e.delivered_at is not None for e in events_of(rq_app, rq_tenant))
    with rq_app.app_context():
        assert delivery.sweep_events(0) == 0


@pytest.mark.redis
def test_on_rq_a_failing_handler_is_retried_then_kept_as_failed_and_can_be_requeued(rq_app, rq_tenant, ledger,
                                                                                      monkeypatch):
    monkeypatch.setattr(queues, "RETRY", Retry(max=1, interval=1))  # one retry, a second later
    work(rq_app)
    ledger.fail = True
    rq_tenant.customer(name="unlucky")
    work(rq_app)  # the handler fails; its retry waits in rq's registry of scheduled jobs
    with rq_app.app_context():
        queue = queues.current_queue().queue("default")
        assert queue.scheduled_job_registry.count == 1 and FailedJobRegistry(queue=queue).count == 0
    wait_until(lambda: rq_retry_due(rq_app), what="the retry's backoff")
    runner = rq_app.test_cli_runner()
    worked = runner.invoke(args=["jobs", "worker", "--burst"])  # its scheduler queues the retry, which fails
    assert worked.exit_code == 0, worked.output
    assert ledger.seen.count((rq_tenant.id, "customer.created")) == 0
    listed = runner.invoke(args=["jobs", "failed"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.strip().splitlines()
    assert len(lines) == 1 and "handle_event" in lines[0] and "ledger is full" in lines[0]
    ledger.fail = False
    requeued = runner.invoke(args=["jobs", "requeue", "--all"])
    assert requeued.output.strip() == "1 job(s) re-queued"
    work(rq_app)
    assert ledger.seen.count((rq_tenant.id, "customer.created")) == 1
    assert runner.invoke(args=["jobs", "failed"]).output == ""


def test_saas_schedules_run_once_each_from_the_cli(plugin_app, tenant_a):
    TICKS.clear()
    result = plugin_app.test_cli_runner().invoke(args=["jobs", "run-schedules"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["ran classification.recompute", "ran data_quality.duplicates",
                                          "ran events.sweep", "ran exports.remove_old", "ran imports.remove_old_files",
                                          "ran imports.requeue", "ran ledger.tick",
                                          "ran notifications.digest", "ran tenants.requeue", "ran webhooks.sweep"]
    assert TICKS == ["tick"]
    unknown = plugin_app.test_cli_runner().invoke(args=["jobs", "run-schedules", "ledger.tock"])
    assert unknown.exit_code == 2 and "no schedule named ledger.tock" in unknown.output


@pytest.mark.redis
def test_saas_schedules_run_once_per_period_even_with_two_schedulers(rq_app):
    TICKS.clear()
    with rq_app.app_context():
        queue = queues.current_queue()
        schedulers = [schedules.cron_scheduler(queue), schedules.cron_scheduler(queue)]
        for scheduler in schedulers:
            names = sorted(j.name for j in scheduler.get_jobs())
            assert names == ["classification.recompute", "data_quality.duplicates", "events.sweep", "exports.remove_old",
                             "imports.remove_old_files", "imports.requeue", "ledger.tick", "notifications.digest",
                             "tenants.requeue", "webhooks.sweep"]
            for cron_job in scheduler.get_jobs():
                cron_job.next_enqueue_time = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)  # due now
            assert len(scheduler.enqueue_jobs()) == len(names)
    work(rq_app)
    assert TICKS == ["tick"]


@pytest.mark.redis
def test_scheduled_work_that_fails_is_retried_and_then_done_once(rq_app, monkeypatch):
    monkeypatch.setattr(queues, "RETRY", Retry(max=2, interval=1))
    TICKS[:] = ["fail next"]
    with rq_app.app_context():
        scheduler = schedules.cron_scheduler(queues.current_queue())
        tick = next(j for j in scheduler.get_jobs() if j.name == "ledger.tick")
        tick.next_enqueue_time = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
        scheduler.enqueue_jobs()
    work(rq_app)
    assert TICKS == ["failed"]
    wait_until(lambda: rq_retry_due(rq_app), what="the retry's backoff")
    work(rq_app)  # the retry, for the same period: the failed run did not keep the period's mark
    assert TICKS == ["failed", "tick"]
    work(rq_app)
    assert TICKS == ["failed", "tick"]


def test_a_scheduled_job_belongs_to_the_period_it_was_enqueued_in():
    daily = Schedule("ledger.daily", "0 9 * * *", ledger_tick)
    local = dt.datetime.now().astimezone().tzinfo
    on_time = dt.datetime(2026, 11, 23, 9, 0, 0, tzinfo=local)
    assert schedules.period_of(daily, on_time) == on_time
    assert schedules.period_of(daily, on_time + dt.timedelta(hours=23, minutes=59)) == on_time  # taken late
    assert schedules.period_of(daily, on_time - dt.timedelta(seconds=1)) == on_time - dt.timedelta(days=1)


@pytest.mark.redis
@pytest.mark.parametrize("moment", ["before-commit", "after-commit"])
def test_a_worker_killed_mid_job_leaves_a_retried_job_and_a_single_effect(rq_app, rq_tenant, ledger, database,
                                                                           tmp_path, moment):
    work(rq_app)
    ledger.seen.clear()
    rq_tenant.customer(name="interrupted")
    event = next(e for e in events_of(rq_app, rq_tenant) if e.type == "customer.created")
    tag = f"ev-{event.id.hex[-12:]}"
    sentinel = tmp_path / "stalled"
    config = {key: rq_app.config[key] for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI",
                                                  "MIGRATION_DATABASE_URL", "REDIS_URL")}
    worker = subprocess.Popen([sys.executable, "tests/killable_worker.py", json.dumps(config), str(sentinel), moment],
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while not sentinel.exists():
            assert worker.poll() is None, "the worker ended before it stalled"
            assert time.monotonic() < deadline, "the worker did not reach the handler in 60 s"
            time.sleep(0.05)
    finally:
        worker.kill()  # SIGKILL: no clean-up of any kind
        worker.wait(timeout=10)
    assert (tag in tags_of(rq_app, rq_tenant)) == (moment == "after-commit")
    with rq_app.app_context():
        queue = queues.current_queue().queue("default")
        started = StartedJobRegistry(queue=queue)
        assert len(started.get_job_ids(cleanup=False)) == 1  # what rq knows: a job that never finished
        started.cleanup(time.time() + 3600)  # rq's maintenance, once the dead worker's heartbeat expired
        assert queue.scheduled_job_registry.count == 1 and FailedJobRegistry(queue=queue).count == 0
    wait_until(lambda: rq_retry_due(rq_app), what="the retry's backoff")
    work(rq_app)
    assert tags_of(rq_app, rq_tenant).count(tag) == 1
    assert ledger.seen == ([(rq_tenant.id, "customer.created")] if moment == "before-commit" else [])
    with rq_app.app_context():
        assert queue.count == 0 and FailedJobRegistry(queue=queue).count == 0


def test_a_commit_s_events_are_handed_over_as_one_job_that_delivers_them_in_order_a_batch_at_a_time(
        plugin_app, tenant_a, monkeypatch):
    """One job per commit, never one per event nor batches that two workers could take out of
    order: the job gives the receivers one batch after another, in the order emitted."""
    from saas.core.events import emit_many

    enqueued, batches = [], []
    monkeypatch.setattr(queues.InProcessQueue, "enqueue",
                        lambda self, func, *args, **kw: enqueued.append((func.__name__, args)))
    monkeypatch.setattr(delivery, "BATCH", 2)
    receivers = plugin_app.extensions[delivery.RECEIVERS]
    monkeypatch.setitem(plugin_app.extensions, delivery.RECEIVERS,
                        (*receivers, lambda rows: batches.append([row.data["n"] for row in rows])))
    with plugin_app.app_context(), tenant_context(tenant_a.id):
        emit_many(CUSTOMER_DELETED, [{"customer_id": str(uuid.uuid4()), "n": n} for n in range(5)])
        db.session.commit()
    assert [(name, len(args[1])) for name, args in enqueued] == [("deliver_events", 5)]
    with plugin_app.app_context():
        delivery.deliver_events(*enqueued[0][1])
    assert batches == [[0, 1], [2, 3], [4]]
    deleted = [e for e in events_of(plugin_app, tenant_a) if e.type == "customer.deleted"]
    assert [e.delivered_at is not None for e in deleted] == [True] * 5


def test_a_statement_s_events_are_written_in_sql_and_handed_over_by_their_stamp(plugin_app, tenant_a, tenant_b,
                                                                                monkeypatch):
    """``emit_selected(many=True)``: no event id comes to Python; one job finds them after commit.
    The SELECT names no tenant: the bound one's filter is added (tenant B's customer stays out)."""
    from saas.core.customers import Customer
    from saas.core.events import emit_selected

    tenant_b.customer(name="c0")
    customers = {tenant_a.customer(name=f"c{n}")["id"] for n in range(5)}
    enqueued = []
    monkeypatch.setattr(queues.InProcessQueue, "enqueue",
                        lambda self, func, *args, **kw: enqueued.append((func, args)))
    monkeypatch.setattr(delivery, "BATCH", 2)
    with plugin_app.app_context(), tenant_context(tenant_a.id):
        rows = sa.select(Customer.id.label("customer_id"), Customer.name.label("name"))
        assert emit_selected(CUSTOMER_UPDATED, rows.where(Customer.name == "c0")) == 1  # ids come back
        assert emit_selected(CUSTOMER_DELETED, rows, many=True) == 5
        waiting = db.session.info[queues._AFTER_COMMIT]  # one event id, one statement's stamp
        assert {hand_over.__name__: len(items) for hand_over, items in waiting.items()} == {
            "hand_over": 1, "hand_over_emitted": 1}
        db.session.commit()
    assert [func.__name__ for func, _ in enqueued] == ["deliver_event", "deliver_emitted"]
    deliver_emitted = enqueued[1]
    enqueued.clear()
    with plugin_app.app_context():
        assert deliver_emitted[0](*deliver_emitted[1]) == 5  # within its budget: all of them, no sequel
    assert delivery.deliver_emitted not in [func for func, _ in enqueued]
    deleted = [e for e in events_of(plugin_app, tenant_a) if e.type == "customer.deleted"]
    assert {e.data["customer_id"] for e in deleted} == customers  # canonical UUID text, as emit() writes
    assert all(set(e.data) == {"customer_id", "name"} and e.delivered_at is not None for e in deleted)
    assert len({e.id for e in deleted}) == 5 and all(e.id.version == 7 for e in deleted)


def test_a_statement_s_events_past_the_job_s_budget_go_on_in_its_one_sequel_in_id_order(plugin_app, tenant_a,
                                                                                       tenant_b, monkeypatch):
    """A million events of a recompute must not flood the queue: the job that delivers them queues
    one sequel when its time is up, which goes on after the last event delivered. The same job
    for another workspace finds none of them."""
    from saas.core.customers import Customer
    from saas.core.events import emit_selected

    for n in range(5):
        tenant_a.customer(name=f"c{n}")
    enqueued, batches = [], []
    monkeypatch.setattr(queues.InProcessQueue, "enqueue",
                        lambda self, func, *args, **kw: enqueued.append((func, args)))
    monkeypatch.setattr(delivery, "BATCH", 2)
    monkeypatch.setattr(delivery, "BUDGET_SECONDS", -1)  # time is up after every batch
    receivers = plugin_app.extensions[delivery.RECEIVERS]
    monkeypatch.setitem(plugin_app.extensions, delivery.RECEIVERS,
                        (*receivers, lambda rows: batches.append([row.id for row in rows])))
    with plugin_app.app_context(), tenant_context(tenant_a.id):
        emit_selected(CUSTOMER_DELETED, sa.select(Customer.id.label("customer_id")), many=True)
        db.session.commit()
    [(_, first)] = [(func, args) for func, args in enqueued if func is delivery.deliver_emitted]
    with plugin_app.app_context():
        assert delivery.deliver_emitted(str(tenant_b.id), *first[1:]) == 0
    delivered = []
    with plugin_app.app_context():
        while sequels := [args for func, args in enqueued if func is delivery.deliver_emitted]:
            [args] = sequels  # one job waits for these events, never more
            enqueued.clear()
            delivered.append(delivery.deliver_emitted(*args))
    assert delivered == [2, 2, 1]
    ids = [event_id for batch in batches for event_id in batch]
    assert [len(batch) for batch in batches] == [2, 2, 1] and ids == sorted(ids)
    deleted = [e for e in events_of(plugin_app, tenant_a) if e.type == "customer.deleted"]
    assert len(deleted) == 5 and all(e.delivered_at is not None for e in deleted)


def test_events_a_rolled_back_statement_emitted_are_not_handed_over(plugin_app, tenant_a, monkeypatch):
    from saas.core.customers import Customer
    from saas.core.events import emit_selected

    tenant_a.customer()
    enqueued = []
    monkeypatch.setattr(queues.InProcessQueue, "enqueue", lambda self, func, *args, **kw: enqueued.append(func))
    with plugin_app.app_context(), tenant_context(tenant_a.id):
        emit_selected(CUSTOMER_DELETED, sa.select(Customer.id.label("customer_id")), many=True)
        db.session.rollback()
        db.session.commit()
    assert enqueued == []
