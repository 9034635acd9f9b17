"""Importing customers and purchases from CSV or XLSX, as a job with progress.

An upload is saved to the import folder and checked at once (readable, a header, columns mapped,
:func:`start`); the job (:func:`run_import`) then reads the file twice, row by row, so memory does
not grow with it. The first pass finds every bad cell and records it (row, column, reason) without
writing; a dry run stops there. The second pass writes the good rows in batches, each batch in one
transaction. Rows are matched to what exists, so importing the same file again changes nothing:
customers by external id, then normalised e-mail, then normalised phone; purchases by
``external_ref`` (a re-import of an order is "unchanged"). A file that cannot be read as a whole
fails before anything is written.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import uuid
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from saas.core import metrics
from saas.core.accounts import acting_person
from saas.core.classification import CustomerFigures
from saas.core.classification import recompute as classification
from saas.core.customers import (
    Customer,
    CustomerKind,
    CustomerTag,
    Purchase,
    contact,
    custom_fields,
)
from saas.core.customers import records as customers
from saas.core.customers import tags as tag_service
from saas.core.db import db
from saas.core.errors import Conflict, Gone, Invalid
from saas.core.events import emit_many
from saas.core.event_types import CUSTOMER_CREATED, PURCHASE_RECORDED
from saas.core.hooktypes import Schedule
from saas.core.imports.models import ImportKind, ImportProblem, ImportRun, ImportStatus
from saas.core.imports.rows import (
    CUSTOM,
    Context,
    Parsed,
    auto_mapping,
    check_mapping,
    parse,
)
from saas.core.imports.tabular import FileProblem, Sheet, open_sheet, rows_of, text_of
from saas.core.messages import N_
from saas.core.notifications import notify
from saas.core.queues import current_queue, enqueue_after_commit, job
from saas.core.spreadsheets import as_csv
from saas.core.tenancy import (
    current_tenant,
    current_tenant_id,
    get_owned,
    insert_many,
    tenant_context,
)
from saas.core.types import new_id, utcnow

log = logging.getLogger(__name__)
BATCH = 500
TIMEOUT = 3600
CUSTOMER_FIELDS = ("name", "external_id", "kind", "company", "title", "industry", "region", "address", "email",
                   "phone", "birthday", "source", "team", "notes")


# -- upload ----------------------------------------------------------------------------------------

def _root() -> Path:
    return Path(current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path) / "imports")


def folder() -> Path:
    return _root() / str(current_tenant_id())


def path_of(run: ImportRun) -> Path:
    return folder() / f"{run.id}"


def sheet_of(run: ImportRun) -> Sheet:
    """The run's file as the upload found it to read (a CSV in the encoding found or named then)."""
    _, _, encoding = run.file_format.partition("/")
    return open_sheet(path_of(run), encoding or None)


def start(upload, filename: str, kind: ImportKind, mapping: dict | None, dry_run: bool,
          encoding: str | None = None) -> ImportRun:
    """Save ``upload`` (a binary stream), check it can be read and mapped, and queue the import.

    A file that cannot be read, or columns that cannot be mapped, is a 422 and nothing is kept.
    ``encoding`` names a CSV's encoding (``utf-8``, ``gb18030``) instead of guessing it."""
    run = ImportRun(id=new_id(), kind=kind, filename=filename[:255], dry_run=dry_run, started_by=acting_person())
    target = path_of(run)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        shutil.copyfileobj(upload, out, length=1 << 20)
    try:
        sheet = open_sheet(target, encoding)
        definitions = custom_fields.definitions()
        run.mapping = check_mapping(mapping or auto_mapping(sheet.header, kind, definitions), sheet.header, kind,
                                    definitions)
    except FileProblem as problem:
        target.unlink(missing_ok=True)
        raise Invalid(str(problem), {"file": [str(problem)]}) from None
    except Invalid:
        target.unlink(missing_ok=True)
        raise
    run.file_format = "xlsx" if sheet.kind == "xlsx" else f"csv/{sheet.encoding.replace('-sig', '')}"
    db.session.add(run)
    db.session.flush()
    return run


