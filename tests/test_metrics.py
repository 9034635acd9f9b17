"""``GET /metrics``: Prometheus text behind a token, requests by URL rule, jobs, webhook deliveries,
import rows and module errors counted where they happen, the backlog and queue depths read at
scrape time, and the sum of several processes in multiprocess mode.

The counters are the process's (prometheus-client's default registry), shared by every app the
suite builds, so each test compares a scrape after its work with one before it.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from saas import hookimpl
from saas.core.db import db
from saas.core.hooktypes import ModuleInfo
from saas.core.outbox import OutboxEvent
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow
from saas.testing import sign_up
from tests.conftest import make_app
from tests.test_imports import CUSTOMERS, csv_bytes, imported
from tests.webhook_receiver import Receiver

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "a-metrics-token-for-the-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
ONE_CUSTOMER = "/api/v1/customers/<uuid:customer_id>"


class Scrape:
    """One scrape's samples: ``scrape.value(name, **labels)`` sums those whose labels include these."""

    def __init__(self, text: str):
        self.text = text
        self.samples = [sample for family in text_string_to_metric_families(text) for sample in family.samples]

    def value(self, name: str, **labels) -> float:
        return sum(s.value for s in self.samples
                   if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))

    def has(self, name: str) -> bool:
        return any(s.name == name for s in self.samples)


def scrape(client) -> Scrape:
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return Scrape(response.get_data(as_text=True))


@pytest.fixture
def metrics_app(app, database):
    made = make_app(database, METRICS_TOKEN=TOKEN)
    yield made
    with made.app_context():
        db.engine.dispose()


@pytest.fixture
def metrics_client(metrics_app):
    return metrics_app.test_client()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def requests_of(scrape_: Scrape, route: str, status: str, method: str = "GET") -> float:
    return scrape_.value("retain_http_request_duration_seconds_count", route=route, method=method, status=status)


def test_after_requests_a_job_and_a_webhook_delivery_the_scrape_shows_them(metrics_client, receiver):
    tenant = sign_up(metrics_client)
    made = tenant.post("/api/v1/webhooks", json={"url": receiver.url("/hook"), "event_types": ["customer.created"]})
    assert made.status_code == 201, made.get_json()
    before = scrape(metrics_client)

    customer = tenant.post("/api/v1/customers", json={"name": "Li Lei"}).get_json()  # an event, its jobs, a webhook
    assert len(receiver.at("/hook")) == 1
    for _ in range(2):
        assert tenant.get(f"/api/v1/customers/{customer['id']}").status_code == 200
    assert tenant.get(f"/api/v1/customers/{uuid.uuid4()}").status_code == 404
    assert metrics_client.get("/no/such/page").status_code == 404
    after = scrape(metrics_client)

    def delta(name, **labels):
        return after.value(name, **labels) - before.value(name, **labels)

    assert delta("retain_http_request_duration_seconds_count", route=ONE_CUSTOMER, method="GET", status="200") == 2
    assert delta("retain_http_request_duration_seconds_count", route=ONE_CUSTOMER, method="GET", status="404") == 1
    assert delta("retain_http_request_duration_seconds_count", route="/api/v1/customers", method="POST",
                 status="201") == 1
    assert delta("retain_http_request_duration_seconds_count", route="unmatched", status="404") == 1
    assert delta("retain_http_request_duration_seconds_bucket", route=ONE_CUSTOMER, status="200", le="+Inf") == 2
    routes = {s.labels["route"] for s in after.samples if "route" in s.labels}
    assert not any(customer["id"] in route or "/no/such" in route for route in routes)  # rules, never paths

    assert delta("retain_jobs_total", queue="default", job="deliver_event", outcome="succeeded") == 1
    assert delta("retain_jobs_total", queue="webhooks", job="send_due", outcome="succeeded") == 1
    assert delta("retain_jobs_total", outcome="failed") == 0
    assert delta("retain_job_duration_seconds_count", queue="webhooks", job="send_due") == 1
    assert delta("retain_webhook_deliveries_total", outcome="succeeded") == 1
    assert delta("retain_webhook_deliveries_total", outcome="retrying") == 0

    assert after.value("retain_outbox_undelivered_events") == 0
    assert after.value("retain_metrics_source_up", source="database") == 1


