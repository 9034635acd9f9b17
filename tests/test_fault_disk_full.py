"""Fault suite: the import folder's disk fills up. The folder is a 1 MiB tmpfs of the test's own
(``mount -t tmpfs``, as root; elsewhere the write is made to fail with ENOSPC after part of the
file, as a full disk does). An upload that does not fit is a 507 that says the folder is full, in
the API and on the pages; no half file stays, no import run is recorded, nothing is imported;
once there is room again, the same upload works. Figures: the bytes left behind, the 507's time."""

from __future__ import annotations

import errno
import io
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from saas.core.imports import storage
from saas.testing.workspaces import CSRF_INPUT, sign_up
from tests.conftest import make_app

pytestmark = pytest.mark.one_database
SIZE = 1 << 20


@pytest.fixture
def full_folder(monkeypatch):
    """A folder on a filesystem of ``SIZE`` bytes: a real tmpfs when this may mount one."""
    folder = Path(tempfile.mkdtemp(prefix="retain-fault-disk-"))
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs", str(folder)],
        capture_output=True).returncode == 0
    if not mounted:
        copy = storage.shutil.copyfileobj

        def filling(source, target, length=0):
            def used() -> int:
                return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())

            while chunk := source.read(64 * 1024):
                if used() + target.tell() + len(chunk) > SIZE:
                    target.write(chunk[: SIZE - used() - target.tell()])
                    target.flush()
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                target.write(chunk)
            return copy(source, target, length)

        monkeypatch.setattr(storage.shutil, "copyfileobj", filling)
    yield folder
    if mounted:
        subprocess.run(["umount", str(folder)], check=True)
    shutil.rmtree(folder)


def csv_of(rows: int, pad: int = 0) -> bytes:
    lines = ["name,email,notes"] + [f"Customer {n},c{n}@example.com,{'x' * pad}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def used_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def upload(workspace, body: bytes, name="customers.csv"):
    return workspace.post("/api/v1/imports", data={"kind": "customers", "file": (io.BytesIO(body), name)},
                          content_type="multipart/form-data")


def test_a_full_import_folder_is_a_clear_507_and_nothing_is_half_kept_or_imported(app, database, full_folder,
                                                                                  figure):
    full_app = make_app(database, IMPORT_FOLDER=str(full_folder))
    workspace = sign_up(full_app.test_client())
    first = upload(workspace, csv_of(3))
    assert first.status_code == 202, first.json
    assert workspace.get(f"/api/v1/imports/{first.json['id']}").json["status"] == "done"
    before = used_bytes(full_folder)
    customers_before = workspace.get("/api/v1/customers").json["items"]

    too_big = csv_of(2000, pad=600)  # about 1.2 MiB: more than the disk holds
    assert len(too_big) > SIZE
    started = time.monotonic()
    refused = upload(workspace, too_big)
    answered_in = time.monotonic() - started
    assert refused.status_code == 507, refused.json
    assert refused.json["error"]["code"] == "storage_full"
    assert "import folder is full" in refused.json["error"]["message"]
    left_behind = used_bytes(full_folder) - before
    assert left_behind == 0  # no half file
    assert [run["id"] for run in workspace.get("/api/v1/imports").json["items"]] == [first.json["id"]]
    assert workspace.get("/api/v1/customers").json["items"] == customers_before

    browser = workspace.signed_in()
    token = CSRF_INPUT.search(browser.get("/imports/new").get_data(as_text=True)).group(1)
    page = browser.post("/imports/new", data={"kind": "customers", "csrf_token": token,
                                              "file": (io.BytesIO(too_big), "customers.csv")},
                        content_type="multipart/form-data")
    assert page.status_code == 507 and "没有空间保存这个文件" in page.get_data(as_text=True)  # the workspace speaks Chinese
    assert used_bytes(full_folder) == before

    assert workspace.delete(f"/api/v1/imports/{first.json['id']}").status_code == 204  # room again
    again = upload(workspace, csv_of(3))
    assert again.status_code == 202 and workspace.get(f"/api/v1/imports/{again.json['id']}").json["status"] == "done"

    figure("bytes left behind by the refused uploads", left_behind, "bytes")
    figure("507 answered in", round(answered_in, 3), "s")
    figure("import runs recorded for the refused upload", 0, "runs")
