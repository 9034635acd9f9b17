"""A workspace's data, taken out: one ZIP archive of every row it owns, for its owner to download once.

An owner asks (:func:`request_export`); a job (:func:`build`) writes, in the workspace's context
(row-level security admits its rows alone), for every table with a ``tenant_id`` column (the
core's and each module's, from the metadata) and for its ``tenants`` row, ``<table>.jsonl`` (one
JSON object a row) and ``<table>.csv`` (a header, then a row a line), and a ``manifest.json`` that
lists each table with its columns and row count. Rows are read in primary-key order, ``BATCH_ROWS``
at a time. The archive is written to a temporary name and renamed when complete, so a job that died
leaves no half archive, and a rerun starts it again. One run at a time: a run takes the export's
lease (:mod:`saas.core.leases`) and its heartbeat shows while it writes, so a job queued again
while the first still runs (:mod:`tenants.requeue`, when Redis lost it) leaves the export to it.
Secrets are left out: sealed columns (:mod:`saas.core.secretbox`, which would read decrypted) and
hashes (``*_hash``).

The first download deletes the file (a second is a 410); the daily ``exports.remove_old`` deletes
the files that were not downloaded within ``EXPORT_KEEP_DAYS``.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import decimal
import enum
import json
import logging
import secrets
import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.accounts import Tenant
from saas.core.db import TenantScoped, db
from saas.core.errors import Conflict, Gone
from saas.core.hooktypes import Schedule
from saas.core.leases import Lease, Leased
from saas.core.queues import current_queue, enqueue_after_commit, job
from saas.core.secretbox import SEALED
from saas.core.tenancy import get_owned, tenant_context
from saas.core.types import UTCDateTime, utcnow

log = logging.getLogger(__name__)

BATCH_ROWS = 1000
TIMEOUT = 6 * 3600
LEASE_SECONDS = 600  # without a heartbeat for this long, a run counts as dead (it beats every 30 s)


class TenantExport(Leased, TenantScoped, db.Model):
    """One export of a workspace's data: queued, running, done (the file waits), downloaded,
    expired (the file was deleted unread) or failed."""

    __tablename__ = "tenant_exports"

    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    requested_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    downloaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    tables: Mapped[int] = mapped_column(sa.Integer, default=0)
    rows: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    @property
    def expires_at(self) -> dt.datetime | None:
        if self.finished_at is None:
            return None
        return self.finished_at + dt.timedelta(days=current_app.config["EXPORT_KEEP_DAYS"])


def root() -> Path:
    return Path(current_app.config.get("EXPORT_FOLDER") or Path(current_app.instance_path) / "exports")


def folder(tenant_id: uuid.UUID) -> Path:
    return root() / str(tenant_id)


def path_of(export: TenantExport) -> Path:
    return folder(export.tenant_id) / f"{export.id}.zip"


def request_export(requested_by: uuid.UUID | None) -> TenantExport:
    """Queue an export of the bound workspace, built once this transaction commits."""
    export = TenantExport(requested_by=requested_by, rows=0, tables=0, size=0)
    db.session.add(export)
    db.session.flush()
    enqueue_after_commit(build, str(export.tenant_id), str(export.id), timeout=TIMEOUT, job_id=job_id_of(export.id))
    return export


def job_id_of(export_id: uuid.UUID) -> str:
    """The id of the job that builds export ``export_id``, for :mod:`tenants.requeue` to find."""
    return f"tenant-export-{export_id}"


def get(export_id: uuid.UUID) -> TenantExport:
    return get_owned(TenantExport, export_id, "export not found")


def take(export: TenantExport) -> BinaryIO:
    """The archive, once: an open file whose name is already deleted (it is read to its end all
    the same), and the export marked downloaded. 409 while it is being built, 410 once downloaded
    or expired."""
    if export.status in ("queued", "running"):
        raise Conflict("the export is not ready yet; follow its status")
    path = path_of(export)
    claimed = path.with_suffix(f".{secrets.token_hex(8)}")
    try:
        if export.status != "done":
            raise FileNotFoundError(path)
        path.rename(claimed)  # one request wins the file, however many ask at once
    except FileNotFoundError:
        raise Gone("the export was downloaded already, or expired: ask for a new one") from None
    archive = open(claimed, "rb")  # noqa: SIM115 (the answer closes it)
    claimed.unlink()  # the open file is read to its end all the same
    export.status, export.downloaded_at = "downloaded", utcnow()
    db.session.flush()
    return archive


def exported_tables() -> list[sa.Table]:
    """``tenants`` and every table with a ``tenant_id`` column, parents before children."""
    return [table for table in db.metadata.sorted_tables if table.name == "tenants" or "tenant_id" in table.c]


def exported_columns(table: sa.Table) -> list[sa.Column]:
    return [c for c in table.c if not c.info.get(SEALED) and not c.name.endswith("_hash")]


@job
def build(tenant_id: str, export_id: str) -> None:
    """Write the export's archive; safe to run again (a finished export is left as it is, one being
    written by another run too)."""
    tenant, export_id_ = uuid.UUID(tenant_id), uuid.UUID(export_id)
    with tenant_context(tenant):
        export = db.session.get(TenantExport, (tenant, export_id_))
        if export is None or export.status not in ("queued", "running"):
            return
        lease = Lease(TenantExport, sa.and_(TenantExport.tenant_id == tenant, TenantExport.id == export_id_),
                      LEASE_SECONDS)
        if not lease.take():
            log.info("export %s is being written by another job: left to it", export_id)
            return
        try:
            _build(tenant, export_id_, lease)
        except Exception:
            lease.release()
            if current_queue().final_attempt():  # no try to come: say so instead of running for ever
                db.session.execute(sa.update(TenantExport).where(TenantExport.id == export_id_)
                                   .values(status="failed", finished_at=utcnow()))
                db.session.commit()
            raise


def _build(tenant: uuid.UUID, export_id: uuid.UUID, lease: Lease) -> None:
    export = db.session.get(TenantExport, (tenant, export_id))
    export.status = "running"
    db.session.commit()
    target = path_of(export)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    manifest = {"format": 1, "workspace": None, "created_at": utcnow().isoformat(), "tables": []}
    try:
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch, \
                zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in exported_tables():
                manifest["tables"].append(_write_table(archive, table, tenant, Path(scratch), lease))
            workspace = db.session.get(Tenant, tenant)
            manifest["workspace"] = {"id": str(tenant), "slug": workspace.slug, "name": workspace.name}
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    except BaseException:
        partial.unlink(missing_ok=True)  # no half archive is left behind
        raise
    partial.replace(target)
    db.session.expire_all()
    export = db.session.get(TenantExport, (tenant, export_id))
    if export is None:  # the workspace was deleted while the archive was built: nothing may stay
        target.unlink(missing_ok=True)
        db.session.rollback()
        return
    lease.renew()
    export.status, export.finished_at, export.claimed_by = "done", utcnow(), None
    export.tables, export.rows = len(manifest["tables"]), sum(t["rows"] for t in manifest["tables"])
    export.size = target.stat().st_size
    db.session.commit()
    log.info("export %s of workspace %s written", export_id, tenant)


def _write_table(archive: zipfile.ZipFile, table: sa.Table, tenant: uuid.UUID, scratch: Path, lease: Lease) -> dict:
    """The table's rows of ``tenant`` as ``<table>.jsonl`` and ``<table>.csv``, written side by side
    to ``scratch`` (a ZIP takes one entry at a time) and then put into the archive."""
    columns = exported_columns(table)
    names = [c.name for c in columns]
    owner = table.c.id if table.name == "tenants" else table.c.tenant_id
    key = list(table.primary_key.columns) or columns
    selected = [*columns, *(c for c in key if c.name not in names)]
    rows = 0
    files = [f"{table.name}.jsonl", f"{table.name}.csv"]
    with open(scratch / files[0], "wb") as lines, open(scratch / files[1], "w", encoding="utf-8", newline="") as text:
        writer = csv.writer(text)
        writer.writerow(names)
        after = None
        while True:
            statement = sa.select(*selected).where(owner == tenant)
            if after is not None:
                statement = statement.where(sa.tuple_(*key) > sa.tuple_(*after))
            batch = db.session.execute(statement.order_by(*key).limit(BATCH_ROWS)).all()
            for row in batch:
                values = {name: _plain(row._mapping[name]) for name in names}
                lines.write((json.dumps(values, ensure_ascii=False) + "\n").encode())
                writer.writerow([_cell(values[name]) for name in names])
            rows += len(batch)
            lease.beat()
            if len(batch) < BATCH_ROWS:
                break
            after = [batch[-1]._mapping[c.name] for c in key]
    for name in files:
        archive.write(scratch / name, name)
        (scratch / name).unlink()
    return {"name": table.name, "rows": rows, "columns": names, "files": files}


def _plain(value):
    """A value as JSON holds it: ids, times, dates and decimals as strings."""
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list, bool)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@job
def remove_old() -> int:
    """The daily schedule: delete archives not downloaded within ``EXPORT_KEEP_DAYS`` (their
    exports become ``expired``). Returns how many files went."""
    cutoff = utcnow() - dt.timedelta(days=current_app.config["EXPORT_KEEP_DAYS"])
    removed = 0
    for tenant_folder in sorted(root().iterdir()) if root().is_dir() else []:
        try:
            tenant = uuid.UUID(tenant_folder.name)
        except ValueError:
            continue
        with tenant_context(tenant):
            for export in db.session.scalars(sa.select(TenantExport).where(
                    TenantExport.status == "done", TenantExport.finished_at < cutoff)):
                path_of(export).unlink(missing_ok=True)
                export.status = "expired"
                removed += 1
            db.session.commit()
    return removed


SCHEDULES = (Schedule("exports.remove_old", "50 3 * * *", remove_old, "low"),)
