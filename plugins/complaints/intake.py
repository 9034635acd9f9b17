"""Cases that open themselves: from a low survey score (``surveys.low_score``, by event, when the
settings take them), and from other modules' channels, which name their intake events through the
hook :func:`plugins.complaints.hookspecs.complaints_intake_events`. Each event opens at most one
case: its id is the case's ``source_event_id``, unique in the workspace."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.module_settings import settings_of
from saas.core.plugins import installed

from plugins.complaints import cases
from plugins.complaints.models import Case, Priority
from plugins.complaints.settings import NAME

LOW_SCORE = "surveys.low_score"  # the surveys module's event, by name only


def _customer(value) -> uuid.UUID | None:
    try:
        customer_id = uuid.UUID(str(value))
    except ValueError:
        return None
    return db.session.scalar(sa.select(Customer.id).where(Customer.id == customer_id, Customer.deleted_at.is_(None)))


def _seen(event_id: uuid.UUID) -> bool:
    return db.session.scalar(sa.select(Case.id).where(Case.source_event_id == event_id)) is not None


def from_low_score(event) -> Case | None:
    """A case for the customer's unhappy answer (an anonymous survey's names no one: none)."""
    settings = settings_of(NAME)
    customer_id = _customer(event.data.get("customer_id"))
    if not settings["survey_intake"] or customer_id is None or _seen(event.id):
        return None
    kind, score = str(event.data.get("kind", "")).upper(), event.data.get("score")
    return cases.open_case(customer_id, category=settings["survey_category"], channel="survey",
                           description=f"{kind} {score} in a survey", source_event_id=event.id, actor="system")


def channel_events(tenant) -> dict[str, str]:
    """``{event type: channel}`` from the modules ``tenant`` enabled (a result that is not such a
    dict, or names one of this module's own events, is left out)."""
    found: dict[str, str] = {}
    for _, named in installed().module_hook(tenant, "complaints_intake_events"):
        if isinstance(named, dict):
            for event_type, channel in named.items():
                if isinstance(event_type, str) and isinstance(channel, str) and not event_type.startswith(f"{NAME}."):
                    found.setdefault(event_type, channel)
    return found


def from_channel(event, channel: str) -> Case | None:
    """A case from another module's intake event: its data names ``customer_id`` and
    ``description``, and may name ``category`` (else ``other``, or the first category) and
    ``priority``. An event that names no customer of the workspace, or too little, opens none."""
    settings = settings_of(NAME)
    customer_id = _customer(event.data.get("customer_id"))
    description = str(event.data.get("description") or "").strip()[:5000]
    if customer_id is None or not description or _seen(event.id):
        return None
    category = event.data.get("category")
    if category not in settings["categories"]:
        category = "other" if "other" in settings["categories"] else settings["categories"][0]
    priority = event.data.get("priority")
    priority = priority if priority in {p.value for p in Priority} else None
    return cases.open_case(customer_id, category=category, description=description, priority=priority,
                           channel=channel[:20], source_event_id=event.id, actor="system")
