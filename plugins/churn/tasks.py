"""Win-back tasks: opened when a customer crosses into high risk, worked by its owner, closed as won
back (a purchase after the task opened, with its amount) or lost (with the churn reason).

A customer never has two open tasks: the partial unique index ``uq_churn_tasks_open`` decides, and
the insert is ``ON CONFLICT DO NOTHING``, so two scorings racing open one task. A task is assigned
to the customer's owner; a customer without one goes to a manager of its team (the earliest to join),
and one without a team, or a team without a manager, to the workspace's first owner. It is due after
the settings' days for the customer's value tier, on the workspace's local calendar; its assignee
is notified (one notification per person per scoring: "N customers are at high churn risk" when many).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from saas.core.accounts import Membership, Role, acting_person
from saas.core.customers import Customer, Purchase
from saas.core.db import db
from saas.core.errors import Conflict, Invalid, NotFound
from saas.core.events import emit, emit_many
from saas.core.messages import N_
from saas.core.module_settings import settings_of
from saas.core.notifications import notify
from saas.core.tenancy import current_tenant, current_tenant_id
from saas.core.types import new_id, utcnow

from plugins.churn.event_types import RISK_RAISED, TASK_CLOSED
from plugins.churn.models import OPEN_STATUSES, ChurnReason, Task, TaskStatus
from plugins.churn.settings import NAME, due_days_of

CHUNK = 5_000  # customers per statement when many cross at once (a first scoring)


@dataclass(frozen=True)
class Raised:
    """A customer who crossed into high risk, as scored."""

    customer_id: uuid.UUID
    score: int
    level: str
    reasons: list[dict]
    tier: str | None
    owner_id: uuid.UUID | None


def local_today() -> dt.date:
    zone = zoneinfo.ZoneInfo(current_tenant().settings.get("timezone") or "UTC")
    return dt.datetime.now(zone).date()


def raise_for(raised: list[Raised]) -> int:
    """``churn.risk_raised`` for each, and a task for each without an open one; returns tasks opened."""
    opened = 0
    for start in range(0, len(raised), CHUNK):
        opened += _raise(raised[start:start + CHUNK])
    return opened


def _raise(raised: list[Raised]) -> int:
    if not raised:
        return 0
    settings, today, now = settings_of(NAME), local_today(), utcnow()
    assignees = assignees_of({r.customer_id: r.owner_id for r in raised})
    rows = [{"tenant_id": current_tenant_id(), "id": new_id(), "customer_id": r.customer_id,
             "status": TaskStatus.open.value, "owner_id": assignees.get(r.customer_id),
             "due_on": today + dt.timedelta(days=due_days_of(settings, r.tier)), "score": r.score,
             "reasons": r.reasons, "tier": r.tier, "opened_at": now, "updated_at": now} for r in raised]
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(insert(Task.__table__).on_conflict_do_nothing(), rows)  # one open task: the index
    opened = dict(db.session.execute(sa.select(Task.customer_id, Task.id)
                                     .where(Task.id.in_([row["id"] for row in rows]))).all())
    emit_many(RISK_RAISED, [{"customer_id": r.customer_id, "score": r.score, "level": r.level,
                             "reasons": r.reasons, "task_id": opened.get(r.customer_id)} for r in raised])
    _notify([row for row in rows if row["customer_id"] in opened])
    return len(opened)


def assignees_of(owners: dict[uuid.UUID, uuid.UUID | None],
                 fallback_team: str | None = None) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each customer's (of ``{customer_id: owner_id}``) owner, else a manager of its team (of
    ``fallback_team`` for a customer without one), else the workspace's first owner."""
    without = [customer_id for customer_id, owner_id in owners.items() if owner_id is None]
    found = {customer_id: owner_id for customer_id, owner_id in owners.items() if owner_id is not None}
    if not without:
        return found
    teams = dict(db.session.execute(sa.select(Customer.id, Customer.team).where(Customer.id.in_(without))).all())
    members = db.session.execute(
        sa.select(Membership.user_id, Membership.role, Membership.team)
        .where(Membership.status == "active", Membership.role.in_([Role.manager, Role.owner]))
        .order_by(Membership.created_at, Membership.user_id)).all()
    managers: dict[str, uuid.UUID] = {}
    for user_id, role, team in members:
        if role is Role.manager and team:
            managers.setdefault(team, user_id)
    first_owner = next((user_id for user_id, role, _ in members if role is Role.owner), None)
    for customer_id in without:
        found[customer_id] = managers.get(teams.get(customer_id) or fallback_team or "", first_owner)
    return found


def reassign_from(user_id: uuid.UUID, team: str | None = None) -> int:
    """Hand the open tasks of a person who left the workspace on, as if their customers crossed now
    (the customer's owner, else a manager of the customer's team, else of ``team``, the person's,
    else the first owner), and tell each new assignee. A second delivery finds none of theirs."""
    held = db.session.scalars(sa.select(Task).where(Task.owner_id == user_id, Task.status.in_(OPEN_STATUSES))).all()
    if not held:
        return 0
    owners = dict(db.session.execute(sa.select(Customer.id, Customer.owner_id)
                                     .where(Customer.id.in_([task.customer_id for task in held]))).all())
    assignees = assignees_of({customer_id: None if owner == user_id else owner for customer_id, owner in owners.items()},
                             fallback_team=team)
    handed: dict[uuid.UUID, int] = {}
    for task in held:  # through the ORM: an audit entry for each
        task.owner_id = assignees.get(task.customer_id)
        if task.owner_id is not None:
            handed[task.owner_id] = handed.get(task.owner_id, 0) + 1
    db.session.flush()
    for person, count in handed.items():
        notify([person], N_("%(count)s win-back tasks were handed to you"),
               N_("Their assignee left the workspace."), params={"count": count}, link="/churn/tasks",
               kind="churn.tasks_handed")
    return len(held)


