"""Complaint cases: opening one (its owner, team, tier and targets fixed then), and moving it
along the workflow, each step written to its timeline and, through the model's audit, to the
audit log.

The workflow: new -> acknowledged -> plan agreed -> resolved -> confirmed (by the customer) ->
closed, with reopen from the last three, and pause / resume while the case waits for the
customer (its clocks stop). A later step fills the milestones it implies (a case resolved on the
first call was acknowledged and had its plan then). Every step recomputes the due times and
records the breaches a late milestone makes (:mod:`plugins.complaints.alerts`).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

import sqlalchemy as sa

from saas.core.audit import current_actor
from saas.core.classification import CustomerFigures
from saas.core.customers import Customer
from saas.core.customers import records as customers
from saas.core.db import db
from saas.core.errors import Conflict, Invalid, NotFound
from saas.core.events import emit
from saas.core.module_settings import settings_of
from saas.core.tenancy import current_tenant

from plugins.complaints import alerts, assignees, clock, confirmation
from plugins.complaints.calendars import AroundTheClock, BusinessHours
from plugins.complaints.clocks import Clock, clocks_of, next_due
from plugins.complaints.event_types import OPENED, RESOLVED
from plugins.complaints.models import OPEN_STATUSES, Case, Priority, Status, Step
from plugins.complaints.settings import BUSINESS_HOURS, NAME, targets_of

CHANNELS = ("phone", "email", "in_person", "chat", "social", "web_form", "survey", "other")
ACTIONS = ("acknowledge", "agree_plan", "resolve", "confirm", "close", "reopen", "pause", "resume")


def calendar_of(case: Case, settings: dict | None = None):
    if not case.business_hours:
        return AroundTheClock()
    settings = settings or settings_of(NAME)
    zone = zoneinfo.ZoneInfo(current_tenant().settings.get("timezone") or "UTC")
    return BusinessHours(settings["calendar"], zone, settings["opens"], settings["closes"])


def clocks(case: Case, now: dt.datetime | None = None, settings: dict | None = None) -> dict[str, Clock]:
    settings = settings or settings_of(NAME)
    return clocks_of(case, calendar_of(case, settings), now or clock.now(), alerts.breached_targets(case.id),
                     settings["warning_percent"])


def refresh(case: Case, now: dt.datetime, settings: dict | None = None) -> dict[str, Clock]:
    """Recompute the case's due times (the queue's order) and record the breaches it has now."""
    found = clocks(case, now, settings)
    for target, its in found.items():
        setattr(case, f"{target}_due_at", its.due_at)
    case.next_due_at = next_due(case, found)
    db.session.flush()
    late = [its for its in found.values() if its.state == "breached"]
    if late and alerts.record_breaches(case, late, now):
        found = clocks(case, now, settings)
    return found


def get(case_id: uuid.UUID, *, lock: bool = False) -> Case:
    stmt = sa.select(Case).where(Case.id == case_id)
    case = db.session.scalar(stmt.with_for_update() if lock else stmt)
    if case is None:
        raise NotFound("complaint not found")
    return case


def _step(case: Case, kind: str, note: str | None, at: dt.datetime, actor: str | None = None) -> None:
    db.session.add(Step(case_id=case.id, customer_id=case.customer_id, kind=kind, note=note or None,
                        actor=actor or current_actor().label, at=at))


def open_case(customer_id: uuid.UUID, *, category: str, description: str, priority: str | None = None,
              channel: str = "other", owner_id: uuid.UUID | None = None, source_event_id: uuid.UUID | None = None,
              created_by: uuid.UUID | None = None, actor: str | None = None, at: dt.datetime | None = None) -> Case:
    """Open a case for a live customer of the workspace (404 otherwise); ``category`` must be one
    of the workspace's (422). Its owner is ``owner_id`` (a member), else the customer's owner, else
    a manager of its team, else the workspace's first owner."""
    settings = settings_of(NAME)
    customer = customers.get(customer_id)
    if category not in settings["categories"]:
        raise Invalid("not one of the workspace's complaint categories",
                      {"category": [f"One of: {', '.join(settings['categories'])}."]})
    if owner_id is not None and not assignees.is_member(owner_id):
        raise Invalid("the owner is not a member of the workspace", {"owner_id": ["Not a member here."]})
    priority = Priority(priority or Priority.normal.value)
    tier = db.session.scalar(sa.select(CustomerFigures.tier).where(CustomerFigures.customer_id == customer.id))
    tier = tier.value if tier is not None else None
    targets = targets_of(settings, priority.value, tier)
    now = at or clock.now()
    case = Case(customer_id=customer.id, channel=channel, category=category, priority=priority,
                description=description, owner_id=owner_id or assignees.owner_for(customer), team=customer.team,
                tier=tier, status=Status.new, response_minutes=targets["response"], plan_minutes=targets["plan"],
                resolution_minutes=targets["resolution"], business_hours=settings["clock"] == BUSINESS_HOURS,
                opened_at=now, pauses=[], source_event_id=source_event_id, created_by=created_by)
    db.session.add(case)
    db.session.flush()
    _step(case, "opened", None, now, actor)
    refresh(case, now, settings)
    emit(OPENED, case_id=case.id, customer_id=case.customer_id, channel=case.channel, category=case.category,
         priority=case.priority.value, tier=case.tier, owner_id=case.owner_id,
         response_due_at=_iso(case.response_due_at), plan_due_at=_iso(case.plan_due_at),
         resolution_due_at=_iso(case.resolution_due_at))
    return case


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _resume(case: Case, now: dt.datetime) -> None:
    if case.paused_since is not None:
        case.pauses = [*(case.pauses or []), [case.paused_since.isoformat(), now.isoformat()]]
        case.paused_since = None


