"""The complaints module's event types (``saas_event_types``: catalogued, and delivered to webhooks).
``complaints.breached`` names its customer, so the churn module takes it as a signal
(``complaint_breach``) by its name alone."""

from __future__ import annotations

from saas.core.hooktypes import EventType

CASE_ID = "01a20d01-5a6b-7c8d-9e0f-112233445566"
CUSTOMER_ID = "01a209c2-8155-7bfd-9ec3-253721798534"

OPENED = EventType(
    "complaints.opened", "A complaint case was opened (by staff, the API, the public form or a low survey score)",
    {"case_id": CASE_ID, "customer_id": CUSTOMER_ID, "channel": "phone", "category": "delivery",
     "priority": "normal", "tier": "core", "owner_id": "01a209c2-7e10-7c3b-8a2d-3e4f50617283",
     "response_due_at": "2026-12-04T10:30:00+00:00", "plan_due_at": "2026-12-04T21:30:00+00:00",
     "resolution_due_at": "2026-12-05T09:30:00+00:00"})
BREACHED = EventType(
    "complaints.breached", "A complaint missed one of its targets (response, plan or resolution); recorded for good",
    {"case_id": CASE_ID, "customer_id": CUSTOMER_ID, "target": "response", "due_at": "2026-12-04T10:30:00+00:00",
     "priority": "normal", "tier": "core", "owner_id": "01a209c2-7e10-7c3b-8a2d-3e4f50617283"})
RESOLVED = EventType(
    "complaints.resolved", "A complaint case was resolved (the customer is asked whether it is)",
    {"case_id": CASE_ID, "customer_id": CUSTOMER_ID, "category": "delivery", "cause": "courier lost the parcel",
     "resolved_at": "2026-12-05T08:10:00+00:00", "breached": ["response"]})
EVENT_TYPES = (OPENED, BREACHED, RESOLVED)
