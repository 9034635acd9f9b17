"""``/api/v1/segments``: saved customer filters, their members, counts and exports."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, send_file, stream_with_context
from marshmallow import ValidationError, validates, validates_schema
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, PartialSchema, page_schema
from saas.api.customers import CustomerPage
from saas.api.schema import Schema
from saas.auth import current_principal
from saas.core.classification import MAX_AMOUNT, Stage, Tier
from saas.core.customers import CustomerKind
from saas.core.db import db
from saas.core.pagination import paginate
from saas.core.segments import SCORES, Segment, count, counts, exports, search
from saas.core.segments import module_conditions
from saas.core.segments import saved as service
from saas.core.spreadsheets import as_csv, as_xlsx

bp = ApiBlueprint("segments", __name__, url_prefix="/api/v1/segments",
                  description="Saved filters over customers: members, counts, CSV and XLSX exports")

_names = f.List(f.String(validate=v.Length(min=1, max=100)), validate=v.Length(max=100), load_default=list)


class FilterSchema(Schema):
    """Every condition given must hold; a list matches any of its values."""

    tiers = f.List(f.String(validate=v.OneOf([t.value for t in Tier])), load_default=list)
    stages = f.List(f.String(validate=v.OneOf([s.value for s in Stage])), load_default=list)
    kinds = f.List(f.String(validate=v.OneOf([k.value for k in CustomerKind])), load_default=list,
                   metadata={"description": "person (B2C) or company (B2B)"})
    industries = _names
    regions = _names
    teams = _names
    owner_ids = f.List(f.UUID(), validate=v.Length(max=100), load_default=list)
    tags = f.List(f.String(validate=v.Length(min=1, max=50)), validate=v.Length(max=50), load_default=list,
                  metadata={"description": "Customers with any of these tags"})
    spend_min = f.Decimal(places=2, as_string=True, allow_none=True, validate=v.Range(min=0, max=MAX_AMOUNT),
                          load_default=None,
                          metadata={"description": "Least spend in the classification window (inclusive)"})
    spend_max = f.Decimal(places=2, as_string=True, allow_none=True, validate=v.Range(min=0, max=MAX_AMOUNT),
                          load_default=None,
                          metadata={"description": "Spend in the window below this"})
    scores = f.Dict(keys=f.String(validate=v.OneOf(SCORES)),
                    values=f.List(f.Integer(validate=v.Range(1, 5)), validate=v.Length(equal=2)),
                    load_default=dict, metadata={"description": 'Score ranges, e.g. {"r_score": [4, 5]}'})
    custom_fields = f.Dict(keys=f.String(validate=v.Length(min=1, max=50)), values=f.Raw(),
                           load_default=dict, metadata={"description": "Custom field values: text, or true/false "
                                                                        "for yes/no fields"})
    modules = f.Dict(keys=f.String(validate=v.Length(min=1, max=100)),
                     values=f.List(f.String(validate=v.Length(min=1, max=50)), validate=v.Length(max=20)),
                     validate=v.Length(max=20), load_default=dict,
                     metadata={"description": 'Conditions of enabled modules, e.g. {"churn.level": ["high"]} '
                                              "(GET /api/v1/segments/conditions lists them); a module since "
                                              "switched off matches no customer"})

    @validates("custom_fields")
    def _plain_values(self, value, **kwargs):
        if not all(isinstance(item, (str, bool)) and len(str(item)) <= 200 for item in value.values()):
            raise ValidationError("Each value is text of at most 200 characters, or true/false.")

    @validates_schema
    def _ranges(self, data, **kwargs):
        low, high = data.get("spend_min"), data.get("spend_max")
        if low is not None and high is not None and low >= high:
            raise ValidationError("Must be above spend_min.", "spend_max")
        for name, (lowest, highest) in (data.get("scores") or {}).items():
            if lowest > highest:
                raise ValidationError({name: ["[lowest, highest]."]}, "scores")


class SegmentSchema(Schema):
    id = f.UUID(dump_only=True)
    name = f.String(required=True, validate=v.Length(min=1, max=100))
    description = f.String(allow_none=True, validate=v.Length(max=500))
    filter = f.Nested(FilterSchema, required=True)
    count = f.Integer(dump_only=True, metadata={"description": "How many customers it holds now"})
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class SegmentUpdateSchema(PartialSchema, SegmentSchema):
    pass


class PreviewSchema(Schema):
    filter = f.Nested(FilterSchema, required=True)


class CountSchema(Schema):
    count = f.Integer()


class ChoiceSchema(Schema):
    value = f.String()
    label = f.String()


class ConditionSchema(Schema):
    key = f.String(metadata={"description": "The key in a filter's modules, e.g. churn.level"})
    module = f.String()
    label = f.String()
    choices = f.List(f.Nested(ChoiceSchema))


class ConditionList(Schema):
    items = f.List(f.Nested(ConditionSchema))


class ExportArgs(Schema):
    format = f.String(load_default="csv", validate=v.OneOf(["csv", "xlsx"]))


SegmentPage = page_schema(SegmentSchema, "SegmentPage")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _out(segment: Segment, members: int | None = None) -> dict:
    return {"id": segment.id, "name": segment.name, "description": segment.description,
            "filter": segment.filter, "count": count(segment.conditions) if members is None else members,
            "created_at": segment.created_at, "updated_at": segment.updated_at}


@bp.route("", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, SegmentPage)
def list_segments(cursor, limit):
    """The workspace's segments by name, each with its current count."""
    page = paginate(sa.select(Segment), db.session, [Segment.name, Segment.id], descending=False, cursor=cursor,
                    limit=limit)
    members = counts([s.conditions for s in page.items])
    return {"items": [_out(s, n) for s, n in zip(page.items, members)], "next_cursor": page.next_cursor}


