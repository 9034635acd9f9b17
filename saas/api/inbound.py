"""``/api/v1/inbound``: orders pushed in by shops and ERPs, signed per Standard Webhooks."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.activity import MAX_AMOUNT, MONEY, PurchaseSchema
from saas.api.base import ApiBlueprint
from saas.api.fields import UTCDateTime
from saas.api.schema import Schema
from saas.auth import bind_sender, public, requires
from saas.core.accounts import Scope, Tenant
from saas.core.db import db
from saas.core.errors import Invalid, Unauthorized
from saas.core.webhooks import inbound as service

bp = ApiBlueprint("inbound", __name__, url_prefix="/api/v1/inbound",
                  description="Orders from shops and ERPs, signed with the workspace's inbound secret")


class OrderCustomerSchema(Schema):
    external_id = f.String(allow_none=True, validate=v.Length(min=1, max=100),
                           metadata={"description": "The customer's id in the shop; matched first"})
    name = f.String(required=True, validate=v.Length(min=1, max=200))
    email = f.Email(allow_none=True, validate=v.Length(max=254), metadata={"description": "Matched second"})
    phone = f.String(allow_none=True, validate=[v.Length(max=40), v.Regexp(r"^[0-9+()\-.\s]*$",
                                                                             error="Not a phone number.")],
                     metadata={"description": "Matched third"})
    company = f.String(allow_none=True, validate=v.Length(max=200))


class InboundOrderSchema(Schema):
    external_ref = f.String(required=True, validate=v.Length(min=1, max=100),
                            metadata={"description": "The order number: an order is recorded once", "example": "SO-1001"})
    customer = f.Nested(OrderCustomerSchema, required=True)
    product = f.String(required=True, validate=v.Length(min=1, max=200))
    category = f.String(allow_none=True, validate=v.Length(max=100))
    quantity = f.Decimal(places=3, as_string=True, validate=v.Range(min=0, min_inclusive=False, max=10**9))
    unit_price = f.Decimal(**MONEY, allow_none=True, validate=v.Range(min=0, max=MAX_AMOUNT))
    amount = f.Decimal(**MONEY, required=True, validate=v.Range(min=0, max=MAX_AMOUNT))
    currency = f.String(validate=v.Regexp(r"\A[A-Z]{3}\Z", error="An ISO 4217 code such as CNY."))
    purchased_at = UTCDateTime(required=True)


class OrderArgs(Schema):
    workspace = f.String(required=True, validate=v.Length(min=1, max=63),
                         metadata={"description": "The workspace's slug: whose inbound secret signs"})


class InboundSecretSchema(Schema):
    secret = f.String(metadata={"description": "whsec_...: shown this once; give it to the shop or ERP"})
    previous_secret_expires_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "Until then orders signed with the previous secret are still accepted"})


@bp.route("/orders", methods=["POST"])
@public
@bp.arguments(OrderArgs, location="query", as_kwargs=True)
@bp.doc(security=[], requestBody={"required": True, "content": {"application/json": {"schema": InboundOrderSchema}}})
@bp.response(201, PurchaseSchema)
@bp.alt_response(200, schema=PurchaseSchema, description="Recorded before (same webhook-id or order)",
                 success=True)
@bp.errors(400, 401, 409, 413, 422)
def receive_order(workspace):
    """Record an order pushed by a shop or ERP: the customer is found (by external id, e-mail,
    then phone) or created, and the purchase recorded.

    Sign it per Standard Webhooks with the workspace's inbound secret: headers ``webhook-id``,
    ``webhook-timestamp`` (within five minutes) and ``webhook-signature``. Anything not signed
    so is a 401 and writes nothing; the signature is checked before the body is read. Sending
    one order again, with the same ``webhook-id`` or the same ``external_ref``, records nothing
    new and answers 200 with the purchase.
    """
    tenant = db.session.scalar(db.select(Tenant).where(Tenant.slug == workspace, Tenant.status == "active"))
    if tenant is None:
        raise Unauthorized("the signature does not verify")  # no hint whether the workspace exists
    bind_sender(tenant)
    service.verify(request.get_data(), dict(request.headers))
    try:
        order = InboundOrderSchema().load(request.get_json(silent=True) or {})
    except ma.ValidationError as error:
        raise Invalid("the order is not valid", error.messages) from None
    purchase, created = service.record_order(request.headers["webhook-id"], order,
                                             default_currency=tenant.settings.get("currency", "CNY"))
    return purchase, 201 if created else 200


@bp.route("/secret", methods=["POST"])
@requires(Scope.admin)
@bp.response(200, InboundSecretSchema)
def rotate_inbound_secret():
    """Create the workspace's inbound secret, or replace it (the old one stays valid for a day)."""
    found = service.rotate_secret()
    return found
