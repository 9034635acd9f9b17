"""Orders pushed in by a tenant's shops and ERPs: signed like Retain's own webhooks, recorded once.

The sender signs with the tenant's inbound secret per Standard Webhooks. An order is recorded
once however often, and however concurrently, it arrives: a replay of a ``webhook-id`` answers
as the first delivery did, and on PostgreSQL deliveries of one order (by its ``external_ref``)
take turns, so the customer is created once and the purchase is recorded once.
"""

from __future__ import annotations

import binascii
import datetime as dt

import sqlalchemy as sa
from flask import current_app
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from saas.core.customers import Customer, Purchase, activity
from saas.core.customers import records as customers
from saas.core.db import db
from saas.core.errors import BadRequest, Conflict, Unauthorized
from saas.core.pagination import Page, paginate
from saas.core.tenancy import current_tenant_id
from saas.core.types import utcnow
from saas.core.webhooks.models import InboundMessage, InboundSecret

MAX_WEBHOOK_ID = 255
CUSTOMER_FIELDS = ("email", "phone", "company")  # filled on a found customer only where empty


def secret() -> InboundSecret | None:
    return db.session.scalar(sa.select(InboundSecret))


def rotate_secret() -> InboundSecret:
    """The workspace's inbound secret: a new one, the previous staying valid for the overlap."""
    found = secret()
    if found is None:
        found = InboundSecret()
        db.session.add(found)
    else:
        found.rotate(dt.timedelta(hours=current_app.config["WEBHOOK_SECRET_OVERLAP_HOURS"]))
    db.session.flush()
    return found


def received(*, cursor: str | None, limit: int) -> Page:
    """The orders received, newest first, each with its purchase and customer: dicts of
    ``webhook_id``, ``received_at``, ``purchase_id``, ``external_ref``, ``product``, ``amount``,
    ``currency``, ``customer_id`` and ``customer_name``, read in one statement."""
    stmt = (sa.select(InboundMessage.webhook_id, InboundMessage.received_at, Purchase.id.label("purchase_id"),
                      Purchase.external_ref, Purchase.product, Purchase.amount, Purchase.currency,
                      Customer.id.label("customer_id"), Customer.name.label("customer_name"))
            .join(Purchase, sa.and_(Purchase.tenant_id == InboundMessage.tenant_id,
                                    Purchase.id == InboundMessage.purchase_id))
            .join(Customer, sa.and_(Customer.tenant_id == Purchase.tenant_id, Customer.id == Purchase.customer_id)))
    return paginate(stmt, db.session, [InboundMessage.received_at, InboundMessage.webhook_id], descending=True,
                    cursor=cursor, limit=limit, as_dicts=True)


def verify(body: bytes, headers: dict) -> None:
    """Raise :class:`Unauthorized` unless a current secret of the bound tenant signed ``body``."""
    found = secret()
    if found is None:
        raise Unauthorized("this workspace takes no signed orders: an admin creates its inbound secret first")
    text = body.decode("utf-8", errors="replace")
    for candidate in found.secrets_at(utcnow()):
        try:
            Webhook(candidate).verify(text, headers, json_parse=False)
            return
        except (WebhookVerificationError, ValueError, binascii.Error) as error:
            reason = str(error) or "bad signature"
    raise Unauthorized(f"the signature does not verify: {reason}")


def replayed(webhook_id: str) -> Purchase | None:
    """The purchase a delivery with this ``webhook-id`` recorded before, if any."""
    message = db.session.get(InboundMessage, (current_tenant_id(), webhook_id))
    return None if message is None else db.session.get(Purchase, (current_tenant_id(), message.purchase_id))


def record_order(webhook_id: str, order: dict, *, default_currency: str) -> tuple[Purchase, bool]:
    """Record ``order`` (an :class:`InboundOrderSchema` load) once; returns ``(purchase, created)``."""
    if len(webhook_id) > MAX_WEBHOOK_ID:
        raise BadRequest(f"webhook-id is longer than {MAX_WEBHOOK_ID} characters")
    _one_at_a_time(order["external_ref"])
    earlier = replayed(webhook_id)
    if earlier is not None:
        return earlier, False
    customer = _customer_for(order["customer"])
    data = {key: value for key, value in order.items() if key != "customer"}
    purchase, created = activity.record_purchase({**data, "customer_id": customer.id},
                                                 default_currency=default_currency)
    db.session.add(InboundMessage(webhook_id=webhook_id, purchase_id=purchase.id))
    db.session.flush()
    return purchase, created


def _one_at_a_time(external_ref: str) -> None:
    """Deliveries of one order wait for each other until commit.

    PostgreSQL: a transaction-level advisory lock on the order. SQLite: a fresh transaction whose
    first statement is a write, so it waits for the database's single write lock up front instead
    of failing with "database is locked" when its reads turn out to be stale.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        key = f"inbound:{current_tenant_id()}:{external_ref}"
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(key, 0))))
        return
    db.session.rollback()  # nothing was written yet: the signature check only read
    db.session.execute(sa.update(InboundMessage).where(sa.false()).values(webhook_id=InboundMessage.webhook_id)
                       .execution_options(synchronize_session=False))


def _customer_for(given: dict) -> Customer:
    """Found by external id, then e-mail, then phone (filling what it lacks), or created."""
    given = customers.clean_contact(dict(given))  # the shop's spelling of a number is not ours
    found = None
    if given.get("external_id"):
        found = customers.find_by_external_id(given["external_id"])
    if found is None and given.get("email"):
        found = db.session.scalar(sa.select(Customer).where(sa.func.lower(Customer.email) == given["email"].lower(),
                                                            Customer.deleted_at.is_(None)).limit(1))
    if found is None and given.get("phone"):
        found = db.session.scalar(sa.select(Customer).where(Customer.phone == given["phone"],
                                                            Customer.deleted_at.is_(None)).limit(1))
    if found is None:
        return customers.create({key: value for key, value in given.items() if value is not None})
    changes = {key: given[key] for key in CUSTOMER_FIELDS if given.get(key) and not getattr(found, key)}
    if given.get("external_id") and not found.external_id:
        changes["external_id"] = given["external_id"]
    if found.merged_into_id is not None or found.deleted_at is not None:
        raise Conflict("the order's customer was deleted or merged in Retain; restore it or use the survivor's id")
    return customers.update(found, changes) if changes else found