def test_a_failed_webhook_attempt_is_counted_as_retrying(metrics_client, receiver):
    from tests.webhook_receiver import Answer

    receiver.answer("/down", Answer(status=500))
    tenant = sign_up(metrics_client)
    assert tenant.post("/api/v1/webhooks", json={"url": receiver.url("/down"),
                                                 "event_types": ["customer.created"]}).status_code == 201
    before = scrape(metrics_client)
    tenant.post("/api/v1/customers", json={"name": "Han Meimei"})
    after = scrape(metrics_client)
    assert len(receiver.at("/down")) == 1
    assert (after.value("retain_webhook_deliveries_total", outcome="retrying")
            - before.value("retain_webhook_deliveries_total", outcome="retrying")) == 1
    assert (after.value("retain_webhook_deliveries_total", outcome="succeeded")
            == before.value("retain_webhook_deliveries_total", outcome="succeeded"))


def test_the_backlog_counts_every_tenant_s_undelivered_events_and_the_oldest_one_s_age(metrics_app, metrics_client):
    """On PostgreSQL the app's role sees no tenant's rows without a tenant bound: the aggregate
    still counts them all (through the function migration 0014 made)."""
    tenants = [sign_up(metrics_client), sign_up(metrics_client)]
    for tenant in tenants:
        tenant.post("/api/v1/customers", json={"name": "waiting"})
    assert scrape(metrics_client).value("retain_outbox_undelivered_events") == 0
    two_hours_ago = utcnow() - dt.timedelta(hours=2)
    with metrics_app.app_context():
        for index, tenant in enumerate(tenants):
            with tenant_context(tenant.id):
                db.session.execute(sa.update(OutboxEvent).values(delivered_at=None).where(OutboxEvent.type == "customer.created"))
                if index == 1:
                    db.session.execute(sa.update(OutboxEvent).values(occurred_at=two_hours_ago)
                                       .where(OutboxEvent.type == "customer.created"))
                db.session.commit()
    after = scrape(metrics_client)
    assert after.value("retain_outbox_undelivered_events") == 2
    assert 2 * 3600 <= after.value("retain_outbox_oldest_undelivered_age_seconds") < 3 * 3600


@pytest.mark.postgres
def test_neither_the_app_role_nor_the_owner_setting_the_aggregate_switch_sees_an_event(metrics_app, metrics_client):
    """Only the function's own statement reads every tenant's events; a session that sets the
    switch itself, the app's or the owner's (one role serving both), still sees none."""
    tenant = sign_up(metrics_client)
    tenant.post("/api/v1/customers", json={"name": "kept to itself"})
    with metrics_app.app_context():
        with tenant_context(tenant.id):
            db.session.execute(sa.update(OutboxEvent).values(delivered_at=None))
            db.session.commit()
        owner = sa.create_engine(metrics_app.config["MIGRATION_DATABASE_URL"])
        # The function counts it for the app's role (numbers only); called by the owner itself, it
        # is no SECURITY DEFINER switch of roles and counts nothing.
        for engine, counted in ((db.engine, 1), (owner, 0)):
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT set_config('app.metrics_aggregate', 'on', false)"))
                seen = connection.execute(sa.text("SELECT count(*), count(data) FROM events")).one()
                total = connection.execute(sa.text("SELECT undelivered FROM retain_outbox_backlog()")).scalar()
                connection.rollback()
            assert (tuple(seen), total) == ((0, 0), counted), engine.url.username
        owner.dispose()


