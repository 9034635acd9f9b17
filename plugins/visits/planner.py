"""Planning, set-based: the dates each cadence falls on are counted in Python once per rule and
window, then one ``INSERT ... SELECT`` per kind of cadence (the tiers', the customers' own) joins
the customers to them, keyed on customer, rule and date (``ON CONFLICT DO NOTHING``: planning
again plans nothing twice). A day past a person's cap sends its last visits to the next working
day, by a window function, until no day of anyone is over.

No ORM object is made per customer: a quarter for a million customers is a few statements.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from saas.core.classification.models import CustomerFigures
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.module_settings import settings_of
from saas.core.sql import generated_id, uuid_text
from saas.core.tenancy import current_tenant_id, scoped
from saas.core.types import UTCDateTime, utcnow
from saas.core.workdays import Workdays

from plugins.visits import cadences
from plugins.visits.models import OwnCadence, Status, Visit

NAME = "visits"
OWN = "own"  # the rule key of a customer's own cadence
KEY = ["tenant_id", "customer_id", "rule_key", "planned_on"]
_SLACK = dt.timedelta(days=60)  # the calendar reaches past the horizon, for moves past its end


@dataclass(frozen=True)
class Planned:
    planned: int  # visits added
    moved: int  # visits moved on to a later working day by the daily cap


def settings() -> dict:
    return settings_of(NAME)


def plan(today: dt.date, customer_ids: list[uuid.UUID] | None = None, *,
         refresh_at: dt.datetime | None = None) -> Planned:
    """Plan the bound workspace's visits from ``today`` (its local date) to the horizon, for every
    live customer or those of ``customer_ids``; then keep each person within the daily cap. With
    ``refresh_at``, a visit already planned (and not logged) for a rule and day is brought up to
    date (owner, day, channel, time) and stamped ``updated_at = refresh_at``, keeping its id."""
    rules = settings()
    last = today + dt.timedelta(weeks=rules["horizon_weeks"])
    days = Workdays(rules["calendar"], today, last + _SLACK)
    minute = _contact_minutes(customer_ids)
    default_minute = rules["contact_time"].hour * 60 + rules["contact_time"].minute
    tier_rows = [(tier, f"{tier}.{c['key']}", *dates, *_how(c))
                 for tier, items in rules["cadences"].items() for c in items
                 for dates in _dates(c["rule"], rules["cadence_start"], today, last, days)]
    planned = 0
    if tier_rows:
        occ = _values("occ", [("tier", sa.String)], tier_rows)
        joined = (sa.select(Customer, occ).select_from(Customer)
                  .join(CustomerFigures, sa.and_(CustomerFigures.tenant_id == Customer.tenant_id,
                                                 CustomerFigures.customer_id == Customer.id))
                  .join(occ, occ.c.tier == CustomerFigures.tier)
                  .where(~sa.exists().where(OwnCadence.tenant_id == Customer.tenant_id,
                                            OwnCadence.customer_id == Customer.id)))
        planned += _insert(joined, occ, minute, default_minute, customer_ids, refresh_at)
    own_rows = []
    for own in db.session.scalars(_only(sa.select(OwnCadence), OwnCadence.customer_id, customer_ids)):
        how = {"channel": own.channel, "channels": [own.channel], "purpose": own.purpose}
        own_rows += [(own.customer_id, OWN, *dates, *_how(how))
                     for dates in _dates(own.rule, rules["cadence_start"], today, last, days)]
    if own_rows:
        occ = _values("own_occ", [("customer_id", sa.Uuid)], own_rows)
        joined = (sa.select(Customer, occ).select_from(Customer).join(occ, occ.c.customer_id == Customer.id)
                  .outerjoin(CustomerFigures, sa.and_(CustomerFigures.tenant_id == Customer.tenant_id,
                                                      CustomerFigures.customer_id == Customer.id)))
        planned += _insert(joined, occ, minute, default_minute, customer_ids, refresh_at)
    owners = None if customer_ids is None else list(db.session.scalars(  # a re-plan: their people's days only
        sa.select(Visit.owner_id).where(Visit.customer_id.in_(customer_ids), Visit.owner_id.is_not(None)).distinct()))
    return Planned(planned, keep_within_cap(today, days, rules["daily_cap"], owners))


def replan(today: dt.date, customer_ids: list[uuid.UUID] | None) -> Planned:
    """A customer's tier, owner, preferences or cadence changed (None: the workspace's cadences):
    their future planned visits are planned again. Those the new plan has too keep their ids (a
    calendar keeps its events) and take its owner, channel and time; the others go, except those
    moved by hand or logged."""
    now = utcnow()
    done = plan(today, customer_ids, refresh_at=now)
    db.session.execute(_only(sa.delete(Visit).where(
        Visit.status == Status.planned, Visit.due_on >= today, Visit.moved_from_id.is_(None), Visit.updated_at < now),
        Visit.customer_id, customer_ids).execution_options(synchronize_session=False))
    return done


def merge(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> None:
    """``merged_id``'s planned visits go; its logged ones move to ``survivor_id``, under a rule key
    of their own (``merged:<visit id>``) so that none takes a survivor's visit's key."""
    db.session.execute(sa.delete(Visit).where(Visit.customer_id == merged_id, Visit.status == Status.planned)
                       .execution_options(synchronize_session=False))
    key = sa.literal("merged:").concat(uuid_text(Visit.id))
    db.session.execute(sa.update(Visit).where(Visit.customer_id == merged_id)
                       .values(customer_id=survivor_id, rule_key=key).execution_options(synchronize_session=False))


def _dates(rule: str, start: dt.date, first: dt.date, last: dt.date, days: Workdays) -> list[tuple[dt.date, dt.date]]:
    """``(planned_on, due_on)`` for each day ``rule`` falls on from ``first`` to ``last``, due on
    the working day on or after it; of the days that fall due on one working day (a daily rule's
    weekend), the first only."""
    due = {}
    for day in cadences.occurrences(rule, start, first, last):
        due.setdefault(days.on_or_after(day), day)
    return [(day, due_on) for due_on, day in due.items()]


def _how(cadence: dict) -> tuple[str, str, str, bool]:
    """A cadence's channel, the channels a customer may prefer (",a,b,"), purpose, automated."""
    allowed = {cadence["channel"], *cadence.get("channels", ())}
    return cadence["channel"], "," + ",".join(sorted(allowed)) + ",", cadence["purpose"], \
        cadences.automated(cadence["channel"])


