"""The import wizard: ``/imports`` (the runs), ``/imports/new`` (upload, then map the columns), a
run's page with its dry-run report and live progress, and the rejects download.

The API takes a file and its mapping in one request; a person wants to see the columns before
mapping them. So the upload is first kept as a file of its own in the workspace's import folder
(named by a new id, which the daily clean-up removes like any file left without an import), its
header read and the mapping guessed as the API guesses it; the mapping form then hands that file
to :func:`saas.core.imports.importer.start` exactly as ``POST /api/v1/imports`` does.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Response, current_app, flash, g, redirect, render_template, request, stream_with_context, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from saas.api.imports import UploadFormSchema
from saas.auth import session_principal
from saas.core.accounts import Scope
from saas.core.customers import custom_fields
from saas.core.db import db
from saas.core.errors import Conflict, Gone, Invalid
from saas.core.imports import ImportKind, ImportProblem, ImportRun, ImportStatus
from saas.core.imports import importer as service
from saas.core.imports import storage
from saas.core.imports.rows import CUSTOM, FIELDS, auto_mapping, check_mapping
from saas.core.imports.tabular import FileProblem, open_sheet
from saas.core.pagination import paginate
from saas.core.tenancy import tenant_context
from saas.core.types import new_id
from saas.web.blueprint import bp
from saas.web.errors import error_page, http_error
from saas.web.form_text import nul_errors
from saas.web.pages import member_page

RUNS_PER_PAGE = 50
PROBLEMS_PER_PAGE = 200

KIND_LABELS = {ImportKind.customers: _l("Customers"), ImportKind.purchases: _l("Purchases")}
ENCODINGS = (("", _l("Recognise it")), ("utf-8", _l("UTF-8")), ("gb18030", _l("GB18030 (older Chinese Excel)")))
STATUS_LABELS = {
    ImportStatus.queued: _l("Waiting"), ImportStatus.checking: _l("Checking"),
    ImportStatus.importing: _l("Importing"), ImportStatus.checked: _l("Checked (dry run)"),
    ImportStatus.done: _l("Done"), ImportStatus.failed: _l("Failed"),
}
FIELD_LABELS = {
    "name": _l("Name"), "external_id": _l("External ID"), "kind": _l("Person or company"),
    "company": _l("Company"), "title": _l("Job title"), "industry": _l("Industry"), "region": _l("Region"),
    "address": _l("Address"), "email": _l("E-mail"), "phone": _l("Phone"), "birthday": _l("Birthday"),
    "source": _l("Source"), "team": _l("Team"), "tags": _l("Tags"), "notes": _l("Notes"),
    "customer_external_id": _l("Customer's external ID"), "customer_email": _l("Customer's e-mail"),
    "customer_phone": _l("Customer's phone"), "product": _l("Product"), "category": _l("Category"),
    "quantity": _l("Quantity"), "unit_price": _l("Unit price"), "amount": _l("Amount"),
    "currency": _l("Currency"), "purchased_at": _l("Purchase date"), "external_ref": _l("Order number"),
}


@bp.before_app_request
def _allow_large_uploads():
    """The upload may be as large as the API's (read before the blueprint checks the CSRF token)."""
    if request.endpoint == "web.upload_import":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """An upload over ``IMPORT_MAX_BYTES`` is the upload form again with the reason under the file.

    The body is not read (that is the point), so neither is its CSRF token: the answer writes
    nothing and shows only the empty form, to a member who may upload; a member who may not gets
    403, and anyone else, on any other page, the error page."""
    principal = session_principal() if request.endpoint == "web.upload_import" else None
    if principal is None:
        return http_error(error)
    if Scope.write not in principal.scopes:
        return error_page(403)
    megabytes = format_decimal(current_app.config["IMPORT_MAX_BYTES"] / (1024 * 1024), format="#,##0.#")
    problem = _("The file is larger than the %(size)s MB an import takes: split it into smaller files.",
                size=megabytes)
    with tenant_context(principal.tenant.id):
        return render_template("data/import_upload.html", errors={"file": [problem]}, values={},
                               encodings=ENCODINGS), 413


