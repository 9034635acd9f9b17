"""``/api/v1/custom-fields``: the fields a tenant adds to its customer records (admins define them)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, page_schema
from saas.api.schema import Schema
from saas.auth import requires
from saas.core.accounts import Scope
from saas.core.customers import CustomFieldDefinition, FieldType
from saas.core.customers import custom_fields as service
from saas.core.db import db
from saas.core.pagination import paginate
from saas.core.tenancy import get_owned

bp = ApiBlueprint("custom_fields", __name__, url_prefix="/api/v1/custom-fields", description="Custom fields")

CHOICES = f.List(f.String(validate=v.Length(min=1, max=100)), validate=v.Length(max=100))


class CustomFieldSchema(Schema):
    id = f.UUID(dump_only=True)
    key = f.String(required=True, validate=v.Length(min=1, max=50))
    label = f.String(required=True, validate=v.Length(min=1, max=100))
    type = f.Enum(FieldType, by_value=True, required=True)
    choices = f.List(f.String(validate=v.Length(min=1, max=100)), load_default=list, validate=v.Length(max=100))
    required = f.Boolean(load_default=False)


class CustomFieldUpdateSchema(Schema):
    label = f.String(validate=v.Length(min=1, max=100))
    choices = CHOICES
    required = f.Boolean()


def _field(field_id: uuid.UUID) -> CustomFieldDefinition:
    return get_owned(CustomFieldDefinition, field_id, "custom field not found")


@bp.route("", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, page_schema(CustomFieldSchema, "CustomFieldPage"))
def list_custom_fields(cursor, limit):
    """The custom fields defined for this workspace's customers, by key."""
    page = paginate(sa.select(CustomFieldDefinition), db.session, [CustomFieldDefinition.key, CustomFieldDefinition.id],
                    descending=False, cursor=cursor, limit=limit)
    return page


@bp.route("", methods=["POST"])
@requires(Scope.admin)
@bp.arguments(CustomFieldSchema)
@bp.response(201, CustomFieldSchema)
@bp.errors(409, 422)
def create_custom_field(data):
    """Define a custom field (admins)."""
    field = service.define(**data)
    return field


@bp.route("/<uuid:field_id>", methods=["PATCH"])
@requires(Scope.admin)
@bp.arguments(CustomFieldUpdateSchema)
@bp.response(200, CustomFieldSchema)
@bp.errors(422)
def update_custom_field(data, field_id):
    """Relabel a custom field, change its choices or whether it is required (admins)."""
    field = service.update(_field(field_id), data)
    return field


@bp.route("/<uuid:field_id>", methods=["DELETE"])
@requires(Scope.admin)
@bp.response(204)
def delete_custom_field(field_id):
    """Remove a custom field definition; values already stored stay in the records (admins)."""
    db.session.delete(_field(field_id))
