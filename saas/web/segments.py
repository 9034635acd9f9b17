"""Segments: ``/segments`` (each with its count now), creating and editing one with a live count,
deleting it, and its customers as CSV or XLSX.

The form's fields become the API's JSON body and are loaded by the API's own
:class:`~saas.api.segments.SegmentSchema`, then saved by :mod:`saas.core.segments.saved`, so a page
accepts exactly what ``POST /api/v1/segments`` accepts. Each custom field the workspace defines has
a control (yes/no and choice fields a select, dates a date input, the others text), matched as the
core matches ``custom_fields`` (the exact value). A saved condition on a field the workspace no
longer defines is shown, and dropped when the segment is saved from the page (the core would refuse
it).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from saas.api.segments import XLSX, FilterSchema, SegmentSchema
from saas.auth import current_principal
from saas.core.accounts import Scope
from saas.core.classification import Stage, Tier
from saas.core.customers import CustomerKind, FieldType, custom_fields
from saas.core.db import db
from saas.core.errors import Conflict, Invalid
from saas.core.pagination import paginate
from saas.core.segments import SCORES, Segment, SegmentFilter, count, counts, exports
from saas.core.segments import module_conditions
from saas.core.segments import saved as service
from saas.core.spreadsheets import as_csv, as_xlsx
from saas.web.blueprint import bp
from saas.web.form_text import nul_errors
from saas.web.pages import member_page
from saas.web import labels
from tenants import accounts

PER_PAGE = 50
TIER_LABELS = {Tier(code): label for code, label in labels.TIER_LABELS.items()}  # keyed by member: the form reads .value
STAGE_LABELS = {Stage(code): label for code, label in labels.STAGE_LABELS.items()}
KIND_LABELS = {CustomerKind.person: _l("Person (B2C)"), CustomerKind.company: _l("Company (B2B)")}
CHOICES = {"tiers": TIER_LABELS, "stages": STAGE_LABELS, "kinds": KIND_LABELS}
NAMES = ("industries", "regions", "teams", "tags")  # typed as a comma-separated list
SCORE_LABELS = {"r_score": _l("Recency score (R)"), "f_score": _l("Frequency score (F)"),
                "m_score": _l("Monetary score (M)")}
CUSTOM = "custom-"  # the prefix of a custom field's control: custom-<key>
MODULE = "module-"  # the prefix of an enabled module's condition's checkboxes: module-churn.level


@bp.route("/segments")
@member_page
def segments():
    page = paginate(sa.select(Segment), db.session, [Segment.name, Segment.id], descending=False,
                    cursor=request.args.get("cursor"), limit=PER_PAGE)
    members = counts([segment.conditions for segment in page.items])
    return render_template("data/segments.html", page=page, rows=list(zip(page.items, members)))


@bp.route("/segments/new", methods=["GET", "POST"])
@member_page(needs=Scope.write)
def new_segment():
    if request.method == "GET":
        return _form_page(None, {"name": "", "description": "", "filter": {}}, {})
    body = _body(request.form)
    if nul_errors(request.form):
        return _form_page(None, body, _refused_text(request.form), status=422)
    try:
        segment = service.create(SegmentSchema().load(body))
    except ValidationError as error:
        return _form_page(None, body, error.messages, status=422)
    except (Invalid, Conflict) as error:
        return _form_page(None, body, error.fields, status=422)
    return redirect(url_for("web.segments", saved=segment.id), 303)


@bp.route("/segments/<uuid:segment_id>/edit", methods=["GET", "POST"])
@member_page(needs=Scope.write)
def edit_segment(segment_id):
    segment = service.get(segment_id)
    if request.method == "GET":
        return _form_page(segment, {"name": segment.name, "description": segment.description or "",
                                    "filter": segment.filter}, {})
    body = _body(request.form)
    if nul_errors(request.form):
        return _form_page(segment, body, _refused_text(request.form), status=422)
    try:
        service.update(segment, SegmentSchema().load(body))
    except ValidationError as error:
        return _form_page(segment, body, error.messages, status=422)
    except (Invalid, Conflict) as error:
        return _form_page(segment, body, error.fields, status=422)
    return redirect(url_for("web.segments"), 303)


@bp.route("/segments/count", methods=["POST"])
@member_page(needs=Scope.write)
def segment_count():
    """The live count under the form: how many customers its filter holds now (htmx, on change)."""
    body = _body(request.form)
    if nul_errors(request.form):
        return render_template("data/_segment_count.html", held=None, errors=_refused_text(request.form))
    try:
        given = FilterSchema().load(body["filter"])  # a switched-off module's condition counts nobody here
        held, errors = count(service.checked(given, before=SegmentFilter(modules=given.get("modules") or {}))), {}
    except ValidationError as error:
        held, errors = None, {"filter": error.messages}
    except Invalid as error:
        held, errors = None, error.fields
    return render_template("data/_segment_count.html", held=held, errors=errors)


@bp.route("/segments/<uuid:segment_id>/delete", methods=["POST"])
@member_page(needs=Scope.write)
def delete_segment(segment_id):
    db.session.delete(service.get(segment_id))
    return redirect(url_for("web.segments"), 303)


@bp.route("/segments/<uuid:segment_id>/export.<any(csv, xlsx):format>")
@member_page
def export_segment(segment_id, format):
    """The segment's customers, as ``GET /api/v1/segments/{id}/export`` gives them."""
    segment = service.get(segment_id)
    lines = exports.rows(current_principal().tenant.id, (segment.conditions,))
    name = f"segment-{segment.id}"  # the CSV streams after the request's commit, in its own tenant context
    if format == "xlsx":
        return send_file(as_xlsx(lines), mimetype=XLSX, as_attachment=True, download_name=f"{name}.xlsx")
    return Response(stream_with_context(as_csv(lines)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def _body(form) -> dict:
    """The form as the API's JSON body."""
    conditions = {key: form.getlist(key) for key in (*CHOICES, "owner_ids")}
    conditions.update({key: _names(form.get(key, "")) for key in NAMES})
    conditions.update({key: form.get(key, "").strip() or None for key in ("spend_min", "spend_max")})
    conditions["scores"] = {name: [form.get(f"{name}_min") or 1, form.get(f"{name}_max") or 5] for name in SCORES
                            if form.get(f"{name}_min") or form.get(f"{name}_max")}
    conditions["custom_fields"] = {key: value for key, value in (
        (key, form.get(CUSTOM + key, "").strip()) for key in custom_fields.definitions()) if value}
    # Every module-<key> the form sends: those of a module since switched off ride as hidden inputs,
    # kept as they were (the core refuses to widen them), so saving from here never drops them.
    conditions["modules"] = {name.removeprefix(MODULE): form.getlist(name) for name in form
                             if name.startswith(MODULE) and form.getlist(name)}
    return {"name": form.get("name", "").strip(), "description": form.get("description", "").strip() or None,
            "filter": conditions}


def _refused_text(form) -> dict:
    """The fields with a NUL, placed as the API's schema places its errors (conditions under ``filter``)."""
    errors = nul_errors(form)
    conditions = {key: messages for key, messages in errors.items() if key not in ("name", "description")}
    return {**{key: errors[key] for key in ("name", "description") if key in errors},
            **({"filter": conditions} if conditions else {})}


def _flat(messages) -> list[str]:
    """marshmallow's messages for one field, however deep (``{"r_score": {0: [...]}}``), as a list."""
    if isinstance(messages, dict):
        return [text for inner in messages.values() for text in _flat(inner)]
    if isinstance(messages, list):
        return [text for inner in messages for text in _flat(inner)]
    return [str(messages)]


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.replace("，", ",").split(",") if name.strip()]


def _form_page(segment, body: dict, errors: dict, status: int = 200):
    definitions = custom_fields.definitions()
    conditions = dict(body.get("filter") or {})
    conditions["custom_fields"] = {key: value for key, value in (conditions.get("custom_fields") or {}).items()
                                   if key in definitions}  # what saving from the page keeps
    offered = module_conditions.offered()
    filter_errors = {key: _flat(messages) for key, messages in errors["filter"].items()} \
        if isinstance(errors.get("filter"), dict) else {}
    try:
        held = None if errors else count(service.checked(FilterSchema().load(conditions),
                                                         before=segment.conditions if segment else None))
    except (ValidationError, Invalid):
        held = None
    owners = [(str(m.user_id), m.user.name or m.user.email) for m in accounts.members().items]
    gone = sorted(set(segment.filter.get("custom_fields") or {}) - set(definitions)) if segment else []
    gone_modules = {key: values for key, values in (conditions.get("modules") or {}).items() if key not in offered}
    return render_template("data/segment_form.html", segment=segment, body=body, conditions=conditions,
                           errors=errors, filter_errors=filter_errors, choices=CHOICES, held=held, owners=owners,
                           scores=SCORE_LABELS, custom=CUSTOM, definitions=list(definitions.values()),
                           field_types=FieldType, gone=gone, module_conditions=list(offered.values()),
                           module_prefix=MODULE, gone_modules=gone_modules), status