def reassign_departed() -> int:
    """Hand on the open tasks of people no longer in the workspace (they left while the module was
    off, and their ``member.removed`` reached no handler)."""
    active = sa.select(Membership.user_id).where(Membership.status == "active")
    departed = db.session.scalars(sa.select(Task.owner_id).distinct().where(
        Task.status.in_(OPEN_STATUSES), Task.owner_id.is_not(None), Task.owner_id.not_in(active))).all()
    return sum(reassign_from(user_id) for user_id in departed)


def _notify(rows: list[dict]) -> None:
    by_person: dict[uuid.UUID, list[dict]] = {}
    for row in rows:
        if row["owner_id"] is not None:
            by_person.setdefault(row["owner_id"], []).append(row)
    if not by_person:
        return
    names = dict(db.session.execute(sa.select(Customer.id, Customer.name)
                                    .where(Customer.id.in_([row["customer_id"] for row in rows]))).all())
    for person, theirs in by_person.items():
        if len(theirs) == 1:
            [row] = theirs
            notify([person], N_("%(customer)s is at high risk of churning"),
                   N_("Risk score %(score)s. A win-back task is due on %(due)s."),
                   params={"customer": names.get(row["customer_id"], ""), "score": row["score"],
                           "due": row["due_on"].isoformat()},
                   link=f"/customers/{row['customer_id']}", kind="churn.risk_raised")
        else:
            notify([person], N_("%(count)s customers are at high risk of churning"),
                   N_("A win-back task each, on your Today page."), params={"count": len(theirs)},
                   link="/today", kind="churn.risk_raised")


# -- working a task ----------------------------------------------------------------------------

def get(task_id: uuid.UUID, *, lock: bool = False) -> Task:
    stmt = sa.select(Task).where(Task.id == task_id)
    task = db.session.scalar(stmt.with_for_update() if lock else stmt)
    if task is None:
        raise NotFound("task not found")
    return task


SET_BY_HAND = (TaskStatus.open, TaskStatus.contacted, TaskStatus.offer_made, TaskStatus.lost)


def update(task: Task, values: dict) -> Task:
    """Change a task's status (not to ``won_back``: a purchase does that), churn reason, note, offer,
    assignee or due date. A closed task is not changed (409); ``lost`` needs the churn reason, and
    the reason ``other`` a note (422)."""
    if task.status not in OPEN_STATUSES:
        raise Conflict(f"the task is closed ({task.status.value}); it cannot be changed")
    status = values.get("status")
    if status is not None and TaskStatus(status) not in SET_BY_HAND:
        raise Invalid("a task is won back by a purchase after it opened, not by hand",
                      {"status": ["Won back is set by a purchase after the task opened."]})
    reason = values.get("reason", task.reason)
    note = values.get("reason_note", task.reason_note)
    if status == TaskStatus.lost.value and reason is None:
        raise Invalid("a lost customer needs the churn reason", {"reason": ["Say why the customer was lost."]})
    if reason is not None and ChurnReason(reason) is ChurnReason.other and not (note or "").strip():
        raise Invalid("the reason 'other' needs a note", {"reason_note": ["Say what the other reason is."]})
    if "owner_id" in values and values["owner_id"] is not None:
        member = db.session.scalar(sa.select(Membership.user_id).where(
            Membership.user_id == values["owner_id"], Membership.status == "active"))
        if member is None:
            raise Invalid("the assignee is not a member of the workspace", {"owner_id": ["Not a member here."]})
    handed_to = values.get("owner_id") if values.get("owner_id") not in (None, task.owner_id) else None
    typed = {"status": TaskStatus, "reason": ChurnReason}
    for key, value in values.items():
        setattr(task, key, typed[key](value) if key in typed and value is not None else value)
    if task.status is TaskStatus.lost:
        task.closed_at = utcnow()
        db.session.flush()
        _closed(task)
    elif handed_to is not None and handed_to != acting_person():
        notify([handed_to], N_("A win-back task was handed to you"), N_("Due on %(due)s."),
               params={"due": task.due_on.isoformat()}, link=f"/churn/tasks/{task.id}", kind="churn.tasks_handed")
    db.session.flush()
    return task


def _closed(task: Task) -> None:
    emit(TASK_CLOSED, task_id=task.id, customer_id=task.customer_id, status=TaskStatus(task.status).value,
         reason=task.reason.value if task.reason else None,
         won_back_amount=str(task.won_back_amount) if task.won_back_amount is not None else None)


def won_back_by(purchase_id: uuid.UUID) -> Task | None:
    """A purchase made after its customer's open task opened marks the task won back, with the
    purchase's amount (net of refunds); a second delivery finds no open task (idempotent)."""
    purchase = db.session.scalar(sa.select(Purchase).where(Purchase.id == purchase_id))
    if purchase is None:
        return None
    task = db.session.scalar(sa.select(Task).where(
        Task.customer_id == purchase.customer_id, Task.status.in_(OPEN_STATUSES),
        Task.opened_at <= purchase.purchased_at).with_for_update())
    if task is None:
        return None
    task.status = TaskStatus.won_back
    task.won_back_amount = Decimal(purchase.amount) - Decimal(purchase.refunded_amount or 0)
    task.won_back_purchase_id = purchase.id
    task.closed_at = utcnow()
    db.session.flush()
    _closed(task)
    return task