def queue(run: ImportRun) -> None:
    """Have the run imported by a job once the transaction that recorded it commits."""
    enqueue_after_commit(run_import, str(run.tenant_id), str(run.id), timeout=TIMEOUT)


def get(import_id: uuid.UUID) -> ImportRun:
    return get_owned(ImportRun, import_id, "import not found")


RUNNING = (ImportStatus.queued, ImportStatus.checking, ImportStatus.importing)


def is_running(run: ImportRun) -> bool:
    """Whether a job may still work on the run: marked running, and changed within the job's time
    limit (later, its worker died or it was never queued: it stalled, and may be deleted)."""
    return run.status in RUNNING and run.updated_at > utcnow() - dt.timedelta(seconds=TIMEOUT)


def delete(run: ImportRun) -> None:
    """Forget the run, its file and its problems (the rejects); what it imported stays. Not while
    it runs: its job would write problems and counts for a run that is gone (409)."""
    if is_running(run):
        raise Conflict("the import is still running; delete it once it is over")
    path_of(run).unlink(missing_ok=True)
    db.session.delete(run)


# -- the job ---------------------------------------------------------------------------------------

@job
def run_import(tenant_id: str, import_id: str) -> None:
    """Check every row, then (unless a dry run) write the good ones; safe to run again."""
    with tenant_context(uuid.UUID(tenant_id)):
        run = db.session.get(ImportRun, (uuid.UUID(tenant_id), uuid.UUID(import_id)))
        if run is None or run.status in (ImportStatus.done, ImportStatus.checked, ImportStatus.failed):
            return
        try:
            _run(run)
        except FileProblem as problem:
            _fail(tenant_id, import_id, str(problem))
        except Exception:
            if current_queue().final_attempt():  # no second try to come: say so instead of hanging
                _fail(tenant_id, import_id, "The import stopped on an unexpected error; upload the file again.")
            raise


@job
def remove_old_files() -> int:
    """The daily schedule: delete the uploaded files of imports finished ``IMPORT_KEEP_DAYS`` ago
    (and files left without an import as long). The import's record, counts and problems stay;
    its rejects download answers 410. Returns how many files went."""
    cutoff = utcnow() - dt.timedelta(days=current_app.config["IMPORT_KEEP_DAYS"])
    removed = 0
    for tenant_folder in sorted(_root().iterdir()) if _root().is_dir() else []:
        tenant_id = _uuid_or_none(tenant_folder.name)
        if tenant_id is None:
            continue
        with tenant_context(tenant_id):
            for path in sorted(tenant_folder.iterdir()):
                import_id = _uuid_or_none(path.name)
                run = db.session.get(ImportRun, (tenant_id, import_id)) if import_id else None
                try:
                    old = (run.finished_at is not None and run.finished_at < cutoff) if run else (
                        dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc) < cutoff)  # not an upload
                    if old and path.is_file():
                        path.unlink()
                        removed += 1
                except OSError as error:  # deleted meanwhile (DELETE /imports/{id}): the other files still go
                    log.warning("import file %s not removed: %s", path, error)
            db.session.rollback()
    return removed


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _fail(tenant_id: str, import_id: str, problem: str) -> None:
    db.session.rollback()
    run = db.session.get(ImportRun, (uuid.UUID(tenant_id), uuid.UUID(import_id)))
    run.status, run.problem, run.finished_at = ImportStatus.failed, problem[:500], utcnow()
    _tell_starter(run, N_("Your import of %(file)s failed: %(problem)s"), "", problem=run.problem)
    db.session.commit()


def _tell_starter(run: ImportRun, title: str, body: str, **params) -> None:
    """Notify whoever started ``run`` that it is over (in the transaction that says so)."""
    if run.started_by is not None:
        notify([run.started_by], title, body, params={"file": run.filename, **params}, link=f"/imports/{run.id}",
               kind="core.import_finished")


