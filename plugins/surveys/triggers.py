"""Sending without a request: on a survey's schedule (``{"every_months": 3, "tier": "important"}``,
checked daily) and after a customer's events (``[{"event": "purchase.recorded", "delay_hours": 24}]``:
an invitation due that much later, which the sweep delivers)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import sqlalchemy as sa

from saas.core.classification import months_before
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.errors import Invalid, NotFound
from saas.core.plugins import installed
from saas.core.segments import saved as segments
from saas.core.types import utcnow

from plugins.surveys import channels, sending
from plugins.surveys.models import Invitation, State, Survey
from plugins.surveys.settings import NAME

log = logging.getLogger(__name__)


def check(data: dict) -> None:
    """A survey's ``schedule`` and ``send_after`` as loaded: a segment the workspace has, events
    that are declared, name a customer and are not this module's own (422 otherwise)."""
    schedule = data.get("schedule")
    if schedule and schedule.get("segment_id"):
        try:
            segments.get(uuid.UUID(schedule["segment_id"]))
        except NotFound:
            raise Invalid("unknown segment", {"schedule": {"segment_id": ["No such segment."]}}) from None
    for rule in data.get("send_after") or []:
        declared = installed().event_type(rule["event"])
        if declared is None or "customer_id" not in declared.example or rule["event"].startswith(f"{NAME}."):
            raise Invalid("not an event to send after", {"send_after": [
                f"{rule['event']}: an event of a customer (purchase.recorded, interaction.logged...)."]})


def due(survey: Survey, now: dt.datetime) -> bool:
    every = survey.schedule["every_months"]
    return survey.last_scheduled_at is None or survey.last_scheduled_at <= months_before(now, every)


def run_schedules(now: dt.datetime | None = None) -> int:
    """Send the bound workspace's active surveys whose schedule has come round (by e-mail, the
    throttle and opt-outs as ever); returns how many were sent."""
    now = now or utcnow()
    sent = 0
    for survey in db.session.scalars(sa.select(Survey).where(Survey.state == State.active,
                                                             Survey.schedule.is_not(None))).all():
        if not survey.schedule or not due(survey, now):
            continue
        schedule = survey.schedule
        try:
            who = sending.recipients(segment_id=uuid.UUID(schedule["segment_id"])) if schedule.get("segment_id") \
                else sending.recipients(tier=schedule["tier"])
        except NotFound:  # its segment was deleted: nobody to ask until the survey names another
            log.warning("survey %s: its schedule's segment is gone", survey.id)
            continue
        sending.send(survey, who)
        survey.last_scheduled_at = now
        sent += 1
    return sent


def after_event(event) -> int:
    """Invite the event's customer to each active survey sent after events of its type, due
    ``delay_hours`` after the event; once per event and survey (a redelivered event adds nothing)."""
    customer_id = event.data.get("customer_id")
    if not customer_id:
        return 0
    surveys = [survey for survey in db.session.scalars(sa.select(Survey).where(Survey.state == State.active)).all()
               if any(rule["event"] == event.type for rule in survey.send_after or [])]
    customer = db.session.scalar(sa.select(Customer).where(Customer.id == uuid.UUID(str(customer_id)),
                                                           Customer.deleted_at.is_(None)))
    if not surveys or customer is None:
        return 0
    invited = 0
    for survey in surveys:
        source = f"event:{event.id}:{survey.id}"
        if db.session.scalar(sa.select(Invitation.id).where(Invitation.source == source)) is not None:
            continue
        delay = max(rule.get("delay_hours", 0) for rule in survey.send_after if rule["event"] == event.type)
        at = (event.occurred_at or utcnow()) + dt.timedelta(hours=delay)
        made, _ = sending.invite(survey, [customer], channels.EMAIL, {}, due_at=at if at > utcnow() else None,
                                 source=source)
        invited += len(made)
    return invited
