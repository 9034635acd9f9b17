"""The clocks' alerts, each once per case, target and level, raised by an ``INSERT ... ON CONFLICT
DO NOTHING`` on ``complaints_alerts`` whose row count says who tells people: two runs at once, or a
run again, tell no one twice. The escalation runs from the case's owner to its manager to the admins:

* ``warning`` (the settings' ``warning_percent`` of a target used): the owner;
* ``breach`` (a target missed): the owner and their manager, and ``complaints.breached`` (which the
  churn module takes as a signal);
* ``admin`` (a breached target still not met at ``admin_percent``): the workspace's admins.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from saas.core.accounts import Role
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.events import emit
from saas.core.messages import N_
from saas.core.notifications import notify
from saas.core.tenancy import current_tenant, current_tenant_id
from saas.core.types import new_id

from plugins.complaints.assignees import managers_of
from plugins.complaints.event_types import BREACHED
from plugins.complaints.models import Alert, Case

WARNING, BREACH, ADMIN = "warning", "breach", "admin"
TARGET_WORDS = {"response": N_("first response"), "plan": N_("plan"), "resolution": N_("resolution")}


def breached_targets(case_id: uuid.UUID) -> set[str]:
    return set(db.session.scalars(sa.select(Alert.target).where(Alert.case_id == case_id, Alert.level == BREACH)))


def raise_alert(case: Case, target: str, level: str, at) -> bool:
    """Record the alert; True when this call recorded it (it was not there)."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Alert.__table__).values(tenant_id=current_tenant_id(), id=new_id(), case_id=case.id, target=target,
                                          level=level, at=at).on_conflict_do_nothing(
        index_elements=["tenant_id", "case_id", "target", "level"]).returning(Alert.__table__.c.id)
    return db.session.execute(stmt).first() is not None


def _texts():
    return force_locale(current_tenant().settings.get("locale", "zh_CN"))  # module text is shown as written


def warn(case: Case, clock, name: str) -> bool:
    if not raise_alert(case, clock.target, WARNING, clock.warn_at):
        return False
    if case.owner_id is not None:
        with _texts():
            notify([case.owner_id], _("Complaint clock running out: %(name)s", name=name),
                   _("The %(target)s is due at %(due)s", target=_(TARGET_WORDS[clock.target]),
                     due=clock.due_at.isoformat(timespec="minutes") if clock.due_at else "-"),
                   link=f"/complaints/{case.id}", kind="complaints.warning")
    return True


def record_breaches(case: Case, clocks, now, name: str | None = None) -> int:
    """Record each breached clock's breach once: the event, the owner and their manager told."""
    recorded = 0
    for clock in clocks:
        if not raise_alert(case, clock.target, BREACH, clock.due_at or now):
            continue
        recorded += 1
        emit(BREACHED, case_id=case.id, customer_id=case.customer_id, target=clock.target,
             due_at=clock.due_at.isoformat() if clock.due_at else None, priority=case.priority.value,
             tier=case.tier, owner_id=case.owner_id)
        if name is None:
            name = db.session.scalar(sa.select(Customer.name).where(Customer.id == case.customer_id)) or ""
        with _texts():
            notify([*([case.owner_id] if case.owner_id else []), *managers_of(case.owner_id)],
                   _("Complaint past its %(target)s target: %(name)s", target=_(TARGET_WORDS[clock.target]), name=name),
                   _("It was due at %(due)s", due=clock.due_at.isoformat(timespec="minutes") if clock.due_at else "-"),
                   link=f"/complaints/{case.id}", kind="complaints.breached")
    return recorded


def to_admins(case: Case, clock, name: str) -> bool:
    if not raise_alert(case, clock.target, ADMIN, clock.due_at):
        return False
    with _texts():
        notify([Role.admin, Role.owner], _("Complaint long past its %(target)s target: %(name)s",
                                           target=_(TARGET_WORDS[clock.target]), name=name),
               _("Due at %(due)s; its owner and manager were told", due=clock.due_at.isoformat(timespec="minutes")),
               link=f"/complaints/{case.id}", kind="complaints.escalated")
    return True