def _run(run: ImportRun) -> None:
    sheet = sheet_of(run)
    importer = Importer(run, sheet)
    db.session.execute(sa.delete(ImportProblem).where(ImportProblem.import_id == run.id))
    run.status, run.rows_done = ImportStatus.checking, 0
    db.session.commit()
    rejected = importer.check()
    run.rows_total, run.rejected = importer.rows, len(rejected)
    if run.dry_run:
        run.created, run.updated, run.unchanged = importer.counts()
        run.status, run.finished_at = ImportStatus.checked, utcnow()
        _tell_starter(run, N_("The check of %(file)s is done"),
                      N_("%(created)s to create, %(updated)s to update, %(rejected)s rows rejected."),
                      created=run.created, updated=run.updated, rejected=run.rejected)
        db.session.commit()
        return
    run.status, run.rows_done = ImportStatus.importing, 0
    db.session.commit()
    importer.write(rejected)
    run.created, run.updated, run.unchanged = importer.counts()
    run.status, run.finished_at = ImportStatus.done, utcnow()
    _tell_starter(run, N_("Your import of %(file)s is done"),
                  N_("%(created)s created, %(updated)s updated, %(rejected)s rows rejected."),
                  created=run.created, updated=run.updated, rejected=run.rejected)
    db.session.commit()
    metrics.count_import_rows(run.kind.value, {"created": run.created, "updated": run.updated,
                                               "unchanged": run.unchanged, "rejected": run.rejected})
    if run.kind is ImportKind.purchases:
        classification.schedule_recompute(run.tenant_id)  # quintiles, after so many purchases at once


@dataclass
class Row:
    number: int
    cells: dict
    parsed: Parsed
    customer_id: uuid.UUID | None = None  # the match (customers and purchases alike)
    action: str = ""  # created, updated, unchanged


