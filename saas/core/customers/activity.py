"""Recording purchases (idempotent on ``external_ref``), refunds and interactions; the timeline."""

from __future__ import annotations

import datetime as dt
import heapq
import uuid
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from saas.core.customers import records as customers
from saas.core.customers import signals
from saas.core.customers.models import Interaction, Purchase
from saas.core.db import db
from saas.core.errors import Conflict, Invalid
from saas.core.events import emit
from saas.core.event_types import INTERACTION_LOGGED, PURCHASE_RECORDED, PURCHASE_REFUNDED
from saas.core.hooktypes import TimelineItem
from saas.core.pagination import Page, after, decode_cursor, encode_cursor, paginate
from saas.core.plugins import installed, results
from saas.core.tenancy import get_owned
from saas.core.types import utcnow


def record_purchase(data: dict, *, default_currency: str) -> tuple[Purchase, bool]:
    """Record a purchase; returns ``(purchase, created)``.

    Re-posting an ``external_ref`` already recorded returns the existing purchase unchanged, so a
    shop or ERP that retries never double-counts an order.
    """
    ref = data.get("external_ref")
    if ref:
        existing = db.session.scalar(sa.select(Purchase).where(Purchase.external_ref == ref))
        if existing is not None:
            return _same_order(existing, data), False
    customers.get(data["customer_id"])
    data = {"currency": default_currency, **data}
    purchase = Purchase(**data)
    try:
        with db.session.begin_nested():
            db.session.add(purchase)
    except sa.exc.IntegrityError:
        if not ref:
            raise
        # Another request recorded the same order between our look-up and our insert.
        existing = db.session.scalar(sa.select(Purchase).where(Purchase.external_ref == ref))
        return _same_order(existing, data), False
    emit(PURCHASE_RECORDED, purchase_id=purchase.id, customer_id=purchase.customer_id, amount=purchase.amount,
         currency=purchase.currency, purchased_at=purchase.purchased_at.isoformat(), external_ref=purchase.external_ref)
    signals.activity_changed.send([purchase.customer_id])
    return purchase, True


def _same_order(existing: Purchase, data: dict) -> Purchase:
    """A re-post of an order is fine; another order under the same reference is a conflict."""
    if existing.customer_id != data["customer_id"] or existing.amount != data["amount"]:
        raise Conflict(
            f"external_ref '{existing.external_ref}' was recorded for another customer or amount",
            {"external_ref": ["Already used for a different order."]},
        )
    return existing


def get_purchase(purchase_id: uuid.UUID, *, for_update: bool = False) -> Purchase:
    """One purchase; ``for_update`` locks its row until commit (refunds add up, never race)."""
    return get_owned(Purchase, purchase_id, "purchase not found", for_update=for_update)


def refund(purchase: Purchase, amount: Decimal | None, reason: str | None) -> Purchase:
    remaining = purchase.amount - purchase.refunded_amount
    amount = remaining if amount is None else amount
    if remaining <= 0:
        raise Conflict("the purchase is fully refunded already")
    if amount <= 0 or amount > remaining:
        raise Invalid("refund out of range", {"amount": [f"Must be above 0 and at most {remaining}."]})
    purchase.refunded_amount = purchase.refunded_amount + amount
    purchase.refunded_at = utcnow()
    purchase.refund_reason = reason
    db.session.flush()
    emit(PURCHASE_REFUNDED, purchase_id=purchase.id, customer_id=purchase.customer_id, refunded=amount,
         refunded_total=purchase.refunded_amount)
    signals.activity_changed.send([purchase.customer_id])
    return purchase


def log_interaction(data: dict) -> Interaction:
    customers.get(data["customer_id"])
    interaction = Interaction(**data)
    db.session.add(interaction)
    db.session.flush()
    emit(INTERACTION_LOGGED, interaction_id=interaction.id, customer_id=interaction.customer_id,
         channel=interaction.channel, subject=interaction.subject)
    signals.activity_changed.send([interaction.customer_id])
    return interaction


def get_interaction(interaction_id: uuid.UUID) -> Interaction:
    return get_owned(Interaction, interaction_id, "interaction not found")


def list_purchases(*, customer_id: uuid.UUID | None, cursor: str | None, limit: int) -> Page:
    return _newest_first(Purchase, Purchase.purchased_at, customer_id, cursor, limit)


def list_interactions(*, customer_id: uuid.UUID | None, cursor: str | None, limit: int) -> Page:
    return _newest_first(Interaction, Interaction.occurred_at, customer_id, cursor, limit)


def _newest_first(model, time_col, customer_id, cursor, limit) -> Page:
    stmt = sa.select(model)
    if customer_id is not None:
        stmt = stmt.where(model.customer_id == customer_id)
    return paginate(stmt, db.session, [time_col, model.id], descending=True, cursor=cursor, limit=limit)


@dataclass(frozen=True)
class TimelineEntry:
    type: str  # "purchase", "interaction", or a module's kind ("surveys.answer")
    at: dt.datetime
    item: Purchase | Interaction | TimelineItem


TIMELINE_CURSOR = (("at", dt.datetime), ("id", uuid.UUID))


def timeline(customer_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page:
    """Purchases, interactions and the enabled modules' entries (``saas_timeline_items``) of one
    customer, newest first, in one keyset-paged stream.

    A bounded query per source, merged; the cursor is the (time, id) of the last entry.
    """
    customers.get(customer_id, include_deleted=True)
    position = decode_cursor(cursor, TIMELINE_CURSOR) if cursor else None
    sources = ((Purchase, Purchase.purchased_at, "purchase"), (Interaction, Interaction.occurred_at, "interaction"))
    streams = []
    for model, time_col, kind in sources:
        stmt = sa.select(model).where(model.customer_id == customer_id)
        if position:
            stmt = stmt.where(after([time_col, model.id], position, descending=True))
        rows = db.session.scalars(stmt.order_by(time_col.desc(), model.id.desc()).limit(limit + 1)).all()
        streams.append([TimelineEntry(kind, getattr(r, time_col.key), r) for r in rows])
    for item in results(installed().call_current("saas_timeline_items", customer_id=customer_id, before=position,
                                                  limit=limit + 1)):
        streams.append([TimelineEntry(item.kind, item.at, item)])
    merged = list(heapq.merge(*streams, key=lambda e: (e.at, e.item.id), reverse=True))
    items = merged[:limit]
    next_cursor = encode_cursor(TIMELINE_CURSOR, (items[-1].at, items[-1].item.id)) if len(merged) > limit else None
    return Page(items, next_cursor)
