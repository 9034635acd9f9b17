"""A workspace's export: one archive of every row it owns (JSON lines and CSV per table, a
manifest), built by a job, downloadable once by an owner, deleted when not downloaded in time;
no secret in it and nothing of another workspace."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
import zipfile

import pytest
import sqlalchemy as sa

from saas.core import queues
from saas.core.db import db
from saas.core.leases import Lease
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow
from tenants import export
from tests.conftest import make_app
from tests.test_tenant_deletion import fill, rows_of


def test_an_owner_exports_every_row_of_the_workspace_and_downloads_it_once(app, client, sign_up):
    mine, other = sign_up(), sign_up()
    for workspace in (mine, other):
        fill(app, workspace)
    hook = mine.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/secret-hook"}).json
    counts = rows_of(app, mine.id)

    asked = mine.post("/api/v1/tenant/export")
    assert asked.status_code == 202, asked.json
    assert asked.headers["Location"] == asked.json["url"]
    status = mine.get(asked.json["url"]).json
    assert status["status"] == "done" and status["size"] > 0

    archive = mine.get(status["download_url"])
    assert archive.status_code == 200
    assert archive.headers["Content-Type"] == "application/zip"
    assert mine.get(status["download_url"]).status_code == 410  # once
    assert mine.get(asked.json["url"]).json["status"] == "downloaded"

    files = zipfile.ZipFile(io.BytesIO(archive.data))
    manifest = json.loads(files.read("manifest.json"))
    assert manifest["workspace"]["slug"] == mine.tenant["slug"]
    exported = {table["name"]: table["rows"] for table in manifest["tables"]}
    # every row the workspace owned when the export was asked for (and the export's own row, running)
    assert {name: exported[name] for name in counts} == {**counts, "tenant_exports": counts["tenant_exports"] + 1}
    for table in manifest["tables"]:
        lines = files.read(f"{table['name']}.jsonl").decode().splitlines()
        sheet = list(csv.reader(io.StringIO(files.read(f"{table['name']}.csv").decode())))
        assert len(lines) == len(sheet) - 1 == table["rows"]
        assert sheet[0] == table["columns"]
        assert all(json.loads(line).get("tenant_id", mine.tenant["id"]) == mine.tenant["id"] for line in lines)
    text = b"".join(files.read(name) for name in files.namelist()).decode()
    assert other.tenant["id"] not in text and other.tenant["slug"] not in text
    assert hook["secret"] not in text and "key_hash" not in text
    assert "whsec_" not in text


def test_only_an_owner_exports_and_another_workspace_finds_no_export(client, sign_up):
    mine, other = sign_up(), sign_up()
    reader = mine.post("/api/v1/api-keys", json={"name": "r", "scopes": ["read", "write"]}).json["key"]
    by_key = mine.post("/api/v1/api-keys", json={"name": "a", "scopes": ["admin", "read", "write"]}).json["key"]
    for key in (reader, by_key):
        assert client.post("/api/v1/tenant/export", headers={"Authorization": f"Bearer {key}"}).status_code == 403
    made = mine.post("/api/v1/tenant/export").json
    assert other.get(f"/api/v1/tenant/exports/{made['id']}").status_code == 404
    assert other.get(f"/api/v1/tenant/exports/{made['id']}/archive").status_code == 404
    assert client.get(made["download_url"], headers={"Authorization": f"Bearer {by_key}"}).status_code == 403
    assert mine.get(made["download_url"]).status_code == 200


def test_an_archive_not_downloaded_in_time_is_deleted_and_then_gone(app, sign_up):
    mine = sign_up()
    made = mine.post("/api/v1/tenant/export").json
    with app.app_context():
        with tenant_context(mine.id):
            record = export.get(uuid.UUID(made["id"]))
            path = export.path_of(record)
            assert path.exists()
            record.finished_at -= dt.timedelta(days=app.config["EXPORT_KEEP_DAYS"] + 1)
            db.session.commit()
        assert export.remove_old() == 1
    assert not path.exists()
    assert mine.get(made["url"]).json["status"] == "expired"
    assert mine.get(made["download_url"]).status_code == 410


def test_a_deleted_workspace_takes_its_exports_with_it(app, sign_up):
    mine = sign_up()
    made = mine.post("/api/v1/tenant/export").json
    with app.app_context(), tenant_context(mine.id):
        folder = export.folder(mine.id)
        db.session.rollback()
    assert any(folder.iterdir())
    assert mine.delete("/api/v1/tenant", json={"confirm": mine.tenant["slug"]}).status_code == 202
    assert not folder.exists()
    assert made["id"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(export.TenantExport)) == 0


def test_an_archive_built_while_the_workspace_was_deleted_is_not_left_on_disk(app, sign_up, monkeypatch):
    mine = sign_up()
    mine.customer()
    write = export._write_table

    def deleted_meanwhile(*args):  # the deletion job commits during the build
        db.session.execute(sa.delete(export.TenantExport))
        db.session.commit()
        return write(*args)

    monkeypatch.setattr(export, "_write_table", deleted_meanwhile)
    assert mine.post("/api/v1/tenant/export").status_code == 202
    with app.app_context(), tenant_context(mine.id):
        folder = export.folder(mine.id)
        db.session.rollback()
    assert not folder.exists() or not any(folder.iterdir())


@pytest.mark.redis
def test_an_export_still_waiting_for_its_worker_is_not_downloadable_yet(database, sign_up, redis_server):
    rq_app = make_app(database, REDIS_URL=redis_server.url)
    mine = sign_up()
    mine.client = rq_app.test_client()
    made = mine.post("/api/v1/tenant/export").json
    assert made["status"] == "queued"
    early = mine.get(made["download_url"])
    assert early.status_code == 409, early.json
    with rq_app.app_context():
        queues.current_queue().work(burst=True)
    assert mine.get(made["url"]).json["status"] == "done"
    assert mine.get(made["download_url"]).status_code == 200


def test_an_export_whose_job_failed_for_good_says_so_and_leaves_nothing_to_download(app, sign_up, monkeypatch):
    mine = sign_up()

    def broken(*args):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(export, "_write_table", broken)
    made = mine.post("/api/v1/tenant/export").json
    assert mine.get(made["url"]).json["status"] == "failed"
    assert mine.get(made["download_url"]).status_code == 410
    with app.app_context():
        assert [path.name for path in export.folder(mine.id).iterdir()] == []  # no half archive, no scratch


@pytest.mark.redis
def test_an_export_being_written_by_a_live_run_is_left_to_it_and_taken_over_once_that_run_is_dead(
        database, sign_up, redis_server):
    """A second run of the same export (its job queued again while the first still wrote) would
    write the same archive at once: it leaves the export to the run whose heartbeat is fresh."""
    rq_app = make_app(database, REDIS_URL=redis_server.url)
    mine = sign_up()
    mine.client = rq_app.test_client()
    mine.customer()
    made = mine.post("/api/v1/tenant/export").json
    key = (mine.id, uuid.UUID(made["id"]))
    with rq_app.app_context(), tenant_context(mine.id):
        where = sa.and_(export.TenantExport.tenant_id == mine.id, export.TenantExport.id == key[1])
        assert Lease(export.TenantExport, where, export.LEASE_SECONDS).take()  # a run at work
        export.build(*map(str, key))
        assert db.session.get(export.TenantExport, key).status == "queued"  # the twin did nothing
        assert not export.path_of(db.session.get(export.TenantExport, key)).exists()
        db.session.execute(sa.update(export.TenantExport).where(where).values(
            heartbeat_at=utcnow() - dt.timedelta(seconds=export.LEASE_SECONDS + 1)))  # that run died
        db.session.commit()
        export.build(*map(str, key))
        db.session.rollback()
    done = mine.get(made["url"]).json
    assert (done["status"], done["rows"] > 0) == ("done", True)
    assert mine.get(made["download_url"]).status_code == 200
