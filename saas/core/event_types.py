"""The catalogue of the core's event types: name, description and an example of the data.

Modules add theirs through ``saas_event_types``; :meth:`saas.core.plugins.Plugins.event_types`
lists both, for the webhook catalogue and the docs.
"""

from __future__ import annotations

from saas.core.hooktypes import EventType

CORE_EVENT_TYPES = (  # each example has exactly the keys the event's data has (tests/test_events.py checks)
    EventType("customer.created", "A customer was created",
              {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "name": "许一鸣"}),
    EventType("customer.updated", "A customer's fields changed",
              {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "fields": ["email", "tags"]}),
    EventType("customer.deleted", "A customer was deleted (soft: it can be restored)",
              {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534"}),
    EventType("customer.restored", "A deleted customer was restored",
              {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534"}),
    EventType("customer.merged", "Two customers were merged into one: customer_id survives, merged_id is now a "
              "tombstone", {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534",
                            "merged_id": "01a209c2-8156-739e-a0fe-a6c182e08856", "purchases": 2, "interactions": 5}),
    EventType("customer.tier_changed", "A customer's value tier changed: by the rules (its spend moved), or by hand",
              {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "from": "important", "to": "core",
               "reason": "spend in the last 12 months 120,000.00 >= 100,000.00 (core)"}),
    EventType("customer.stage_changed", "A customer's lifecycle stage changed (new, active, dormant, churned...)",
              {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "from": "active", "to": "dormant",
               "reason": "no purchase for 181 days (dormant after 180)"}),
    EventType("purchase.recorded", "A purchase was recorded",
              {"purchase_id": "01a209c2-9a01-7c44-8d0e-5f1b2c3d4e5f", "customer_id": "01a209c2-8155-7bfd-9ec3-253721798534",
               "amount": "388.00", "currency": "CNY", "purchased_at": "2026-11-20T09:30:00+00:00",
               "external_ref": "SO-1001"}),
    EventType("purchase.refunded", "A purchase was refunded, in part or in full",
              {"purchase_id": "01a209c2-9a01-7c44-8d0e-5f1b2c3d4e5f", "customer_id": "01a209c2-8155-7bfd-9ec3-253721798534",
               "refunded": "88.00", "refunded_total": "88.00"}),
    EventType("interaction.logged", "A call, visit, message... was logged",
              {"interaction_id": "01a209c2-a0b1-7c2d-9e3f-405162738495", "customer_id": "01a209c2-8155-7bfd-9ec3-253721798534",
               "channel": "phone", "subject": "Asked about Mid-Autumn gift boxes"}),
    EventType("module.enabled", "A module was switched on for the workspace", {"module": "loyalty"}),
    EventType("module.disabled", "A module was switched off for the workspace", {"module": "loyalty"}),
    EventType("webhook.endpoint_disabled", "Retain stopped sending to a webhook endpoint (it answered 410, or "
              "failed for days)", {"endpoint_id": "01a209c2-b1c2-7d3e-8f40-516273849506",
                                   "url": "https://shop.example.com/hooks/retain",
                                   "reason": "the endpoint answered 410 Gone"}),
)
