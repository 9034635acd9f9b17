"""``/api/v1/imports``: bringing customers and purchases in from CSV or XLSX files."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Response, current_app, request, stream_with_context
from marshmallow import ValidationError, validates
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, page_schema
from saas.api.schema import Schema
from saas.core.db import db
from saas.core.imports import ImportKind, ImportProblem, ImportRun, ImportStatus
from saas.core.imports import importer as service
from saas.core.pagination import paginate

bp = ApiBlueprint("imports", __name__, url_prefix="/api/v1/imports",
                  description="Imports of customers and purchases from CSV (UTF-8 or GB18030) and XLSX")


@bp.before_request
def _allow_large_files():
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


class UploadFormSchema(Schema):
    kind = f.Enum(ImportKind, by_value=True, required=True)
    dry_run = f.Boolean(load_default=False, metadata={"description": "Check every row and report, write nothing"})
    encoding = f.String(load_default=None, validate=v.OneOf(["utf-8", "gb18030"]), metadata={
        "description": "A CSV's encoding. Without it, UTF-8 (with or without a BOM) and then GB18030 are tried, "
                       "and a file that reads as neither plausibly is refused."})
    mapping = f.String(load_default=None, metadata={
        "description": 'JSON: {"file column": "field"}; fields are those of the kind, and custom:<key> for '
                       "custom fields. Without it, columns are matched by their headers (English or Chinese)."})

    @validates("mapping")
    def _json_object(self, value, **kwargs):
        if value is None:
            return
        try:
            loaded = json.loads(value)
        except ValueError:
            raise ValidationError("Not JSON.") from None
        if not isinstance(loaded, dict) or not all(isinstance(k, str) and isinstance(t, str) for k, t in loaded.items()):
            raise ValidationError('A JSON object of column names to field names, e.g. {"姓名": "name"}.')


class UploadFileSchema(Schema):
    file = f.Raw(required=True, metadata={"type": "string", "format": "binary"})


class UploadSchema(UploadFormSchema, UploadFileSchema):
    """The multipart body as documented: flask-smorest documents only one of the two parts."""


class ImportSchema(Schema):
    id = f.UUID()
    kind = f.Enum(ImportKind, by_value=True)
    filename = f.String()
    file_format = f.String(metadata={"description": "xlsx, csv/utf-8 or csv/gb18030"})
    mapping = f.Dict(keys=f.String(), values=f.String())
    dry_run = f.Boolean()
    status = f.Enum(ImportStatus, by_value=True, metadata={
        "description": "queued, checking (every row), importing (the good rows), checked (a dry run's end), "
                       "done, or failed (the file could not be read; nothing was written)"})
    problem = f.String(allow_none=True, metadata={"description": "Why the file failed as a whole"})
    rows_total = f.Integer()
    rows_done = f.Integer(metadata={"description": "Rows checked or written so far in the current step"})
    created = f.Integer()
    updated = f.Integer()
    unchanged = f.Integer()
    rejected = f.Integer(metadata={"description": "Rows with a bad cell; download them at .../rejects"})
    created_at = f.AwareDateTime()
    finished_at = f.AwareDateTime(allow_none=True)


class ProblemSchema(Schema):
    row = f.Integer(metadata={"description": "As the spreadsheet numbers it: the header is row 1"})
    column = f.String()
    reason = f.String()
    value = f.String(allow_none=True)


ImportPage = page_schema(ImportSchema, "ImportPage")
ProblemPage = page_schema(ProblemSchema, "ImportProblemPage")


@bp.route("", methods=["POST"])
@bp.arguments(UploadFormSchema, location="form")
@bp.arguments(UploadFileSchema, location="files")
@bp.response(202, ImportSchema)
@bp.errors(400, 413, 507)
@bp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": UploadSchema}}})
def upload(form, files):
    """Upload a file to import (multipart/form-data). The file is checked at once (a 422 says why it
    cannot be read or mapped, a 507 that the import folder is full: nothing is kept then); the rows
    are then checked and imported by a job: poll ``GET /api/v1/imports/{id}``."""
    upload = files["file"]
    mapping = json.loads(form["mapping"]) if form["mapping"] else None
    run = service.start(upload.stream, upload.filename or "upload", form["kind"], mapping, form["dry_run"],
                        form["encoding"])
    service.queue(run)
    return run


@bp.route("", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, ImportPage)
def list_imports(cursor, limit):
    """The workspace's imports, newest first."""
    return paginate(sa.select(ImportRun), db.session, [ImportRun.created_at, ImportRun.id], descending=True,
                    cursor=cursor, limit=limit)


@bp.route("/<uuid:import_id>", methods=["GET"])
@bp.response(200, ImportSchema)
@bp.errors(404)
def get_import(import_id):
    """An import's status, progress and counts."""
    return service.get(import_id)


@bp.route("/<uuid:import_id>", methods=["DELETE"])
@bp.response(204)
@bp.errors(404, 409)
def delete_import(import_id):
    """Forget an import, its file and its rejected rows (what it imported stays); 409 while it runs."""
    service.delete(service.get(import_id))


@bp.route("/<uuid:import_id>/problems", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, ProblemPage)
@bp.errors(404)
def problems(import_id, cursor, limit):
    """Every cell that was not taken: row, column, reason and the value found."""
    service.get(import_id)
    stmt = sa.select(ImportProblem).where(ImportProblem.import_id == import_id)
    return paginate(stmt, db.session, [ImportProblem.row, ImportProblem.column], descending=False,
                    cursor=cursor, limit=limit)


@bp.route("/<uuid:import_id>/rejects", methods=["GET"])
@bp.response(200, content_type="text/csv", description="The rejected rows with a problems column")
@bp.errors(404, 410)
def rejects(import_id):
    """The rejected rows as a CSV to fix and upload again (until the file is deleted,
    ``IMPORT_KEEP_DAYS`` after the import: then 410)."""
    run = service.get(import_id)
    return Response(stream_with_context(service.rejects(run)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="rejects-{run.id}.csv"'})
