"""``/api/v1/customers``: the customer file, its timeline, soft delete and restore."""

from __future__ import annotations

import dataclasses
import re

import marshmallow as ma
from flask import request
from flask_smorest import abort
from marshmallow import fields as f
from marshmallow import validate as v
from marshmallow.utils import get_value
from webargs.fields import DelimitedList

from saas.api.base import ApiBlueprint, PageArgs, PartialSchema, page_schema
from saas.api.fields import UTCDateTime
from saas.api.schema import Schema
from saas.core.classification import Stage, Tier
from saas.core.customers import Channel, CustomerKind, merges
from saas.core.customers import records as service
from saas.core.plugins import installed
from saas.core.segments import search

bp = ApiBlueprint("customers", __name__, url_prefix="/api/v1/customers", description="Customer records")

SOCIAL_NETWORKS = ("wechat", "weibo", "qq", "dingtalk", "linkedin", "x", "facebook", "instagram", "whatsapp", "line")


class PreferencesSchema(Schema):
    preferred_channel = f.String(allow_none=True, validate=v.OneOf([c.value for c in Channel]))
    contact_time = f.String(allow_none=True, validate=v.Length(max=100),
                            metadata={"example": "weekdays 9:00-11:00"})
    language = f.String(allow_none=True, validate=v.Length(max=20))


class CustomerSchema(Schema):
    id = f.UUID(dump_only=True)
    name = f.String(required=True, validate=v.Length(min=1, max=200))
    external_id = f.String(allow_none=True, validate=v.Length(min=1, max=100),
                           metadata={"description": "The customer's id in your shop or ERP; unique in the workspace"})
    kind = f.Enum(CustomerKind, by_value=True, load_default=CustomerKind.person)
    company = f.String(allow_none=True, validate=v.Length(max=200))
    title = f.String(allow_none=True, validate=v.Length(max=100))
    industry = f.String(allow_none=True, validate=v.Length(max=100))
    region = f.String(allow_none=True, validate=v.Length(max=100))
    address = f.String(allow_none=True, validate=v.Length(max=500))
    email = f.Email(allow_none=True, validate=v.Length(max=254))
    phone = f.String(allow_none=True, validate=[v.Length(max=40), v.Regexp(r"^[0-9+()\-.\s]*$", error="Not a phone number.")])
    social = f.Dict(keys=f.String(validate=v.OneOf(SOCIAL_NETWORKS)), values=f.String(validate=v.Length(max=200)),
                    load_default=dict)
    birthday = f.Date(allow_none=True)
    source = f.String(allow_none=True, validate=v.Length(max=100))
    owner_id = f.UUID(allow_none=True, metadata={"description": "The account manager (a member's user id)"})
    team = f.String(allow_none=True, validate=v.Length(max=100))
    tags = f.Method("dump_tags", "load_tags", metadata={"type": "array", "items": {"type": "string"}})
    preferences = f.Nested(PreferencesSchema, load_default=dict)
    notes = f.String(allow_none=True, validate=v.Length(max=10_000))
    custom_fields = f.Dict(keys=f.String(), load_default=dict)
    version = f.Integer(dump_only=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)
    deleted_at = f.AwareDateTime(dump_only=True, allow_none=True)
    tier = f.Enum(Tier, by_value=True, dump_only=True, allow_none=True,
                  metadata={"description": "Value tier: core, important, basic, general, potential (null: no "
                                           "purchase and no contact yet); see .../classification for why"})
    lifecycle_stage = f.Enum(Stage, by_value=True, dump_only=True, allow_none=True,
                             metadata={"description": "potential, new, active, dormant or churned"})
    merged_into_id = f.UUID(dump_only=True, allow_none=True, metadata={"description": "On a merged customer's tombstone: the "
                                                                     "customer it was merged into"})

    def dump_tags(self, customer):
        """A customer instance, or a row of a list (a dict with ``tag_names``)."""
        return get_value(customer, "tag_names")

    def load_tags(self, value):
        if not isinstance(value, list) or len(value) > 50:
            raise ma.ValidationError("A list of at most 50 tag names.")
        if not all(isinstance(t, str) and 0 < len(t.strip()) <= 50 for t in value):
            raise ma.ValidationError("Each tag is a name of 1 to 50 characters.")
        return value


class CustomerUpdateSchema(PartialSchema, CustomerSchema):
    version = f.Integer(metadata={"description": "The version you read; a stale one answers 409"})


class CustomerListArgs(PageArgs):
    q = f.String(validate=v.Length(max=200), metadata={"description": "Search name, e-mail, phone, company"})
    tag = f.String(validate=v.Length(max=50))
    owner_id = f.UUID()
    kind = f.Enum(CustomerKind, by_value=True)
    created_after = UTCDateTime()
    created_before = UTCDateTime()
    tier = DelimitedList(f.Enum(Tier, by_value=True), metadata={"description": "One or more tiers: core,important"})
    lifecycle_stage = DelimitedList(f.Enum(Stage, by_value=True), metadata={"description": "One or more stages"})
    team = f.String(validate=v.Length(max=100), metadata={"description": "Only the customers of this team"})
    segment_id = f.UUID(metadata={"description": "Only the customers of this saved segment"})
    deleted = f.Boolean(load_default=False, metadata={"description": "List soft-deleted customers instead"})
    sort = f.String(load_default="-created_at", validate=v.OneOf(list(search.SORTS)))


