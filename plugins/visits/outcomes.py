"""Logging a visit: done, no answer, moved to another day, or skipped; each writes the
interaction on the customer's timeline (through the core's ``log_interaction``)."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from saas.core.customers import Channel
from saas.core.customers import activity
from saas.core.db import db
from saas.core.errors import Conflict, Invalid
from saas.core.tenancy import get_owned
from saas.core.types import utcnow

from plugins.visits import clock
from plugins.visits.models import Status, Visit

# A visit's channel as the interaction's (the core has no "video": a meeting at a distance).
INTERACTION_CHANNEL = {"visit": Channel.visit, "video": Channel.meeting, "phone": Channel.phone,
                       "email": Channel.email, "sms": Channel.sms}
SUBJECTS = {"done": "Return visit", "no_answer": "Return visit: no answer",
            "rescheduled": "Return visit moved", "cancelled": "Return visit skipped"}


def get(visit_id: uuid.UUID, *, for_update: bool = False) -> Visit:
    return get_owned(Visit, visit_id, "visit not found", for_update=for_update)


def log(visit: Visit, outcome: str, *, notes: str | None, next_step: str | None, reason: str | None,
        due_on: dt.date | None, staff_id: uuid.UUID | None, now: dt.datetime | None = None) -> Visit:
    """Log ``outcome`` for a planned visit (409 for one already logged); a move plans the visit
    again on ``due_on`` (the visit itself keeps the day it had, as moved)."""
    if visit.status is not Status.planned:
        raise Conflict(f"This visit is already logged ({visit.status.value}).")
    now = now or utcnow()
    today = clock.today(now=now)
    if outcome in ("rescheduled", "cancelled") and not reason:
        raise Invalid("A move or a skip needs a reason.", {"reason": ["Say why."]})
    if outcome == "rescheduled":
        if due_on is None or due_on < today:
            raise Invalid("A moved visit needs its new day, today or later.", {"due_on": ["Today or later."]})
        moved = Visit(customer_id=visit.customer_id, owner_id=visit.owner_id, rule_key=f"moved:{visit.id}",
                      tier=visit.tier, planned_on=due_on, due_on=due_on, due_minute=visit.due_minute,
                      channel=visit.channel, purpose=visit.purpose, automated=visit.automated, status=Status.planned,
                      moved_from_id=visit.id, escalation=0)
        db.session.add(moved)
    words = [part for part in (notes, f"Reason: {reason}" if reason else None,
                               f"Moved to {due_on:%Y-%m-%d}" if outcome == "rescheduled" else None,
                               f"Next step: {next_step}" if next_step else None) if part]
    interaction = activity.log_interaction({
        "customer_id": visit.customer_id, "channel": INTERACTION_CHANNEL[visit.channel],
        "subject": f"{SUBJECTS[outcome]} ({visit.purpose})", "notes": "\n".join(words) or None,
        "occurred_at": now, "staff_id": staff_id, "outcome": outcome})
    visit.status = Status(outcome)
    visit.notes, visit.next_step, visit.reason = notes, next_step, reason
    visit.logged_at, visit.logged_on, visit.interaction_id = now, today, interaction.id
    db.session.flush()
    return visit


def for_customer(customer_id: uuid.UUID) -> sa.Select:
    return sa.select(Visit).where(Visit.customer_id == customer_id)