def _values(name: str, first: list[tuple[str, type]], rows: list[tuple]) -> sa.CTE:
    columns = [sa.column(n, t()) for n, t in first] + [
        sa.column("rule_key", sa.String()), sa.column("planned_on", sa.Date()), sa.column("due_on", sa.Date()),
        sa.column("channel", sa.String()), sa.column("allowed", sa.String()), sa.column("purpose", sa.String()),
        sa.column("automated", sa.Boolean())]
    return sa.values(*columns, name=name).data(rows).cte(name)


def _contact_minutes(customer_ids) -> sa.CTE | None:
    """The minute each distinct contact time among the customers starts at, as a table to join
    (the texts are few, however many the customers): None if none names a time."""
    text = _contact_text()
    found = [(value, cadences.contact_minute(value)) for value in db.session.scalars(
        _only(sa.select(text).where(text.is_not(None)).distinct(), Customer.id, customer_ids))]
    rows = [(value, minute) for value, minute in found if minute is not None]
    if not rows:
        return None
    return sa.values(sa.column("text", sa.String()), sa.column("minute", sa.Integer()),
                     name="contact").data(rows).cte("contact")


def _contact_text() -> sa.ColumnElement:
    return Customer.preferences["contact_time"].as_string()


def _only(stmt, column, ids):
    return stmt.where(column.in_(ids)) if ids is not None else stmt


