"""Logging a visit: done, no answer, moved to another day, or skipped; each writes the
interaction on the customer's timeline (through the core's ``log_interaction``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid

import sqlalchemy as sa
from babel import Locale
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from saas.core.customers import Channel
from saas.core.customers import activity
from saas.core.db import db
from saas.core.errors import Conflict, Invalid
from saas.core.messages import N_
from saas.core.tenancy import current_tenant, get_owned
from saas.core.types import utcnow

from plugins.visits import clock
from plugins.visits.models import Status, Visit

# A visit's channel as the interaction's (the core has no "video": a meeting at a distance).
INTERACTION_CHANNEL = {"visit": Channel.visit, "video": Channel.meeting, "phone": Channel.phone,
                       "email": Channel.email, "sms": Channel.sms}
# The interaction's words, written in the workspace's language (they are kept, not shown as code).
SUBJECTS = {"done": N_("Return visit (%(purpose)s)"), "no_answer": N_("Return visit, no answer (%(purpose)s)"),
            "rescheduled": N_("Return visit moved (%(purpose)s)"), "cancelled": N_("Return visit skipped (%(purpose)s)")}
OUTCOME_WORDS = {"done": N_("Done"), "no_answer": N_("No answer"), "rescheduled": N_("Rescheduled"),
                 "cancelled": N_("Skipped")}
PURPOSE_WORDS = {"visit": N_("Visit"), "call": N_("Call"), "survey": N_("Needs survey"), "message": N_("Message"),
                 "follow_up": N_("Follow-up")}


@contextlib.contextmanager
def in_language(locale: str):
    """Flask-Babel's ``force_locale``, skipped where ``locale`` is the one in force already: forcing
    one reloads every catalogue, a tenth of a second that the demo's hundreds of outcomes felt."""
    current = get_locale()
    if current is not None and current == Locale.parse(locale):
        yield
        return
    with force_locale(locale):
        yield


def get(visit_id: uuid.UUID, *, for_update: bool = False) -> Visit:
    return get_owned(Visit, visit_id, "visit not found", for_update=for_update)


def log(visit: Visit, outcome: str, *, notes: str | None, next_step: str | None, reason: str | None,
        due_on: dt.date | None, staff_id: uuid.UUID | None, now: dt.datetime | None = None) -> Visit:
    """Log ``outcome`` for a planned visit (409 for one already logged); a move plans the visit
    again on ``due_on`` (the visit itself keeps the day it had, as moved). The interaction is
    worded in the workspace's language, for the people who read the timeline; the visit keeps
    the outcome's code in ``status``."""
    if visit.status is not Status.planned:
        raise Conflict(f"This visit is already logged ({visit.status.value}).")
    now = now or utcnow()
    tenant = current_tenant()  # read once: each look-up of it is a query with every tenant filter
    today = clock.today(tenant, now=now)
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
    with in_language(tenant.settings.get("locale", "zh_CN")):
        words = [part for part in (notes, _("Reason: %(reason)s", reason=reason) if reason else None,
                                   _("Moved to %(day)s", day=due_on.isoformat()) if outcome == "rescheduled" else None,
                                   _("Next step: %(step)s", step=next_step) if next_step else None) if part]
        subject = _(SUBJECTS[outcome], purpose=_(PURPOSE_WORDS.get(visit.purpose, visit.purpose)))
        worded = _(OUTCOME_WORDS[outcome])
    interaction = activity.log_interaction({
        "customer_id": visit.customer_id, "channel": INTERACTION_CHANNEL[visit.channel],
        "subject": subject, "notes": "\n".join(words) or None,
        "occurred_at": now, "staff_id": staff_id, "outcome": worded})
    visit.status = Status(outcome)
    visit.notes, visit.next_step, visit.reason = notes, next_step, reason
    visit.logged_at, visit.logged_on, visit.interaction_id = now, today, interaction.id
    db.session.flush()
    return visit


def for_customer(customer_id: uuid.UUID) -> sa.Select:
    return sa.select(Visit).where(Visit.customer_id == customer_id)