def test_an_import_counts_its_rows_by_outcome(metrics_client):
    tenant = sign_up(metrics_client)
    before = scrape(metrics_client)
    imported(tenant, csv_bytes(CUSTOMERS, "gb18030"), dry_run=True)  # a check imports nothing
    checked = scrape(metrics_client)
    run = imported(tenant, csv_bytes(CUSTOMERS, "gb18030"))
    after = scrape(metrics_client)
    for outcome in ("created", "rejected"):
        assert checked.value("retain_import_rows_total", outcome=outcome) == before.value(
            "retain_import_rows_total", outcome=outcome)
    assert (after.value("retain_import_rows_total", kind="customers", outcome="created")
            - before.value("retain_import_rows_total", kind="customers", outcome="created")) == run["created"] == 3
    assert (after.value("retain_import_rows_total", kind="customers", outcome="rejected")
            - before.value("retain_import_rows_total", kind="customers", outcome="rejected")) == run["rejected"] == 2


class Broken:
    """A module whose event handler always fails."""

    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="broken", title="Broken")

    @hookimpl
    def saas_handle_event(self, tenant, event):
        raise RuntimeError("broken on purpose")


def test_a_module_s_errors_are_counted_by_module_and_hook(app, database):
    broken_app = make_app(database, plugins=[("broken", Broken())], METRICS_TOKEN=TOKEN)
    client = broken_app.test_client()
    tenant = sign_up(client)
    assert tenant.open("PUT", "/api/v1/modules/broken", json={"enabled": True}).status_code == 200
    def kept():
        return len([e for e in tenant.get("/api/v1/modules/errors").get_json()["items"] if e["module"] == "broken"])

    before, kept_before = scrape(client), kept()
    tenant.post("/api/v1/customers", json={"name": "sets it off"})
    after = scrape(client)
    counted = (after.value("retain_module_errors_total", module="broken", hook="saas_handle_event")
               - before.value("retain_module_errors_total", module="broken", hook="saas_handle_event"))
    assert counted == kept() - kept_before == 1
    assert (after.value("retain_jobs_total", job="handle_event", outcome="failed")
            - before.value("retain_jobs_total", job="handle_event", outcome="failed")) == counted
    with broken_app.app_context():
        db.engine.dispose()


def statements_of(app, call) -> list[str]:
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return seen


def test_a_timed_request_runs_the_same_statements_as_an_untimed_one(app, client, metrics_app, metrics_client):
    """The request hook is off the hot path: nothing of it reaches the database."""
    tenant = sign_up(client)
    tenant.post("/api/v1/customers", json={"name": "listed"})
    timed = type(tenant)(metrics_client, tenant.key, tenant.tenant)
    for caller in (tenant, timed):
        assert caller.get("/api/v1/customers").status_code == 200  # warm: cached statements, module states
    untimed_statements = statements_of(app, lambda: tenant.get("/api/v1/customers"))
    timed_statements = statements_of(metrics_app, lambda: timed.get("/api/v1/customers"))
    assert len(timed_statements) == len(untimed_statements) > 0


# -- the token ---------------------------------------------------------------------------------


@pytest.mark.backend_independent
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x"])
def test_a_scrape_without_the_token_answers_401_and_shows_nothing(metrics_client, header):
    response = metrics_client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "retain_" not in response.get_data(as_text=True)


@pytest.mark.backend_independent
def test_without_a_metrics_token_configured_there_is_no_metrics_page(client):
    assert client.get("/metrics", headers=BEARER).status_code == 404
    assert client.get("/metrics").status_code == 404


@pytest.mark.backend_independent
def test_the_metrics_token_comes_from_the_environment(monkeypatch, tmp_path):
    from saas.config import from_environment

    monkeypatch.setenv("METRICS_TOKEN", "from-the-env")
    assert from_environment(str(tmp_path))["METRICS_TOKEN"] == "from-the-env"
    monkeypatch.setenv("METRICS_TOKEN", "")
    assert from_environment(str(tmp_path))["METRICS_TOKEN"] is None


