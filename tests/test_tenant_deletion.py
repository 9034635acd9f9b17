"""Deleting a workspace: every row of it in every tenant table (the core's and each installed
module's, enumerated from the metadata), its uploaded files and its tenants row; another workspace
untouched; resumable after a crash; owners only, confirmed by the slug."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from rq import Retry
from rq.registry import FailedJobRegistry, StartedJobRegistry
from standardwebhooks.webhooks import Webhook

from saas.core import queues
from saas.core.db import db
from saas.core.modules import PluginError
from saas.core.tenancy import tenant_context
from saas.testing.workspaces import CSRF_INPUT
from tenants import deletion
from tests.conftest import make_app, rq_retry_due, wait_until

ROOT = Path(__file__).resolve().parent.parent
SHEET = "name,phone\nImported one,\nImported two,\nbad row,not a phone number at all\n"


def tenant_tables() -> list[sa.Table]:
    return [table for table in db.metadata.sorted_tables if "tenant_id" in table.c]


def rows_of(app, tenant_id: uuid.UUID) -> dict[str, int]:
    """How many rows each tenant table holds for ``tenant_id``, read in its context (RLS admits them)."""
    with app.app_context(), tenant_context(tenant_id):
        counts = {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                                .where(table.c.tenant_id == tenant_id))
                  for table in tenant_tables()}
        counts["tenants"] = db.session.scalar(sa.text("SELECT count(*) FROM tenants WHERE id = :id"),
                                              {"id": tenant_id.hex if db.engine.dialect.name == "sqlite" else tenant_id})
        db.session.rollback()
    return counts


def fill(app, workspace) -> None:
    """Data in every tenant table: the core's features, every module's and the birthdays example's."""
    workspace.enable("loyalty", {"first_purchase_bonus": 5})
    workspace.enable("visits")
    workspace.enable("birthdays")
    today = dt.date.today()
    born = today.replace(year=1990) if not (today.month == 2 and today.day == 29) else dt.date(1992, 2, 29)
    first = workspace.customer(tags=["VIP"], birthday=born.isoformat(), custom_fields={})
    second = workspace.customer(owner_id=workspace.user["id"])
    assert workspace.post("/api/v1/custom-fields", json={"key": "shop", "label": "Shop", "type": "text"}).status_code == 201
    endpoint = workspace.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
    assert endpoint.status_code == 201, endpoint.json
    purchase = workspace.post("/api/v1/purchases", headers={**workspace.headers, "Idempotency-Key": "buy-1"}, json={
        "customer_id": first["id"], "product": "Tea", "amount": "99.00", "purchased_at": "2026-01-01T00:00:00Z"})
    assert purchase.status_code == 201, purchase.json
    assert workspace.post("/api/v1/interactions", json={
        "customer_id": first["id"], "channel": "phone", "subject": "call",
        "occurred_at": "2026-01-01T00:00:00Z"}).status_code == 201
    assert workspace.post("/api/v1/segments", json={"name": "vip", "filter": {"tags": ["VIP"]}}).status_code == 201
    assert workspace.post("/api/v1/loyalty/rewards", json={"name": "cup", "points_cost": 1}).status_code == 201
    assert workspace.put(f"/api/v1/customers/{first['id']}/tier-override",  # its visits are planned
                         json={"tier": "core", "reason": "fill"}).status_code == 200
    assert workspace.put(f"/api/v1/visits/customers/{second['id']}/cadence",
                         json={"rule": "FREQ=WEEKLY", "channel": "phone"}).status_code == 200
    assert workspace.post("/api/v1/visits/feed", json={"user_id": workspace.user["id"]}).status_code == 201
    assert workspace.post("/api/v1/members", json={"email": f"agent@{workspace.tenant['slug']}.example",
                                                   "password": "a long enough password", "role": "agent"}).status_code == 201
    assert workspace.post("/api/v1/api-keys", json={"name": "ci", "scopes": ["read"]}).status_code == 201
    imported = workspace.post("/api/v1/imports", data={"kind": "customers", "file": (io.BytesIO(SHEET.encode()), "c.csv")},
                              content_type="multipart/form-data")
    assert imported.status_code == 202, imported.json
    merged = workspace.post(f"/api/v1/customers/{second['id']}/merge", json={"merged_id": workspace.customer()["id"]})
    assert merged.status_code == 200, merged.json
    secret = workspace.post("/api/v1/inbound/secret").json["secret"]
    body, at = json.dumps({"external_ref": "SO-1", "customer": {"external_id": "C-1", "name": "Zhao"},
                           "product": "Tea", "amount": "1.00", "purchased_at": "2026-11-20T09:30:00Z"}), dt.datetime.now(dt.timezone.utc)
    signature = Webhook(secret).sign("msg_1", at, body)
    pushed = workspace.client.post(f"/api/v1/inbound/orders?workspace={workspace.tenant['slug']}", data=body, headers={
        "webhook-id": "msg_1", "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signature,
        "content-type": "application/json"})
    assert pushed.status_code in (200, 201, 202), pushed.json
    fill_churn(workspace)
    workspace.enable("complaints")
    fill_surveys(workspace, first)  # its low score is a churn signal, and a complaint
    fill_complaints(app, workspace, first)
    assert workspace.post("/api/v1/tenant/export").status_code == 202  # an archive waiting for its download
    with app.app_context(), tenant_context(workspace.id):  # no route makes one: a module's error, kept
        db.session.add(PluginError(module="birthdays", hook="saas_handle_event", error="RuntimeError: boom"))
        db.session.commit()