@dataclass
class Importer:
    run: ImportRun
    sheet: Sheet
    rows: int = 0
    tally: dict = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    # what this import makes, so that a row repeated in the file finds its first occurrence
    made: dict = field(default_factory=dict)  # ("external_id" | "email" | "phone" | "ref", value) -> id

    def __post_init__(self):
        tenant = current_tenant()
        self.context = Context(contact.region_of(tenant.settings), tenant.settings.get("currency", "CNY"),
                               zoneinfo.ZoneInfo(tenant.settings.get("timezone", "UTC")), custom_fields.definitions())
        gone = [t for t in self.run.mapping.values() if t.startswith(CUSTOM) and t[len(CUSTOM):] not in self.context.custom]
        if gone:
            raise FileProblem(f"The custom field {gone[0][len(CUSTOM):]} was deleted after the upload.")

    def counts(self) -> tuple[int, int, int]:
        return self.tally["created"], self.tally["updated"], self.tally["unchanged"]

    def batches(self, skip: set[int] = frozenset()) -> Iterator[list[Row]]:
        header, batch = self.sheet.header, []
        for number, cells in rows_of(path_of(self.run), self.sheet):
            if number in skip:
                continue
            named = {column: cells[i] if i < len(cells) else None for i, column in enumerate(header) if column}
            batch.append(Row(number, named, parse(named, self.run.mapping, self.run.kind, self.context)))
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def check(self) -> set[int]:
        """First pass: every row parsed and matched, nothing written; returns the rejected rows."""
        rejected = set()
        for batch in self.batches():
            self.rows += len(batch)
            self._match(batch, write=False)
            problems = [{"import_id": self.run.id, "row": row.number, "column": column[:100], "reason": reason[:500],
                         "value": value[:200] or None}
                        for row in batch for column, reason, value in _unique(row.parsed.problems)]
            if problems:
                db.session.execute(sa.insert(ImportProblem), problems)
            rejected |= {row.number for row in batch if row.parsed.problems}
            self.run.rows_done = self.rows
            db.session.commit()
        return rejected

    def write(self, rejected: set[int]) -> None:
        """Second pass: the good rows, a batch per transaction."""
        self.tally = {"created": 0, "updated": 0, "unchanged": 0}
        self.made.clear()
        for batch in self.batches(skip=rejected):
            self._match(batch, write=True)
            self.run.rows_done += len(batch)
            db.session.commit()

    def _match(self, batch: list[Row], *, write: bool) -> None:
        if self.run.kind is ImportKind.customers:
            self._customers(batch, write)
        else:
            self._purchases(batch, write)

    # -- customers --

    def _customers(self, batch: list[Row], write: bool) -> None:
        for row in batch:
            self._custom_fields(row)
        good = [row for row in batch if not row.parsed.problems]
        found = _existing_customers([row.parsed.values for row in good])
        new = []
        for row in good:
            values = row.parsed.values
            existing = _first(found, self.made, values)
            if isinstance(existing, Customer) and existing.deleted_at is not None:
                row.parsed.problems.append((_column_of(self.run.mapping, "external_id"), "This external id belongs "
                                            "to a deleted customer: restore it, or leave the id out.",
                                            values.get("external_id", "")))
                continue
            if existing is None:
                row.customer_id, row.action = new_id(), "created"
                for key in ("external_id", "email", "phone"):
                    if values.get(key):
                        self.made.setdefault((key, _folded(key, values[key])), row.customer_id)
                self.made[("id", row.customer_id)] = values.get("external_id")
                new.append(row)
            elif isinstance(existing, uuid.UUID):  # made earlier in this import
                row.customer_id, row.action = existing, "unchanged"
            else:
                row.customer_id = existing.id
                changes = _changes(existing, values)
                row.action = "updated" if changes else "unchanged"
                if write and changes:
                    customers.update(existing, changes)
            self.tally[row.action] += 1
        if write and new:
            self._insert_customers(new)

    def _custom_fields(self, row: Row) -> None:
        given = {target[len(CUSTOM):]: value for target, value in row.parsed.values.items() if target.startswith(CUSTOM)}
        columns = {target[len(CUSTOM):]: column for column, target in self.run.mapping.items()
                   if target.startswith(CUSTOM)}
        try:
            row.parsed.values["custom_fields"] = custom_fields.validate(given, known=self.context.custom)
        except Invalid as error:
            for key, reasons in error.fields.get("custom_fields", {}).items():
                row.parsed.problems.append((columns.get(key, key), " ".join(reasons), text_of(given.get(key))))

    def _insert_customers(self, rows: list[Row]) -> None:
        now = utcnow()
        insert_many(Customer, [
            {"id": row.customer_id, "version": 1, "created_at": now, "updated_at": now, "social": {},
             "preferences": {}, "custom_fields": row.parsed.values.get("custom_fields", {}),
             **{key: row.parsed.values.get(key) for key in CUSTOMER_FIELDS},
             "kind": row.parsed.values.get("kind", CustomerKind.person)}
            for row in rows])
        insert_many(CustomerFigures, [{"customer_id": row.customer_id} for row in rows])
        names = sorted({name for row in rows for name in row.parsed.values.get("tags", [])})
        if names:
            ids = {tag.name: tag.id for tag in tag_service.named(names)}
            insert_many(CustomerTag, [
                {"customer_id": row.customer_id, "tag_id": ids[tag_service.clean_name(name)]}
                for row in rows for name in dict.fromkeys(row.parsed.values.get("tags", []))])
        emit_many(CUSTOMER_CREATED, [{"customer_id": row.customer_id, "name": row.parsed.values["name"]}
                                       for row in rows])

    # -- purchases --

    def _purchases(self, batch: list[Row], write: bool) -> None:
        good = [row for row in batch if not row.parsed.problems]
        owners = _existing_customers([{key[len("customer_"):]: row.parsed.values.get(key)
                                       for key in ("customer_external_id", "customer_email", "customer_phone")}
                                      for row in good])
        refs = [row.parsed.values["external_ref"] for row in good if row.parsed.values.get("external_ref")]
        known = {p.external_ref: p for p in db.session.scalars(
            sa.select(Purchase).where(Purchase.external_ref.in_(refs)))} if refs else {}
        placed = []
        for row in good:
            values = row.parsed.values
            owner = _first(owners, {}, {key[len("customer_"):]: values.get(key) for key in
                                        ("customer_external_id", "customer_email", "customer_phone")})
            column = next(c for c, t in self.run.mapping.items() if t.startswith("customer_"))
            if owner is None:
                row.parsed.problems.append((column, "No customer with this external id, e-mail or phone: import "
                                            "the customers first.", ""))
                continue
            row.customer_id = owner.id
            placed.append(row)
        already = _unnumbered([row for row in placed if not row.parsed.values.get("external_ref")],
                              self.context.currency)
        new = []
        for row in placed:
            values = row.parsed.values
            ref = values.get("external_ref")
            if ref:  # an order number is the purchase's identity: one customer, one amount
                earlier = known.get(ref)
                recorded = (earlier.customer_id, earlier.amount) if earlier is not None else self.made.get(("ref", ref))
                if recorded is not None and recorded != (row.customer_id, values["amount"]):
                    row.parsed.problems.append((_column_of(self.run.mapping, "external_ref"),
                                                "This order number was recorded for another customer or amount.", ref))
                    continue
                self.made.setdefault(("ref", ref), (row.customer_id, values["amount"]))
                seen_before = recorded is not None
            else:  # without one, the n-th identical row of the file is the n-th identical purchase
                key = _sameness(row.customer_id, values, self.context.currency)
                nth = self.made[("same", key)] = self.made.get(("same", key), 0) + 1
                seen_before = nth <= already.get(key, 0)
            row.action = "unchanged" if seen_before else "created"
            if not seen_before:
                new.append(row)
            self.tally[row.action] += 1
        if write and new:
            self._insert_purchases(new)

    def _insert_purchases(self, rows: list[Row]) -> None:
        now = utcnow()
        made = [{"id": new_id(), "customer_id": row.customer_id, "created_at": now, "updated_at": now,
                 "currency": row.parsed.values.get("currency", self.context.currency),
                 "quantity": row.parsed.values.get("quantity", 1), "refunded_amount": 0,
                 **{key: row.parsed.values.get(key) for key in ("product", "category", "unit_price", "amount",
                                                                "purchased_at", "external_ref")}}
                for row in rows]
        insert_many(Purchase, made)
        emit_many(PURCHASE_RECORDED, [
            {"purchase_id": p["id"], "customer_id": p["customer_id"], "amount": p["amount"], "currency": p["currency"],
             "purchased_at": p["purchased_at"].isoformat(), "external_ref": p.get("external_ref")} for p in made])
        classification.refresh({p["customer_id"] for p in made})


