"""``/api/v1/tags``: the labels a tenant puts on its customers."""

from __future__ import annotations

import sqlalchemy as sa
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, PartialSchema, page_schema
from saas.api.schema import Schema
from saas.core.customers import Tag
from saas.core.customers import tags as service
from saas.core.db import db
from saas.core.pagination import paginate

bp = ApiBlueprint("tags", __name__, url_prefix="/api/v1/tags", description="Tags")

COLOR = v.Regexp(r"#[0-9a-fA-F]{6}\Z", error="A colour such as #1f77b4.")


class TagSchema(Schema):
    id = f.UUID(dump_only=True)
    name = f.String(required=True, validate=v.Length(min=1, max=50))
    color = f.String(allow_none=True, validate=COLOR)
    customers = f.Integer(dump_only=True, metadata={"description": "How many customers carry it (in lists)"})


class TagUpdateSchema(PartialSchema, TagSchema):
    """Rename or recolour."""


@bp.route("", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, page_schema(TagSchema, "TagPage"))
def list_tags(cursor, limit):
    """Tags by name, with how many customers carry each."""
    page = paginate(sa.select(Tag), db.session, [Tag.name, Tag.id], descending=False, cursor=cursor, limit=limit)
    counts = service.usage([t.id for t in page.items])
    items = [{**TagSchema().dump(t), "customers": counts.get(t.id, 0)} for t in page.items]
    return {"items": items, "next_cursor": page.next_cursor}


@bp.route("", methods=["POST"])
@bp.arguments(TagSchema)
@bp.response(201, TagSchema)
@bp.errors(409, 422)
def create_tag(data):
    """Create a tag (tags are also created when first put on a customer)."""
    tag = service.create(data["name"], data.get("color"))
    return tag


@bp.route("/<uuid:tag_id>", methods=["PATCH"])
@bp.arguments(TagUpdateSchema)
@bp.response(200, TagSchema)
@bp.errors(409, 422)
def update_tag(data, tag_id):
    """Rename or recolour a tag."""
    tag = service.update(service.get(tag_id), data)
    return tag


@bp.route("/<uuid:tag_id>", methods=["DELETE"])
@bp.response(204)
def delete_tag(tag_id):
    """Delete a tag and take it off every customer."""
    db.session.delete(service.get(tag_id))