def fill_churn(workspace) -> None:
    """Scores, a model fit and a win-back task (a customer who stopped buying a year ago), a backtest."""
    workspace.enable("churn")
    gone = workspace.customer(owner_id=workspace.user["id"])["id"]
    for month in range(1, 4):
        assert workspace.post("/api/v1/purchases", json={"customer_id": gone, "product": "Tea", "amount": "99.00",
                                                         "purchased_at": f"2025-{month:02}-01T00:00:00Z"}).status_code == 201
    assert workspace.post("/api/v1/churn/score").status_code in (200, 202)  # the job refits the model
    assert workspace.post("/api/v1/churn/backtests", json={"cutoff": "2025-06-01", "horizon_days": 90}).status_code == 202


def fill_complaints(app, workspace, customer) -> None:
    """A complaint (beside the survey's), its steps, its clocks' alerts (the job run two hours on)
    and a week's digest sent."""
    from plugins.complaints import digest, escalation

    case = workspace.post("/api/v1/complaints", json={"customer_id": customer["id"], "category": "delivery",
                                                      "description": "Late"})
    assert case.status_code == 201, case.json
    assert workspace.post(f"/api/v1/complaints/{case.json['id']}/events", json={"action": "acknowledge"}).status_code == 200
    with app.app_context(), tenant_context(workspace.id):
        assert escalation.escalate(dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)).breached >= 1
        digest.send_weekly()
        db.session.commit()


def fill_surveys(workspace, customer) -> None:
    """A survey answered through its link by ``customer``, and a customer who unsubscribed."""
    workspace.enable("surveys")
    survey = workspace.post("/api/v1/surveys", json={"title": "NPS", "state": "active",
                                                     "questions": [{"kind": "nps", "text": "Recommend us?"}]}).json
    quitter = workspace.customer()
    sent = workspace.post(f"/api/v1/surveys/{survey['id']}/send", json={"customer_ids": [customer["id"], quitter["id"]],
                                                                        "links": True}).json
    browser = workspace.client.application.test_client()
    for link, done in zip((re.sub(r"^https?://[^/]+", "", link["url"]) for link in sent["links"]), ("answer", "unsubscribe")):
        if done == "unsubscribe":
            page = browser.get(link).get_data(as_text=True)
            link = re.search(r'href="[^"]*(/s/unsubscribe/[^"]+)"', page).group(1)
        page = browser.get(link).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        fields = {f"q-{survey['questions'][0]['id']}": "3", "action": "finish"} if done == "answer" else {}
        assert browser.post(link, data={"csrf_token": token, **fields}).status_code == 200


@pytest.fixture
def two_filled(app, sign_up):
    doomed, other = sign_up(), sign_up()
    for workspace in (doomed, other):
        fill(app, workspace)
    return doomed, other