def _sameness(customer_id: uuid.UUID, values: dict, currency: str) -> tuple:
    """What makes two purchases without an order number the same one."""
    return (customer_id, values["purchased_at"].astimezone(dt.timezone.utc), values["amount"],
            values.get("currency") or currency, values.get("product"))


def _unnumbered(rows: list[Row], currency: str) -> dict[tuple, int]:
    """How many purchases without an order number already match each of ``rows`` (one query)."""
    if not rows:
        return {}
    same = (Purchase.customer_id, Purchase.purchased_at, Purchase.amount, Purchase.currency, Purchase.product)
    counts = db.session.execute(
        sa.select(*same, sa.func.count())
        .where(Purchase.external_ref.is_(None), Purchase.customer_id.in_({row.customer_id for row in rows}),
               Purchase.purchased_at.in_({row.parsed.values["purchased_at"] for row in rows}))
        .group_by(*same))
    return {_sameness(customer, {"purchased_at": at, "amount": amount, "currency": money, "product": product},
                      currency): n
            for customer, at, amount, money, product, n in counts}


def _unique(problems):
    return list({column: (column, reason, value) for column, reason, value in problems}.values())


def _column_of(mapping: dict, target: str) -> str:
    return next((column for column, name in mapping.items() if name == target), target)


def _folded(key: str, value: str) -> str:
    return value.lower() if key == "email" else value


