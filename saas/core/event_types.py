"""The core's event types, each declared once: name, description and an example of the data.

Emit one by its constant (``emit(CUSTOMER_CREATED, customer_id=...)``) and compare a handled
event's ``type`` with its name (``event.type == PURCHASE_RECORDED.name``). Modules declare theirs
through ``saas_event_types``; :meth:`saas.core.plugins.Plugins.event_types` lists both, for the
webhook catalogue and the docs, and :func:`saas.core.events.emit` refuses a type in neither.
Each example has exactly the keys the event's data has (``tests/test_events.py`` checks).
"""

from __future__ import annotations

from saas.core.hooktypes import EventType

CUSTOMER_ID = "01a209c2-8155-7bfd-9ec3-253721798534"  # the examples' customer
PURCHASE_ID = "01a209c2-9a01-7c44-8d0e-5f1b2c3d4e5f"

CUSTOMER_CREATED = EventType("customer.created", "A customer was created",
                             {"customer_id": CUSTOMER_ID, "name": "许一鸣"})
CUSTOMER_UPDATED = EventType("customer.updated", "A customer's fields changed",
                             {"customer_id": CUSTOMER_ID, "fields": ["email", "tags"]})
CUSTOMER_DELETED = EventType("customer.deleted", "A customer was deleted (soft: it can be restored)",
                             {"customer_id": CUSTOMER_ID})
CUSTOMER_RESTORED = EventType("customer.restored", "A deleted customer was restored", {"customer_id": CUSTOMER_ID})
CUSTOMER_MERGED = EventType(
    "customer.merged", "Two customers were merged into one: customer_id survives, merged_id is now a tombstone",
    {"customer_id": CUSTOMER_ID, "merged_id": "01a209c2-8156-739e-a0fe-a6c182e08856", "purchases": 2,
     "interactions": 5})
CUSTOMER_TIER_CHANGED = EventType(
    "customer.tier_changed", "A customer's value tier changed: by the rules (its spend moved), or by hand",
    {"customer_id": CUSTOMER_ID, "from": "important", "to": "core",
     "reason": "spend in the last 12 months 120,000.00 >= 100,000.00 (core)"})
CUSTOMER_STAGE_CHANGED = EventType(
    "customer.stage_changed", "A customer's lifecycle stage changed (new, active, dormant, churned...)",
    {"customer_id": CUSTOMER_ID, "from": "active", "to": "dormant",
     "reason": "no purchase for 181 days (dormant after 180)"})
PURCHASE_RECORDED = EventType(
    "purchase.recorded", "A purchase was recorded",
    {"purchase_id": PURCHASE_ID, "customer_id": CUSTOMER_ID, "amount": "388.00", "currency": "CNY",
     "purchased_at": "2026-11-20T09:30:00+00:00", "external_ref": "SO-1001"})
PURCHASE_REFUNDED = EventType(
    "purchase.refunded", "A purchase was refunded, in part or in full",
    {"purchase_id": PURCHASE_ID, "customer_id": CUSTOMER_ID, "refunded": "88.00", "refunded_total": "88.00"})
INTERACTION_LOGGED = EventType(
    "interaction.logged", "A call, visit, message... was logged",
    {"interaction_id": "01a209c2-a0b1-7c2d-9e3f-405162738495", "customer_id": CUSTOMER_ID, "channel": "phone",
     "subject": "Asked about Mid-Autumn gift boxes"})
MODULE_ENABLED = EventType("module.enabled", "A module was switched on for the workspace", {"module": "loyalty"})
MODULE_DISABLED = EventType("module.disabled", "A module was switched off for the workspace", {"module": "loyalty"})
MEMBER_REMOVED = EventType(
    "member.removed", "A person left the workspace: the customers they managed have no account manager now, "
    "and the modules hand on their open work",
    {"user_id": "01a209c2-c2d3-7e4f-9051-627384950617", "team": "华东", "customers": 12})
WEBHOOK_ENDPOINT_DISABLED = EventType(
    "webhook.endpoint_disabled", "Retain stopped sending to a webhook endpoint (it answered 410, or failed for days)",
    {"endpoint_id": "01a209c2-b1c2-7d3e-8f40-516273849506", "url": "https://shop.example.com/hooks/retain",
     "reason": "the endpoint answered 410 Gone"})

CORE_EVENT_TYPES = (CUSTOMER_CREATED, CUSTOMER_UPDATED, CUSTOMER_DELETED, CUSTOMER_RESTORED, CUSTOMER_MERGED,
                    CUSTOMER_TIER_CHANGED, CUSTOMER_STAGE_CHANGED, PURCHASE_RECORDED, PURCHASE_REFUNDED,
                    INTERACTION_LOGGED, MODULE_ENABLED, MODULE_DISABLED, MEMBER_REMOVED, WEBHOOK_ENDPOINT_DISABLED)