def test_deleting_a_workspace_leaves_no_row_in_any_tenant_table_nor_its_files_and_the_other_is_untouched(
        app, client, two_filled):
    doomed, other = two_filled
    before, others_before = rows_of(app, doomed.id), rows_of(app, other.id)
    empty = sorted(name for name, count in before.items() if not count)
    assert empty == [], f"fill() leaves these tenant tables empty: {empty}"
    folder = deletion_folder(app, doomed.id)
    assert any(folder.iterdir())

    response = doomed.delete("/api/v1/tenant", json={"confirm": doomed.tenant["slug"]})

    assert response.status_code == 202, response.json
    assert response.headers["Location"] == response.json["url"]
    after = rows_of(app, doomed.id)
    assert {name: count for name, count in after.items() if count} == {}
    assert not folder.exists()
    assert rows_of(app, other.id) == others_before
    status = client.get(response.json["url"])
    assert status.status_code == 200
    assert status.json["status"] == "done"
    # every row counted, and the audit entry of the request itself (the workspace marked for deletion)
    assert status.json["rows_deleted"] == sum(count for name, count in before.items() if name != "tenants") + 1
    assert status.json["files_deleted"] == 2  # the upload and the export's archive
    assert doomed.get("/api/v1/tenant").status_code == 401
    assert other.get("/api/v1/customers").status_code == 200


def deletion_folder(app, tenant_id):
    with app.app_context(), tenant_context(tenant_id):
        from saas.core.imports import importer
        return importer.folder()


def test_a_deletion_that_crashed_half_way_is_finished_by_running_it_again(app, two_filled, monkeypatch):
    doomed, other = two_filled
    others_before = rows_of(app, other.id)
    real, calls = deletion._delete_batch, []

    def crashing(table, tenant_id, batch_rows):
        calls.append(table.name)
        if len(calls) == 6:
            raise RuntimeError("the worker died")
        return real(table, tenant_id, batch_rows)

    monkeypatch.setattr(deletion, "_delete_batch", crashing)
    monkeypatch.setattr(deletion, "BATCH_ROWS", 2)  # several batches a table, so the crash falls between two
    crashed = doomed.delete("/api/v1/tenant", json={"confirm": doomed.tenant["slug"]})  # the job runs after the answer
    assert crashed.status_code == 202
    assert calls[-1] and len(calls) == 6
    half = rows_of(app, doomed.id)
    assert half["tenants"] == 1 and 0 < sum(half.values())
    with app.app_context():
        (record,) = db.session.scalars(sa.select(deletion.TenantDeletion)).all()
        assert record.status == "running" and record.rows_deleted > 0
        deletion_id = str(record.id)
        db.session.rollback()
    assert doomed.get("/api/v1/tenant").status_code == 401  # refused from the start

    monkeypatch.setattr(deletion, "_delete_batch", real)
    with app.app_context():
        deletion.erase(deletion_id)
        deletion.erase(deletion_id)  # a second run finds it done

    assert {name: count for name, count in rows_of(app, doomed.id).items() if count} == {}
    assert rows_of(app, other.id) == others_before


@pytest.mark.backend_independent
@pytest.mark.parametrize("body", [{"confirm": "not-the-slug"}, {}, {"confirm": ""}, None, {"confirm": 7}])
def test_a_wrong_or_missing_confirmation_is_a_422_that_deletes_nothing(app, sign_up, body):
    workspace = sign_up()
    response = workspace.delete("/api/v1/tenant", **({"json": body} if body is not None else {}))
    assert response.status_code == 422, response.json
    assert workspace.get("/api/v1/tenant").json["status"] == "active"
    assert workspace.get("/api/v1/customers").status_code == 200


def signed_in(client, email: str, password: str):
    browser = client.application.test_client()
    token = CSRF_INPUT.search(browser.get("/login").get_data(as_text=True)).group(1)
    assert browser.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code == 302
    return browser


def test_only_an_owner_may_delete_the_workspace(app, client, sign_up):
    workspace = sign_up()
    slug = workspace.tenant["slug"]
    # a key that a key made has no person behind it, so no owner; nor has a key without the admin scope
    by_key = workspace.post("/api/v1/api-keys", json={"name": "admin", "scopes": ["admin", "read", "write"]}).json["key"]
    reader = workspace.post("/api/v1/api-keys", json={"name": "reader", "scopes": ["read", "write"]}).json["key"]
    assert workspace.post("/api/v1/members", json={"email": f"admin@{slug}.example", "password": "a long enough password",
                                                   "role": "admin"}).status_code == 201
    admin = signed_in(client, f"admin@{slug}.example", "a long enough password")
    csrf = {"X-CSRFToken": CSRF_INPUT.search(admin.get("/settings/workspace").get_data(as_text=True)).group(1)}
    answers = [client.delete("/api/v1/tenant", headers={"Authorization": f"Bearer {key}"}, json={"confirm": slug})
               for key in (by_key, reader)]
    answers.append(admin.delete("/api/v1/tenant", headers=csrf, json={"confirm": slug}))
    assert [a.status_code for a in answers] == [403, 403, 403], [a.json for a in answers]
    assert workspace.get("/api/v1/tenant").json["status"] == "active"
    accepted = workspace.delete("/api/v1/tenant", json={"confirm": slug})  # the sign-up's key: the owner's
    assert accepted.status_code == 202, accepted.json
    assert workspace.get("/api/v1/tenant").status_code == 401
    assert admin.get("/settings/workspace").status_code in (302, 404)