@pytest.mark.backend_independent
def test_a_multiprocess_folder_that_does_not_exist_stops_the_app_with_a_clear_error(app, database, tmp_path,
                                                                                    monkeypatch):
    from saas.config import ConfigError

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="PROMETHEUS_MULTIPROC_DIR"):
        make_app(database, METRICS_TOKEN=TOKEN)


def test_an_endpoint_disabled_with_deliveries_waiting_counts_them_as_disabled(metrics_app, metrics_client, receiver):
    from saas.core.webhooks import WebhookEndpoint, outbound
    from tests.webhook_receiver import Answer

    receiver.answer("/down", Answer(status=500))
    tenant = sign_up(metrics_client)
    made = tenant.post("/api/v1/webhooks", json={"url": receiver.url("/down"), "event_types": ["customer.created"]})
    tenant.post("/api/v1/customers", json={"name": "waits for a retry"})
    before = scrape(metrics_client)
    with metrics_app.app_context(), tenant_context(tenant.id):
        outbound.disable(db.session.get(WebhookEndpoint, (tenant.id, uuid.UUID(made.get_json()["id"]))), "a test")
        before_commit = scrape(metrics_client)
        db.session.commit()
    after = scrape(metrics_client)
    assert before_commit.value("retain_webhook_deliveries_total", outcome="disabled") == before.value(
        "retain_webhook_deliveries_total", outcome="disabled")  # counted once committed
    assert (after.value("retain_webhook_deliveries_total", outcome="disabled")
            - before.value("retain_webhook_deliveries_total", outcome="disabled")) == 1


# -- Redis -------------------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.backend_independent
def test_with_rq_the_scrape_shows_each_queue_s_depth(app, database, redis_server):
    rq_app = make_app(database, METRICS_TOKEN=TOKEN, REDIS_URL=redis_server.url)
    client = rq_app.test_client()
    tenant = sign_up(client)
    shown = scrape(client)
    assert {s.labels["queue"] for s in shown.samples if s.name == "retain_queue_jobs"} == {"default", "webhooks", "low"}
    assert shown.value("retain_metrics_source_up", source="redis") == 1
    tenant.post("/api/v1/customers", json={"name": "an event"})  # its delivery waits: no worker runs
    assert scrape(client).value("retain_queue_jobs", queue="default", state="queued") == shown.value(
        "retain_queue_jobs", queue="default", state="queued") + 1

    redis_server.stop()  # Redis away: the scrape still answers, and says so
    down = scrape(client)
    assert down.value("retain_metrics_source_up", source="redis") == 0
    assert not down.has("retain_queue_jobs")
    assert down.has("retain_outbox_undelivered_events")
    with rq_app.app_context():
        db.engine.dispose()


# -- several processes -------------------------------------------------------------------------


@pytest.mark.backend_independent
def test_in_multiprocess_mode_one_scrape_shows_the_sum_of_two_processes(app, database, tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    command = [sys.executable, str(ROOT / "tests" / "metrics_process.py"), database.app_url, TOKEN]
    writers = [subprocess.Popen([*command, "requests", str(count)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for count in (3, 4)]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    pids = {int(path.stem.rsplit("_", 1)[1]) for path in folder.glob("*.db")}
    assert {writer.pid for writer in writers} <= pids  # each wrote files of its own

    scraper = subprocess.run([*command, "scrape", "0"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert scraper.returncode == 0, scraper.stderr
    shown = Scrape(scraper.stdout)
    assert requests_of(shown, "/login", "200") == 7
    assert shown.value("retain_jobs_total", job="metrics_probe", outcome="succeeded") == 7


@pytest.mark.backend_independent
def test_gunicorn_s_child_exit_hook_marks_the_worker_dead_in_the_metrics_folder(tmp_path, monkeypatch):
    import runpy

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    live = tmp_path / "gauge_livesum_4242.db"
    other = tmp_path / "gauge_livesum_4343.db"
    live.write_bytes(b"")
    other.write_bytes(b"")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    class Worker:
        pid = 4242

    config["child_exit"](server=None, worker=Worker())
    assert not live.exists() and other.exists()
