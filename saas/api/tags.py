"""``/api/v1/tags`` and ``/api/v1/custom-fields``: how a tenant labels and extends its records."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PartialSchema, page_schema
from saas.auth import requires
from saas.core.accounts import Scope
from saas.core.customers import Customer, CustomerTag, CustomFieldDefinition, FieldType, Tag
from saas.core.db import db
from saas.core.errors import Conflict, NotFound
from saas.core.services import custom_fields
from saas.core.tenancy import current_tenant_id

bp = ApiBlueprint("tags", __name__, url_prefix="/api/v1", description="Tags and custom fields")

COLOR = v.Regexp(r"^#[0-9a-fA-F]{6}$", error="A colour such as #1f77b4.")


class TagSchema(ma.Schema):
    id = f.UUID(dump_only=True)
    name = f.String(required=True, validate=v.Length(min=1, max=50))
    color = f.String(allow_none=True, validate=COLOR)
    customers = f.Integer(dump_only=True, metadata={"description": "How many customers carry it"})


class TagUpdateSchema(PartialSchema, TagSchema):
    """Rename or recolour."""


class CustomFieldSchema(ma.Schema):
    id = f.UUID(dump_only=True)
    key = f.String(required=True, validate=v.Length(min=1, max=50))
    label = f.String(required=True, validate=v.Length(min=1, max=100))
    type = f.Enum(FieldType, by_value=True, required=True)
    choices = f.List(f.String(validate=v.Length(min=1, max=100)), load_default=list, validate=v.Length(max=100))
    required = f.Boolean(load_default=False)


class CustomFieldUpdateSchema(ma.Schema):
    label = f.String(validate=v.Length(min=1, max=100))
    choices = f.List(f.String(validate=v.Length(min=1, max=100)), validate=v.Length(max=100))
    required = f.Boolean()


TagList = ma.Schema.from_dict({"items": f.List(f.Nested(TagSchema)), "next_cursor": f.String(allow_none=True)}, name="TagList")
CustomFieldList = page_schema(CustomFieldSchema, "CustomFieldList")


def _tag(tag_id) -> Tag:
    tag = db.session.get(Tag, (current_tenant_id(), tag_id))
    if tag is None:
        raise NotFound("tag not found")
    return tag


def _unique_name(name: str, tag_id=None) -> None:
    clash = db.session.scalar(sa.select(Tag.id).where(Tag.name == name))
    if clash is not None and clash != tag_id:
        raise Conflict("a tag with this name exists", {"name": ["Already exists."]})


@bp.route("/tags", methods=["GET"])
@bp.response(200, TagList)
def list_tags():
    """All tags, with how many customers carry each (one query)."""
    counts = (
        sa.select(CustomerTag.tag_id, sa.func.count().label("n"))
        .join(Customer, sa.and_(Customer.tenant_id == CustomerTag.tenant_id, Customer.id == CustomerTag.customer_id))
        .where(Customer.deleted_at.is_(None))
        .group_by(CustomerTag.tag_id).subquery()
    )
    rows = db.session.execute(
        sa.select(Tag, sa.func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.tag_id == Tag.id).order_by(Tag.name)
    ).all()
    items = []
    for tag, n in rows:
        tag.customers = n
        items.append(tag)
    return {"items": items, "next_cursor": None}


@bp.route("/tags", methods=["POST"])
@bp.idempotent
@bp.arguments(TagSchema)
@bp.response(201, TagSchema)
@bp.errors(400, 409)
def create_tag(data):
    """Create a tag (tags are also created when first put on a customer)."""
    data["name"] = data["name"].strip()
    _unique_name(data["name"])
    tag = Tag(**data)
    db.session.add(tag)
    db.session.commit()
    return tag


@bp.route("/tags/<uuid:tag_id>", methods=["PATCH"])
@bp.arguments(TagUpdateSchema)
@bp.response(200, TagSchema)
@bp.errors(400, 404, 409)
def update_tag(data, tag_id):
    """Rename or recolour a tag."""
    tag = _tag(tag_id)
    if "name" in data:
        data["name"] = data["name"].strip()
        _unique_name(data["name"], tag.id)
    for key, value in data.items():
        setattr(tag, key, value)
    db.session.commit()
    return tag


@bp.route("/tags/<uuid:tag_id>", methods=["DELETE"])
@bp.response(204)
@bp.errors(404)
def delete_tag(tag_id):
    """Delete a tag and take it off every customer."""
    db.session.delete(_tag(tag_id))
    db.session.commit()


@bp.route("/custom-fields", methods=["GET"])
@bp.response(200, CustomFieldList)
def list_custom_fields():
    """The custom fields defined for this workspace's customers."""
    items = db.session.scalars(sa.select(CustomFieldDefinition).order_by(CustomFieldDefinition.key)).all()
    return {"items": items, "next_cursor": None}


@bp.route("/custom-fields", methods=["POST"])
@requires(Scope.admin)
@bp.idempotent
@bp.arguments(CustomFieldSchema)
@bp.response(201, CustomFieldSchema)
@bp.errors(400, 409, 422)
def create_custom_field(data):
    """Define a custom field (admins)."""
    field = custom_fields.define(**data)
    db.session.commit()
    return field


def _field(field_id) -> CustomFieldDefinition:
    field = db.session.get(CustomFieldDefinition, (current_tenant_id(), field_id))
    if field is None:
        raise NotFound("custom field not found")
    return field


@bp.route("/custom-fields/<uuid:field_id>", methods=["PATCH"])
@requires(Scope.admin)
@bp.arguments(CustomFieldUpdateSchema)
@bp.response(200, CustomFieldSchema)
@bp.errors(400, 404)
def update_custom_field(data, field_id):
    """Relabel a custom field, change its choices or whether it is required (admins)."""
    field = _field(field_id)
    for key, value in data.items():
        setattr(field, key, value)
    db.session.commit()
    return field


@bp.route("/custom-fields/<uuid:field_id>", methods=["DELETE"])
@requires(Scope.admin)
@bp.response(204)
@bp.errors(404)
def delete_custom_field(field_id):
    """Remove a custom field definition; values already stored stay in the records (admins)."""
    db.session.delete(_field(field_id))
    db.session.commit()
