"""Imports of customers and purchases from a spreadsheet: one :class:`ImportRun` per upload, and one
:class:`ImportProblem` per cell that could not be taken (row, column, reason). The work is in
:mod:`saas.core.imports.importer`."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantOwned, TenantScoped, Timestamped, db, tenant_fk
from saas.core.types import UTCDateTime


class ImportKind(str, enum.Enum):
    customers = "customers"
    purchases = "purchases"


class ImportStatus(str, enum.Enum):
    queued = "queued"
    checking = "checking"  # reading the whole file, finding every bad cell
    importing = "importing"  # writing the good rows
    checked = "checked"  # a dry run is over: nothing was written
    done = "done"
    failed = "failed"  # the file as a whole could not be read: nothing was written


class ImportRun(TenantScoped, Timestamped, db.Model):
    __tablename__ = "import_runs"
    __audit__ = True
    __audit_exclude__ = {"rows_done", "status", "updated_at"}  # progress, not changes

    kind: Mapped[ImportKind] = mapped_column(sa.Enum(ImportKind, native_enum=False, length=20))
    filename: Mapped[str] = mapped_column(sa.String(255))
    mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # column header -> field
    dry_run: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[ImportStatus] = mapped_column(sa.Enum(ImportStatus, native_enum=False, length=20),
                                                 default=ImportStatus.queued)
    problem: Mapped[str | None] = mapped_column(sa.String(500))  # why the file failed as a whole
    file_format: Mapped[str | None] = mapped_column(sa.String(20))  # csv/utf-8-sig, csv/gb18030, xlsx
    rows_total: Mapped[int] = mapped_column(sa.Integer, default=0)
    rows_done: Mapped[int] = mapped_column(sa.Integer, default=0)
    created: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated: Mapped[int] = mapped_column(sa.Integer, default=0)
    unchanged: Mapped[int] = mapped_column(sa.Integer, default=0)
    rejected: Mapped[int] = mapped_column(sa.Integer, default=0)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    started_by: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)  # the person told when it is over


class ImportProblem(TenantOwned, db.Model):
    """A cell of an import that was not taken; the row is rejected whole."""

    __tablename__ = "import_problems"
    __table_args__ = (tenant_fk(["import_id"], "import_runs", ondelete="CASCADE"),)

    import_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    row: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # as a spreadsheet numbers it: header is 1
    column: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    value: Mapped[str | None] = mapped_column(sa.String(200))