CustomerPage = page_schema(CustomerSchema, "CustomerPage")


@bp.route("", methods=["GET"])
@bp.arguments(CustomerListArgs, location="query", as_kwargs=True)
@bp.response(200, CustomerPage)
@bp.errors(400, 404)
def list_customers(cursor, limit, sort, tier=(), lifecycle_stage=(), team=None, **filters):
    """List customers, newest first by default, with search and filters."""
    filters = search.list_filter(tiers=[t.value for t in tier], stages=[s.value for s in lifecycle_stage],
                                 teams=[team] if team else [], **filters)
    page = search.search(filters, sort=sort, cursor=cursor, limit=limit)
    return page


@bp.route("", methods=["POST"])
@bp.arguments(CustomerSchema)
@bp.response(201, CustomerSchema)
@bp.errors(400, 409)
def create_customer(data):
    """Create a customer."""
    customer = service.create(data)
    return customer


@bp.route("/<uuid:customer_id>", methods=["GET"])
@bp.response(200, CustomerSchema)
@bp.errors(404)
def get_customer(customer_id):
    """Read one customer; the ``ETag`` carries its version."""
    customer = service.get(customer_id)
    return customer, 200, {"ETag": f'"{customer.version}"'}


class PanelSchema(Schema):
    module = f.String(metadata={"description": "The module that made the panel"})
    key = f.String()
    title = f.String()
    rows = f.List(f.List(f.String()), metadata={"description": "[label, value] pairs"})
    link = f.String(allow_none=True)


class PanelListSchema(Schema):
    items = f.List(f.Nested(PanelSchema))


@bp.route("/<uuid:customer_id>/panels", methods=["GET"])
@bp.response(200, PanelListSchema)
def customer_panels(customer_id):
    """What the workspace's enabled modules show on this customer's profile."""
    customer = service.get(customer_id)
    found = installed().call_current("saas_customer_panels", customer=customer)
    return {"items": [{"module": module, **dataclasses.asdict(panel)} for module, panels in found for panel in panels or []]}


@bp.route("/<uuid:customer_id>", methods=["PATCH"])
@bp.arguments(CustomerUpdateSchema)
@bp.response(200, CustomerSchema)
@bp.errors(400, 404, 409)
def update_customer(data, customer_id):
    """Change some fields. Send the ``version`` you read (or ``If-Match``) to avoid lost updates."""
    if_match = _if_match()
    customer = service.get(customer_id)
    expected = data.pop("version", None)
    if expected is None:
        expected = if_match
    service.update(customer, data, expected_version=expected)
    return customer


def _if_match() -> int | None:
    """The version in ``If-Match: "<version>"`` (``W/`` and quotes optional); a malformed one is a 400."""
    raw = request.headers.get("If-Match", "").strip()
    if raw in ("", "*"):
        return None
    match = re.fullmatch(r'(?:W/)?"?(\d{1,9})"?', raw, re.ASCII)
    if match is None:
        abort(400, message='If-Match must be a customer version, such as "3".',
              errors={"headers": {"If-Match": ["Not a version."]}})
    return int(match.group(1))


@bp.route("/<uuid:customer_id>", methods=["DELETE"])
@bp.response(204)
@bp.errors(404)
def delete_customer(customer_id):
    """Soft-delete a customer; ``POST .../restore`` brings it back."""
    service.soft_delete(service.get(customer_id))


@bp.route("/<uuid:customer_id>/restore", methods=["POST"])
@bp.response(200, CustomerSchema)
@bp.errors(404, 409)
def restore_customer(customer_id):
    """Restore a soft-deleted customer."""
    customer = service.restore(service.get(customer_id, include_deleted=True))
    return customer


class MergeSchema(Schema):
    merged_id = f.UUID(required=True, metadata={"description": "The duplicate, which becomes a tombstone"})
    version = f.Integer(metadata={"description": "The survivor's version you read; a stale one answers 409"})


@bp.route("/<uuid:customer_id>/merge", methods=["POST"])
@bp.arguments(MergeSchema)
@bp.response(200, CustomerSchema)
@bp.errors(400, 404, 409, 422)
def merge_customer(data, customer_id):
    """Merge a duplicate into this customer.

    This customer keeps its values and gains the duplicate's: empty fields filled, tags, social
    accounts, preferences and custom fields added, purchases and interactions moved, and each
    enabled module's data moved. The duplicate stays as a deleted tombstone whose
    ``merged_into_id`` points here. Emits ``customer.merged``. Send the ``version`` you read (or
    ``If-Match``) to be sure you merge into what you saw.
    """
    expected = data.get("version")
    customer = merges.merge(customer_id, data["merged_id"], expected_version=_if_match() if expected is None else expected)
    return customer
