"""Overdue visits: one planned visit not logged ``overdue_days`` after its day notifies its owner
and emits ``visits.overdue`` (which the churn module takes as a signal); at ``manager_days`` its
owner's team manager hears of it too. Each step once per visit: ``escalation`` is raised by a
conditional UPDATE, so two runs at once, or a run again, notify no one twice."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from flask_babel import force_locale
from flask_babel import gettext as _

from saas.core.accounts import Membership, Role
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.events import emit
from saas.core.hooktypes import EventType
from saas.core.notifications import notify
from saas.core.tenancy import current_tenant

from plugins.visits.models import Status, Visit
from plugins.visits.planner import settings

VISIT_OVERDUE = EventType(
    "visits.overdue", "A planned visit is overdue: not logged some days after its day (its owner is told)",
    {"visit_id": "01a20c11-2f3e-7a41-9b0c-1d2e3f405162", "customer_id": "01a209c2-8155-7bfd-9ec3-253721798534",
     "owner_id": "01a209c2-7e10-7c3b-8a2d-3e4f50617283", "due_on": "2026-12-01", "days_overdue": 2,
     "channel": "visit", "purpose": "visit"})
EVENT_TYPES = (VISIT_OVERDUE,)
OWNER_TOLD, MANAGER_TOLD = 1, 2


def _late(today: dt.date, days: int, level: int):
    return (Visit.status == Status.planned, Visit.automated.is_(False), Visit.owner_id.is_not(None),
            Visit.due_on <= today - dt.timedelta(days=days), Visit.escalation < level)


def escalate(today: dt.date) -> tuple[int, int]:
    """Tell the owners (and later the managers) of the bound workspace's overdue visits, once per
    visit and step; returns how many visits reached each step."""
    rules = settings()
    owners = _raise(today, rules["overdue_days"], OWNER_TOLD)
    with force_locale(current_tenant().settings.get("locale", "zh_CN")):  # module text is shown as written
        for visit, name in owners:
            late = (today - visit.due_on).days
            notify([visit.owner_id], _("Overdue visit: %(name)s", name=name),
                   _("Planned for %(day)s (%(late)s days ago)", day=visit.due_on.isoformat(), late=late),
                   link=f"/customers/{visit.customer_id}", kind="visits.overdue")
            emit(VISIT_OVERDUE, visit_id=visit.id, customer_id=visit.customer_id, owner_id=visit.owner_id,
                 due_on=visit.due_on.isoformat(), days_overdue=late, channel=visit.channel, purpose=visit.purpose)
        managed = _raise(today, rules["manager_days"], MANAGER_TOLD)
        for visit, name in managed:
            late = (today - visit.due_on).days
            notify(managers_of(visit.owner_id), _("Visit %(late)s days overdue: %(name)s", late=late, name=name),
                   _("Planned for %(day)s; its owner was told before", day=visit.due_on.isoformat()),
                   link=f"/customers/{visit.customer_id}", kind="visits.overdue_manager")
    return len(owners), len(managed)


def _raise(today: dt.date, days: int, level: int) -> list[tuple[Visit, str]]:
    """The visits that reach ``level`` now, their escalation raised to it (a visit another run
    raised meanwhile is not among them)."""
    ids = [row.id for row in db.session.execute(
        sa.update(Visit).where(*_late(today, days, level)).values(escalation=level)
        .returning(Visit.id).execution_options(synchronize_session=False))]
    if not ids:
        return []
    return [tuple(row) for row in db.session.execute(
        sa.select(Visit, Customer.name)
        .join(Customer, sa.and_(Customer.tenant_id == Visit.tenant_id, Customer.id == Visit.customer_id))
        .where(Visit.id.in_(ids)).order_by(Visit.due_on, Visit.id))]


def managers_of(user_id: uuid.UUID) -> list:
    """Who manages ``user_id``: the managers of their team; without one, every manager of the
    workspace; without any, its owners."""
    team = db.session.scalar(sa.select(Membership.team).where(Membership.user_id == user_id))
    managers = sa.select(Membership.user_id).where(Membership.role == Role.manager, Membership.status == "active",
                                                   Membership.user_id != user_id)
    if team is not None:
        found = list(db.session.scalars(managers.where(Membership.team == team)))
        if found:
            return found
    return [Role.manager] if db.session.scalar(managers.limit(1)) is not None else [Role.owner]