def _insert(joined: sa.Select, occ: sa.CTE, minute: sa.CTE | None, default_minute: int,
            customer_ids, refresh_at: dt.datetime | None) -> int:
    """``INSERT INTO visits_visits SELECT`` ``joined`` (customers x occurrences), live customers
    only, ``ON CONFLICT DO NOTHING`` on the idempotence key (``DO UPDATE`` of a planned visit with
    ``refresh_at``); returns how many rows it added (or refreshed)."""
    preferred = Customer.preferences["preferred_channel"].as_string()
    mapped = sa.case(*((preferred == theirs, ours) for theirs, ours in cadences.PREFERRED.items()), else_=None)
    channel = sa.case((occ.c.allowed.like(sa.literal("%,").concat(mapped).concat(",%")), mapped),
                      else_=occ.c.channel)
    due_minute = sa.literal(default_minute, sa.Integer())
    if minute is not None:
        joined = joined.outerjoin(minute, minute.c.text == _contact_text())
        due_minute = sa.func.coalesce(minute.c.minute, due_minute)
    now = sa.literal(refresh_at or utcnow(), UTCDateTime())
    rows = _only(joined.where(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None)),
                 Customer.id, customer_ids).with_only_columns(
        Customer.id.label("customer_id"), Customer.owner_id.label("owner_id"), occ.c.rule_key,
        CustomerFigures.tier.label("tier"), occ.c.planned_on,
        occ.c.due_on, due_minute.label("due_minute"), channel.label("channel"), occ.c.purpose, occ.c.automated,
        sa.literal(Status.planned.value).label("status"), sa.literal(0).label("escalation"),
        now.label("created_at"), now.label("updated_at"), maintain_column_froms=True)
    source = scoped(rows).subquery()
    on_postgresql = db.session.get_bind().dialect.name == "postgresql"
    stmt = (postgresql if on_postgresql else sqlite).insert(Visit.__table__).from_select(
        ["tenant_id", "id", *source.c.keys()],
        sa.select(sa.literal(current_tenant_id(), sa.Uuid()), generated_id(), *source.c).where(sa.true()),
    )
    if refresh_at is None:
        stmt = stmt.on_conflict_do_nothing(index_elements=KEY)
    else:
        fresh = ("owner_id", "tier", "due_on", "due_minute", "channel", "purpose", "automated", "updated_at")
        stmt = stmt.on_conflict_do_update(index_elements=KEY, set_={name: stmt.excluded[name] for name in fresh},
                                          where=Visit.__table__.c.status == Status.planned.value)
    result = db.session.execute(stmt.execution_options(preserve_rowcount=True))
    # Python's sqlite3 counts no rows for a statement that starts with WITH: ask SQLite
    return result.rowcount if on_postgresql else db.session.scalar(sa.text("SELECT changes()"))


def _staff_planned(today: dt.date, owners: list[uuid.UUID] | None):
    return (Visit.status == Status.planned, Visit.automated.is_(False), Visit.owner_id.is_not(None),
            Visit.due_on >= today, *(() if owners is None else (Visit.owner_id.in_(owners),)))


def keep_within_cap(today: dt.date, days: Workdays, cap: int, owners: list[uuid.UUID] | None = None) -> int:
    """Keep each person's (or each of ``owners``') planned visits within ``cap`` a working day,
    the earliest-wanted first, the rest moved on to the next working days; automated messages
    take no one's time. Returns how many visits changed day.

    In one statement, by window functions: number each person's working days (``w``) and their
    visits in the order wanted (``r``, from 0); filling days in that order puts visit ``r`` on day
    ``r // cap + max(w_j - j // cap)`` over the visits ``j <= r`` with ``j % cap == r % cap``
    (no day before its wanted one, none holding more than ``cap``)."""
    if owners == []:
        return 0
    busiest = db.session.scalar(sa.select(sa.func.count()).where(*_staff_planned(today, owners))
                                .group_by(Visit.owner_id).order_by(sa.func.count().desc()).limit(1))
    if not busiest:
        return 0
    last = db.session.scalar(sa.select(sa.func.max(Visit.due_on)).where(*_staff_planned(today, owners)))
    calendar = [today + dt.timedelta(days=n) for n in range((last - today).days + 1)]
    calendar = [day for day in calendar if days.is_working(day)]
    for _ in range(busiest // cap + 1):  # room after ``last`` for the busiest person's overflow
        calendar.append(days.next_after(calendar[-1] if calendar else last))
    cal = sa.values(sa.column("day", sa.Date()), sa.column("w", sa.Integer()), name="visits_days").data(
        [(day, index) for index, day in enumerate(calendar)]).cte("visits_days")
    rank = (sa.func.row_number().over(partition_by=Visit.owner_id,
                                      order_by=(Visit.due_on, Visit.planned_on, Visit.id)) - 1)
    ranked = scoped(sa.select(Visit.id, Visit.owner_id, rank.label("r"), cal.c.w)
                    .select_from(Visit).join(cal, cal.c.day == Visit.due_on)
                    .where(*_staff_planned(today, owners))).subquery("ranked")
    best = sa.func.max(ranked.c.w - ranked.c.r / cap).over(
        partition_by=(ranked.c.owner_id, ranked.c.r % cap), order_by=ranked.c.r)
    placed = sa.select(ranked.c.id, (ranked.c.r / cap + best).label("w")).subquery("placed")
    moved = (sa.select(placed.c.id, cal.c.day).select_from(placed).join(cal, cal.c.w == placed.c.w)).subquery("moved")
    result = db.session.execute(
        sa.update(Visit).where(Visit.id == moved.c.id, Visit.due_on != moved.c.day).values(due_on=moved.c.day)
        .execution_options(synchronize_session=False, preserve_rowcount=True))
    if db.session.get_bind().dialect.name == "postgresql":
        return result.rowcount
    return db.session.scalar(sa.text("SELECT changes()"))  # Python's sqlite3 counts none after a WITH
