"""The churn module's event types (``saas_event_types``: catalogued, and delivered to webhooks), and
the names of the other modules' events it follows (by name only: it never imports those modules)."""

from __future__ import annotations

from saas.core.hooktypes import EventType

from plugins.churn.models import SignalKind

CUSTOMER_ID = "01a209c2-8155-7bfd-9ec3-253721798534"

RISK_RAISED = EventType(
    "churn.risk_raised", "A customer crossed into high churn risk (its score, level and reasons; a win-back task opens)",
    {"customer_id": CUSTOMER_ID, "score": 78, "level": "high",
     "reasons": [{"code": "overdue", "share": 0.71, "figures": {"days": 96, "interval": 30}},
                 {"code": "fewer_purchases", "share": 0.29, "figures": {"recent": 0, "before": 2}}],
     "task_id": "01a20c3e-1b2c-7d3e-8f40-516273849507"})
TASK_CLOSED = EventType(
    "churn.task_closed", "A win-back task was closed: won back (by a purchase after it opened) or lost",
    {"task_id": "01a20c3e-1b2c-7d3e-8f40-516273849507", "customer_id": CUSTOMER_ID, "status": "won_back",
     "reason": "price_competition", "won_back_amount": "388.00"})
EVENT_TYPES = (RISK_RAISED, TASK_CLOSED)

# Other modules' events that are signals (their data has "customer_id"), by name.
SIGNAL_EVENTS = {"surveys.low_score": SignalKind.low_survey, "complaints.breached": SignalKind.complaint_breach,
                 "visits.overdue": SignalKind.missed_visit}