def test_an_unknown_deletion_token_is_not_found(client):
    assert client.get(f"/api/v1/tenant-deletions/{uuid.uuid4()}").status_code == 404
    assert client.get("/api/v1/tenant-deletions/not-an-id").status_code == 404


def test_rows_written_after_their_table_was_emptied_go_with_the_tenants_row(app, sign_up, monkeypatch):
    """A job still running for the workspace may write after the eraser passed its table: the
    tenants row's ON DELETE CASCADE takes those rows too (on PostgreSQL, past row-level security)."""
    doomed, other = sign_up(), sign_up()
    for workspace in (doomed, other):
        workspace.customer(tags=["late"])
    every = deletion.tenant_tables
    monkeypatch.setattr(deletion, "tenant_tables", lambda: [t for t in every() if t.name != "tags"])
    assert doomed.delete("/api/v1/tenant", json={"confirm": doomed.tenant["slug"]}).status_code == 202
    assert {name: count for name, count in rows_of(app, doomed.id).items() if count} == {}
    assert rows_of(app, other.id)["tags"] == 1


@pytest.mark.redis
def test_a_worker_killed_mid_deletion_leaves_a_retried_job_that_finishes_it(app, database, sign_up, redis_server,
                                                                           tmp_path, monkeypatch):
    rq_app = make_app(database, REDIS_URL=redis_server.url)
    monkeypatch.setattr(queues, "RETRY", Retry(max=2, interval=1))  # an abandoned job is retried a second later
    doomed, other = sign_up(), sign_up()
    for workspace in (doomed, other):
        fill(app, workspace)
    others_before = rows_of(app, other.id)
    doomed.client = rq_app.test_client()
    assert doomed.delete("/api/v1/tenant", json={"confirm": doomed.tenant["slug"]}).status_code == 202
    assert rows_of(app, doomed.id)["customers"] > 0  # nothing runs until a worker does

    sentinel = tmp_path / "stalled"
    config = {key: rq_app.config[key] for key in ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI",
                                                  "MIGRATION_DATABASE_URL", "REDIS_URL", "IMPORT_FOLDER", "EXPORT_FOLDER")}
    worker = subprocess.Popen([sys.executable, "tests/killable_eraser.py", json.dumps(config), str(sentinel), "8"],
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        wait_until(lambda: sentinel.exists() or worker.poll() is not None, timeout=60, what="the worker's stall")
        assert worker.poll() is None, "the worker ended before it stalled"
    finally:
        worker.kill()
        worker.wait(timeout=10)
    half = rows_of(app, doomed.id)
    assert half["tenants"] == 1 and 0 < sum(half.values()) < sum(rows_of(app, other.id).values())
    with rq_app.app_context():
        queue = queues.current_queue().queue("default")
        started = StartedJobRegistry(queue=queue)
        assert len(started.get_job_ids(cleanup=False)) == 1  # what rq knows: a job that never finished
        # rq's maintenance, once the dead worker's job is past its time limit (or heartbeat)
        started.cleanup(time.time() + deletion.TIMEOUT + 3600)
        assert queue.scheduled_job_registry.count == 1
        (record,) = db.session.scalars(sa.select(deletion.TenantDeletion)).all()
        assert record.claimed_by is not None  # the dead run's lease, which by then has long ended:
        record.heartbeat_at = record.heartbeat_at - dt.timedelta(seconds=deletion.TIMEOUT + 3600)
        db.session.commit()
    wait_until(lambda: rq_retry_due(rq_app), what="the retry's backoff")
    with rq_app.app_context():
        queues.current_queue().work(burst=True)
        assert FailedJobRegistry(queue=queue).count == 0
    assert {name: count for name, count in rows_of(app, doomed.id).items() if count} == {}
    assert rows_of(app, other.id) == others_before