def act(case: Case, action: str, *, note: str | None = None, plan: str | None = None, resolution: str | None = None,
        cause: str | None = None, satisfied: bool | None = None, actor: str | None = None,
        at: dt.datetime | None = None) -> Case:
    """Move ``case`` by ``action`` (one of :data:`ACTIONS`); a step its status does not allow is a
    409, a missing plan or resolution a 422. Returns the case, its clocks refreshed."""
    if action not in ACTIONS:
        raise Invalid("unknown action", {"action": [f"One of: {', '.join(ACTIONS)}."]})
    now = at or clock.now()
    status = case.status
    if action in ("acknowledge", "agree_plan", "resolve", "pause", "resume") and status not in OPEN_STATUSES:
        raise Conflict(f"the case is {status.value}; reopen it first")
    if action == "acknowledge":
        if case.acknowledged_at is not None:
            raise Conflict("the case was acknowledged already")
        _resume(case, now)
        case.acknowledged_at, case.status = now, Status.acknowledged
    elif action == "agree_plan":
        if case.plan_agreed_at is not None:
            raise Conflict("a plan was agreed already")
        if not (plan or "").strip():
            raise Invalid("a plan is needed", {"plan": ["Say what was agreed with the customer."]})
        _resume(case, now)
        case.acknowledged_at = case.acknowledged_at or now
        case.plan_agreed_at, case.plan, case.status = now, plan.strip(), Status.plan_agreed
    elif action == "resolve":
        if not (resolution or "").strip():
            raise Invalid("a resolution is needed", {"resolution": ["Say how the complaint was resolved."]})
        _resume(case, now)
        case.acknowledged_at = case.acknowledged_at or now
        case.plan_agreed_at = case.plan_agreed_at or now
        case.resolved_at, case.resolution, case.status = now, resolution.strip(), Status.resolved
        if cause is not None:
            case.cause = cause.strip() or None
    elif action == "confirm":
        if status is not Status.resolved:
            raise Conflict(f"only a resolved case is confirmed; this one is {status.value}")
        case.confirmed_at, case.status = now, Status.confirmed
        case.satisfied = True if satisfied is None else satisfied
    elif action == "close":
        if status not in (Status.resolved, Status.confirmed):
            raise Conflict(f"only a resolved case is closed; this one is {status.value}")
        case.closed_at, case.status = now, Status.closed
    elif action == "reopen":
        if status in OPEN_STATUSES:
            raise Conflict("the case is open")
        case.resolved_at = case.confirmed_at = case.closed_at = None
        case.satisfied = None
        case.reopened += 1
        case.status = Status.plan_agreed if case.plan_agreed_at else Status.acknowledged
    elif action == "pause":
        if case.paused_since is not None:
            raise Conflict("the case is waiting for the customer already")
        case.paused_since = now
    elif action == "resume":
        if case.paused_since is None:
            raise Conflict("the case is not waiting for the customer")
        _resume(case, now)
    _step(case, {"agree_plan": "plan_agreed", "acknowledge": "acknowledged", "resolve": "resolved",
                 "confirm": "confirmed", "close": "closed", "reopen": "reopened", "pause": "paused",
                 "resume": "resumed"}[action], note or plan or resolution, now, actor)
    found = refresh(case, now)
    if action == "resolve" and at is None:  # a step dated back (the demo's history) asks no one
        confirmation.ask(case)
        emit(RESOLVED, case_id=case.id, customer_id=case.customer_id, category=case.category, cause=case.cause,
             resolved_at=now.isoformat(), breached=[t for t, its in found.items() if its.state == "breached"])
    return case


def update(case: Case, values: dict) -> Case:
    """Change a case's owner, category, cause or priority (a new priority sets its targets again,
    from the settings now, counted from its opening)."""
    settings = settings_of(NAME)
    if "category" in values and values["category"] not in settings["categories"]:
        raise Invalid("not one of the workspace's complaint categories",
                      {"category": [f"One of: {', '.join(settings['categories'])}."]})
    if values.get("owner_id") is not None and not assignees.is_member(values["owner_id"]):
        raise Invalid("the owner is not a member of the workspace", {"owner_id": ["Not a member here."]})
    for key in ("owner_id", "category", "cause", "team"):
        if key in values:
            setattr(case, key, values[key])
    if "priority" in values and Priority(values["priority"]) is not case.priority:
        case.priority = Priority(values["priority"])
        for target, minutes in targets_of(settings, case.priority.value, case.tier).items():
            setattr(case, f"{target}_minutes", minutes)
    db.session.flush()
    refresh(case, clock.now(), settings)
    return case


def customer_name(case: Case) -> str:
    return db.session.scalar(sa.select(Customer.name).where(Customer.id == case.customer_id)) or ""


def steps_of(case_id: uuid.UUID) -> list[Step]:
    return list(db.session.scalars(sa.select(Step).where(Step.case_id == case_id).order_by(Step.at, Step.id)))
