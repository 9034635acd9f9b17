"""The clocks' job (``complaints.clocks``, every five minutes): for each open case of the bound
workspace, the warnings, breaches and escalations its clocks have reached by now, each once
(:mod:`plugins.complaints.alerts`): owner at the warning, owner and manager at the breach, admins
at ``admin_percent`` of a breached target not yet met; and each case's stored due times kept as
its clocks give them (the settings' business hours may have changed). Safe to run twice, or two
at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.module_settings import settings_of

from plugins.complaints import alerts, cases
from plugins.complaints.clocks import clocks_of, next_due, segments, used_up
from plugins.complaints.models import OPEN_STATUSES, Alert, Case
from plugins.complaints.settings import NAME


@dataclass
class Outcome:
    warned: int = 0
    breached: int = 0
    to_admins: int = 0


def _keep_due_times(case: Case, found) -> None:
    """The stored due times (the queue's order) as the clocks give them now: changed business
    hours or calendar move them without a step of the case's."""
    for target, its in found.items():
        if getattr(case, f"{target}_due_at") != its.due_at:
            setattr(case, f"{target}_due_at", its.due_at)
    soonest = next_due(case, found)
    if case.next_due_at != soonest:
        case.next_due_at = soonest


def escalate(now: dt.datetime) -> Outcome:
    settings, outcome = settings_of(NAME), Outcome()
    rows = db.session.execute(
        sa.select(Case, Customer.name).join(Customer, Customer.id == Case.customer_id)
        .where(Case.status.in_(OPEN_STATUSES), Customer.deleted_at.is_(None))  # a deleted customer's: none
        .order_by(Case.opened_at, Case.id)).all()
    breached: dict = {}
    for case_id, target in db.session.execute(sa.select(Alert.case_id, Alert.target).where(
            Alert.level == alerts.BREACH, Alert.case_id.in_([case.id for case, _ in rows]))):
        breached.setdefault(case_id, set()).add(target)  # one query for them all, not one per case
    for case, name in rows:
        found = clocks_of(case, cases.calendar_of(case, settings), now, breached.get(case.id, set()),
                          settings["warning_percent"])
        _keep_due_times(case, found)
        for target, its in found.items():
            if its.met_at is not None:
                continue
            if its.warning and alerts.warn(case, its, name):
                outcome.warned += 1
            if its.state == "breached":
                outcome.breached += alerts.record_breaches(case, [its], now, name)
                late = used_up(cases.calendar_of(case, settings), segments(case),
                               its.minutes * 60 * settings["admin_percent"] / 100)
                if late is not None and now >= late and alerts.to_admins(case, its, name):
                    outcome.to_admins += 1
    return outcome
