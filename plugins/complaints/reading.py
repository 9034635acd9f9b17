"""Reading cases for the API and the pages: one case with its clocks and steps, a page of cases
(their clocks from one query of the breaches, whatever the page's length), and the open queue
by time left."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.module_settings import settings_of
from saas.core.pagination import Page, paginate

from plugins.complaints import cases, clock, links
from plugins.complaints.alerts import BREACH
from plugins.complaints.clocks import clocks_of
from plugins.complaints.models import OPEN_STATUSES, Alert, Case, Status
from plugins.complaints.settings import NAME


def _breaches(case_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    found: dict[uuid.UUID, set[str]] = {}
    if case_ids:
        for case_id, target in db.session.execute(sa.select(Alert.case_id, Alert.target).where(
                Alert.case_id.in_(case_ids), Alert.level == BREACH)):
            found.setdefault(case_id, set()).add(target)
    return found


def _clocks_dict(clocks) -> dict:
    return {target: {"due_at": its.due_at, "state": its.state, "warning": its.warning, "warn_at": its.warn_at,
                     "minutes": its.minutes, "met_at": its.met_at} for target, its in clocks.items()}


def described(items: list[Case], now: dt.datetime | None = None, with_steps: bool = False) -> list[dict]:
    """Each case as the API dumps it: its columns, its customer's name, its clocks (and steps)."""
    now, settings = now or clock.now(), settings_of(NAME)
    breaches = _breaches([case.id for case in items])
    names = dict(db.session.execute(sa.select(Customer.id, Customer.name).where(
        Customer.id.in_({case.customer_id for case in items}))).all()) if items else {}
    found = []
    for case in items:
        row = {column.key: getattr(case, column.key) for column in Case.__table__.columns}
        row["customer_name"] = names.get(case.customer_id, "")
        row["paused"] = case.paused_since is not None
        row["clocks"] = _clocks_dict(clocks_of(case, cases.calendar_of(case, settings), now,
                                               breaches.get(case.id, set()), settings["warning_percent"]))
        row["confirmation_url"] = (links.confirmation_url(case) if case.status is Status.resolved else None)
        if with_steps:
            row["steps"] = cases.steps_of(case.id)
        found.append(row)
    return found


def one(case_id: uuid.UUID) -> dict:
    [found] = described([cases.get(case_id)], with_steps=True)
    return found


def listed(*, status: str | None = None, open_only: bool = False, owner_id: uuid.UUID | None = None,
           customer_id: uuid.UUID | None = None, category: str | None = None, cursor: str | None, limit: int) -> Page:
    """Cases, newest first."""
    stmt = sa.select(Case)
    if status:
        stmt = stmt.where(Case.status == Status(status))
    if open_only:
        stmt = stmt.where(Case.status.in_(OPEN_STATUSES))
    if owner_id:
        stmt = stmt.where(Case.owner_id == owner_id)
    if customer_id:
        stmt = stmt.where(Case.customer_id == customer_id)
    if category:
        stmt = stmt.where(Case.category == category)
    page = paginate(stmt, db.session, [Case.opened_at, Case.id], descending=True, cursor=cursor, limit=limit)
    return Page(described(page.items), page.next_cursor)


QUEUE_LIMIT = 500


def queue(owner_id: uuid.UUID | None = None, limit: int = QUEUE_LIMIT) -> list[dict]:
    """The open cases of live customers by time left: the soonest due first, the waiting ones (no
    due time) last (a deleted customer's come back with its restoration)."""
    stmt = (sa.select(Case).join(Customer, Customer.id == Case.customer_id)
            .where(Case.status.in_(OPEN_STATUSES), Customer.deleted_at.is_(None)))  # a deleted customer's wait
    if owner_id:
        stmt = stmt.where(Case.owner_id == owner_id)
    stmt = stmt.order_by(Case.next_due_at.is_(None), Case.next_due_at, Case.opened_at, Case.id).limit(limit)
    return described(list(db.session.scalars(stmt)))