@bp.app_context_processor
def _data_pages() -> dict:
    """What the data pages' templates share: labels, and whether the person may change data (the
    ``write`` scope the API asks of every POST), which decides the buttons they see."""
    principal = g.get("principal")
    return {"import_status_labels": STATUS_LABELS, "import_kind_labels": KIND_LABELS, "import_is_running": service.is_running,
            "may_change_data": principal is not None and Scope.write in principal.scopes}


@bp.route("/imports")
@member_page
def imports():
    page = paginate(sa.select(ImportRun), db.session, [ImportRun.created_at, ImportRun.id], descending=True,
                    cursor=request.args.get("cursor"), limit=RUNS_PER_PAGE)
    return render_template("data/imports.html", page=page)


@bp.route("/imports/new", methods=["GET", "POST"], endpoint="upload_import")
@member_page(needs=Scope.write)
def upload():
    """Step 1: the file, what it holds and its encoding."""
    if request.method == "GET":
        return render_template("data/import_upload.html", errors={}, values={}, encodings=ENCODINGS)
    values = {"kind": request.form.get("kind", ""), "encoding": request.form.get("encoding") or None}
    errors = nul_errors(request.form, request.files)
    if errors:
        return render_template("data/import_upload.html", errors=errors, values={}, encodings=ENCODINGS), 422
    errors = _schema_errors(values)
    file = request.files.get("file")
    if file is None or not file.filename:
        errors.setdefault("file", []).append(_l("Choose a file."))
    if errors:
        return render_template("data/import_upload.html", errors=errors, values=values, encodings=ENCODINGS), 422
    token = new_id()
    try:
        sheet = _stage(file.stream, token, values["encoding"])
    except FileProblem as problem:
        return render_template("data/import_upload.html", errors={"file": [str(problem)]}, values=values,
                               encodings=ENCODINGS), 422
    kind = ImportKind(values["kind"])
    guess = auto_mapping(sheet.header, kind, custom_fields.definitions())
    return _mapping_page(token, file.filename, kind, values["encoding"], sheet.header, guess, {})


@bp.route("/imports/new/<uuid:token>", methods=["POST"])
@member_page(needs=Scope.write)
def map_import(token):
    """Step 2: the columns mapped (as guessed, or as the person changed them), then the run."""
    path = _staged(token)
    if nul_errors(request.form):
        raise NotFound()  # the hidden fields were altered: this upload cannot be continued
    kind_value, encoding = request.form.get("kind", ""), request.form.get("encoding") or None
    filename = request.form.get("filename") or "upload"
    if _schema_errors({"kind": kind_value, "encoding": encoding}):
        raise NotFound()  # the hidden fields were altered: this upload cannot be continued
    header = open_sheet(path, encoding).header  # it was read with this encoding in step 1
    kind = ImportKind(kind_value)
    mapping = {column: request.form.get(f"column-{index}", "") for index, column in enumerate(header) if column}
    mapping = {column: target for column, target in mapping.items() if target}
    dry_run = request.form.get("dry_run") != "false"
    try:
        check_mapping(mapping, header, kind, custom_fields.definitions())  # an empty one too (start would guess)
        with path.open("rb") as staged:
            run = service.start(staged, filename, kind, mapping, dry_run, encoding)
    except Invalid as error:
        return _mapping_page(token, filename, kind, encoding, header, mapping, error.fields, status=422)
    service.queue(run)
    path.unlink(missing_ok=True)
    return redirect(url_for("web.import_run", import_id=run.id), 303)


@bp.route("/imports/<uuid:import_id>")
@member_page
def import_run(import_id):
    return render_template("data/import_run.html", **_report(service.get(import_id)))