@bp.route("", methods=["POST"])
@bp.arguments(SegmentSchema)
@bp.response(201, SegmentSchema)
@bp.errors(409)
def create_segment(data):
    """Save a filter as a segment."""
    segment = service.create(data)
    return _out(segment)


@bp.route("/conditions", methods=["GET"])
@bp.response(200, ConditionList)
def list_conditions():
    """The conditions the workspace's enabled modules add to segment filters (``filter.modules``)."""
    return {"items": [{"key": c.key, "module": c.key.split(".", 1)[0], "label": str(c.label),
                       "choices": [{"value": value, "label": str(label)} for value, label in c.choices.items()]}
                      for c in module_conditions.offered().values()]}


@bp.route("/preview", methods=["POST"])
@bp.arguments(PreviewSchema)
@bp.response(200, CountSchema)
def preview(data):
    """How many customers a filter holds, without saving it."""
    return {"count": count(service.checked(data["filter"]))}


@bp.route("/<uuid:segment_id>", methods=["GET"])
@bp.response(200, SegmentSchema)
@bp.errors(404)
def get_segment(segment_id):
    """One segment, with its filter and current count."""
    return _out(service.get(segment_id))


@bp.route("/<uuid:segment_id>", methods=["PATCH"])
@bp.arguments(SegmentUpdateSchema)
@bp.response(200, SegmentSchema)
@bp.errors(404, 409)
def update_segment(data, segment_id):
    """Rename it, or change its filter."""
    segment = service.update(service.get(segment_id), data)
    return _out(segment)


@bp.route("/<uuid:segment_id>", methods=["DELETE"])
@bp.response(204)
@bp.errors(404)
def delete_segment(segment_id):
    """Delete the segment (its customers stay)."""
    db.session.delete(service.get(segment_id))


@bp.route("/<uuid:segment_id>/customers", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, CustomerPage)
@bp.errors(404)
def segment_customers(segment_id, cursor, limit):
    """The segment's customers, by name."""
    filters = search.CustomerFilter(segments=(service.get(segment_id).conditions,))
    return search.search(filters, sort="name", cursor=cursor, limit=limit)


@bp.route("/<uuid:segment_id>/export", methods=["GET"])
@bp.arguments(ExportArgs, location="query", as_kwargs=True)
@bp.response(200, content_type="text/csv", description="The customers as CSV (UTF-8 with BOM) or XLSX")
@bp.alt_response(200, content_type=XLSX, description="format=xlsx", success=True)
@bp.errors(400, 404)
def export_segment(segment_id, format):
    """Download the segment's customers as CSV or XLSX: profile, tier, stage, figures, tags, custom
    fields and the enabled modules' columns. Text that a spreadsheet would run as a formula is not."""
    segment = service.get(segment_id)
    lines = exports.rows(current_principal().tenant.id, (segment.conditions,))
    name = f"segment-{segment.id}"
    db.session.commit()
    if format == "xlsx":
        return send_file(as_xlsx(lines), mimetype=XLSX, as_attachment=True, download_name=f"{name}.xlsx")
    return Response(stream_with_context(as_csv(lines)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