def _existing_customers(given: list[dict]) -> dict:
    """The live customers any of ``given`` names, keyed ``(field, value)``: three queries a batch."""
    found = {}
    for key, column in (("external_id", Customer.external_id), ("email", sa.func.lower(Customer.email)),
                        ("phone", Customer.phone)):
        values = {_folded(key, g[key]) for g in given if g.get(key)}
        if not values:
            continue
        live = sa.true() if key == "external_id" else Customer.deleted_at.is_(None)  # ids stay taken when deleted
        for customer in db.session.scalars(sa.select(Customer).options(selectinload(Customer.tags)).where(
                column.in_(values), live, Customer.merged_into_id.is_(None))):
            value = getattr(customer, key)
            found.setdefault((key, _folded(key, value)), customer)
    return found


def _first(found: dict, made: dict, values: dict):
    """The match by external id, then e-mail, then phone: a customer, an id made by this import, or None.

    A customer found by e-mail or phone that carries another external id is someone else (a shared
    office number, a family's e-mail), not a match."""
    for key in ("external_id", "email", "phone"):
        if values.get(key):
            wanted = (key, _folded(key, values[key]))
            candidate = found.get(wanted, made.get(wanted))
            if candidate is not None and not _other_party(candidate, made, values, key):
                return candidate
    return None


def _other_party(candidate, made: dict, values: dict, key: str) -> bool:
    if key == "external_id" or not values.get("external_id"):
        return False
    theirs = made.get(("id", candidate)) if isinstance(candidate, uuid.UUID) else candidate.external_id
    return theirs is not None and theirs != values["external_id"]


def _changes(existing: Customer, values: dict) -> dict:
    """The file's non-empty values that differ from the customer's (tags are added, never removed)."""
    changes = {key: values[key] for key in CUSTOMER_FIELDS if key in values and getattr(existing, key) != values[key]}
    if existing.external_id:
        changes.pop("external_id", None)  # an id given by the shop is never rewritten by a spreadsheet
    custom = values.get("custom_fields") or {}
    if any(existing.custom_fields.get(key) != value for key, value in custom.items()):
        changes["custom_fields"] = custom
    wanted = set(values.get("tags", []))
    if wanted - set(existing.tag_names):
        changes["tags"] = sorted(set(existing.tag_names) | wanted)
    return changes


# -- what a person gets back -----------------------------------------------------------------------

def rejects(run: ImportRun) -> Iterator[str]:
    """The rejected rows as CSV (UTF-8 with BOM): the row number, the file's columns, and the reasons.

    The stream binds the run's tenant and loads the run again itself, so a streamed response can
    produce it after the request's transaction has ended."""
    if not path_of(run).exists():
        raise Gone(f"The uploaded file was deleted {current_app.config['IMPORT_KEEP_DAYS']} days after the "
                   "import finished; the problems are still listed.")
    return _rejects_stream(run.tenant_id, run.id)


def _rejects_stream(tenant_id: uuid.UUID, import_id: uuid.UUID) -> Iterator[str]:
    with tenant_context(tenant_id):
        yield from as_csv(_rejected_lines(db.session.get(ImportRun, (tenant_id, import_id))))


def _rejected_lines(run: ImportRun) -> Iterator[list]:
    reasons: dict[int, list[str]] = {}
    for problem in db.session.scalars(sa.select(ImportProblem).where(ImportProblem.import_id == run.id)
                                      .order_by(ImportProblem.row, ImportProblem.column)):
        reasons.setdefault(problem.row, []).append(f"{problem.column}: {problem.reason}")
    sheet = sheet_of(run)
    yield ["row", *sheet.header, "problems"]
    for number, cells in rows_of(path_of(run), sheet):
        if number in reasons:
            yield [number, *(text_of(cell) for cell in cells), "; ".join(reasons[number])]


SCHEDULES = (Schedule("imports.remove_old_files", "40 3 * * *", remove_old_files, "low"),)