@bp.route("/imports/<uuid:import_id>/progress")
@member_page
def import_progress(import_id):
    """The run's status as a fragment: while it runs, it asks for itself again every second."""
    return render_template("data/_import_status.html", **_report(service.get(import_id)))


@bp.route("/imports/<uuid:import_id>/run", methods=["POST"])
@member_page(needs=Scope.write)
def run_checked_import(import_id):
    """Import for real what a dry run checked: the same file and mapping, uploaded again."""
    checked = service.get(import_id)
    if checked.status is not ImportStatus.checked:
        raise NotFound()
    path = service.path_of(checked)
    if not path.exists():
        return render_template("data/import_run.html", gone=True, **_report(checked)), 410
    _, _, encoding = checked.file_format.partition("/")
    with path.open("rb") as file:
        run = service.start(file, checked.filename, checked.kind, checked.mapping, False, encoding or None)
    service.queue(run)
    return redirect(url_for("web.import_run", import_id=run.id), 303)


@bp.route("/imports/<uuid:import_id>/delete", methods=["POST"])
@member_page(needs=Scope.write)
def delete_import(import_id):
    """Forget a run with its file and rejects, as ``DELETE /api/v1/imports/{id}`` does (not while it runs)."""
    run = service.get(import_id)
    try:
        service.delete(run)
    except Conflict:
        refusal = _("The import is still running: delete it once it is over.")
        return render_template("data/import_run.html", refusal=refusal, **_report(run)), 409
    flash(_("The import of %(file)s is deleted; what it imported stays.", file=run.filename), "success")
    return redirect(url_for("web.imports"), 303)


@bp.route("/imports/<uuid:import_id>/rejects")
@member_page
def import_rejects(import_id):
    run = service.get(import_id)
    try:
        lines = service.rejects(run)
    except Gone:  # the file went IMPORT_KEEP_DAYS after the import: the page says so, the problems stay listed
        return render_template("data/import_run.html", gone=True, **_report(run)), 410
    return Response(stream_with_context(lines), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="rejects-{run.id}.csv"'})


def _schema_errors(values: dict) -> dict:
    """What the API's upload form would refuse in ``kind`` and ``encoding``."""
    try:
        UploadFormSchema().load({key: value for key, value in values.items() if value is not None})
    except ValidationError as error:
        return {field: list(messages) for field, messages in error.messages.items()}
    return {}


def _stage(stream, token: uuid.UUID, encoding: str | None):
    """Keep the upload until it is mapped; its :class:`Sheet`, or :class:`FileProblem` (then it is gone)."""
    path = service.folder() / str(token)
    storage.save(stream, path)  # a full disk: StorageFull, the error page's 507
    try:
        return open_sheet(path, encoding)
    except FileProblem:
        path.unlink(missing_ok=True)
        raise


def _staged(token: uuid.UUID) -> Path:
    path = service.folder() / str(token)  # the workspace's own folder: another's upload is not found
    if not path.is_file():
        raise NotFound("This upload is no longer kept: upload the file again.")
    return path


def _mapping_page(token, filename, kind, encoding, header, mapping, errors, status=200):
    definitions = custom_fields.definitions()
    targets = [(name, FIELD_LABELS[name]) for name in FIELDS[kind]]
    if kind is ImportKind.customers:
        targets += [(CUSTOM + d.key, d.label) for d in definitions.values()]
    return render_template("data/import_mapping.html", token=token, filename=filename, kind=kind,
                           encoding=encoding or "", header=header, mapping=mapping, targets=targets,
                           errors=errors), status


def _report(run: ImportRun) -> dict:
    problems = paginate(sa.select(ImportProblem).where(ImportProblem.import_id == run.id), db.session,
                        [ImportProblem.row, ImportProblem.column], descending=False,
                        cursor=request.args.get("cursor"), limit=PROBLEMS_PER_PAGE) \
        if not service.is_running(run) else None
    return {"run": run, "problems": problems}
