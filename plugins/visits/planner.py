"""Planning, set-based: the dates each cadence falls on are counted in Python once per rule and
window, then ``INSERT ... SELECT`` statements join the customers to them, keyed on customer, rule
and date (``ON CONFLICT DO NOTHING``: planning again plans nothing twice): one for the automated
messages, one for the staff's visits, which ranks them with each person's planned ones and writes
each on the day the daily cap gives it (:mod:`plugins.visits.daily_cap`).

No ORM object is made per customer and nothing per customer comes back to Python: a quarter for
a million customers is a few statements (``bench/visits.py``).
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

from plugins.visits import cadences, daily_cap
from plugins.visits.models import OwnCadence, Status, Visit

NAME = "visits"
OWN = "own"  # the rule key of a customer's own cadence
KEY = ["tenant_id", "customer_id", "rule_key", "planned_on"]
_ASCII_CONTACT_TIME = "([0-9]{1,2})[:：]([0-9]{2})"  # cadences.CONTACT_TIME once its full-width digits are ASCII
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
    date (owner, day, channel, time) and stamped ``updated_at = refresh_at``, keeping its id.

    The whole workspace's planning (neither argument) writes its new staff visits on the day the
    cap gives them, in the statement that plans them (:func:`daily_cap.placed`); a re-plan writes
    them on the day wanted and then moves those past the cap (:func:`daily_cap.keep_within_cap`)."""
    rules = settings()
    last = today + dt.timedelta(weeks=rules["horizon_weeks"])
    days = Workdays(rules["calendar"], today, last + _SLACK)
    cap = rules["daily_cap"]
    minute = _contact_minutes(customer_ids)
    if customer_ids is not None or refresh_at is not None:
        planned = sum(_write(rows, refresh_at) for rows in _wanted(rules, today, last, days, customer_ids, minute))
        owners = None if customer_ids is None else list(db.session.scalars(  # a re-plan: their people's days only
            sa.select(Visit.owner_id).where(Visit.customer_id.in_(customer_ids), Visit.owner_id.is_not(None))
            .distinct()))
        return Planned(planned, daily_cap.keep_within_cap(today, days, cap, owners))
    planned = sum(_write(rows, None) for rows in _wanted(rules, today, last, days, None, minute,
                                                          only_new=True, automated=True))
    before = daily_cap.busiest(today)
    moved = 0
    staff = _wanted(rules, today, last, days, None, minute, only_new=True, automated=False)
    if staff:
        most = before + _most_customers() * _most_per_customer(rules, today, last, days)
        reach = max(last + _SLACK, daily_cap.last_planned(today) or last) if before else last + _SLACK
        cal = daily_cap.calendar(today, reach, days, cap, most)
        new = (sa.union_all(*staff) if len(staff) > 1 else staff[0]).subquery("new")
        added, moved = _write_placed(daily_cap.placed(new, today, cal, cap), today, last, days)
        planned += added
    if before:  # planned visits that new ones came before may now be past the cap
        moved += daily_cap.keep_within_cap(today, days, cap, daily_cap.over_cap(today, cap))
    return Planned(planned, moved)


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


def tier_occurrences(rules: dict, today: dt.date, last: dt.date, days: Workdays) -> list[tuple]:
    """Each tier cadence's days from ``today`` to ``last``: ``(tier, rule_key, planned_on, due_on,
    channel, allowed channels, purpose, automated)``, a few rows per cadence however many the
    customers (the benchmark's floor joins the same rows)."""
    return [(tier, f"{tier}.{c['key']}", *dates, *_how(c))
            for tier, items in rules["cadences"].items() for c in items
            for dates in _dates(c["rule"], rules["cadence_start"], today, last, days)]


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
    """On SQLite, the minute each distinct contact time among the customers starts at, as a table
    to join: None if none names a time, and on PostgreSQL, which reads the minute in SQL
    (:func:`_minute_in_sql`: a million customers may have a million texts)."""
    if _on_postgresql():
        return None
    text = _contact_text()
    found = [(value, cadences.contact_minute(value)) for value in db.session.scalars(
        _only(sa.select(text).where(text.is_not(None)).distinct(), Customer.id, customer_ids))]
    rows = [(value, minute) for value, minute in found if minute is not None]
    if not rows:
        return None
    return sa.values(sa.column("text", sa.String()), sa.column("minute", sa.Integer()),
                     name="contact").data(rows).cte("contact")


def _minute_in_sql() -> sa.ScalarSelect:
    """PostgreSQL: the customer's contact minute as :func:`cadences.contact_minute` reads it (the
    first ``H:MM``, full-width digits too), by one ``regexp_match`` a row."""
    ascii_digits = sa.func.translate(_contact_text(), cadences.FULL_WIDTH_DIGITS, "0123456789")
    found = sa.select(sa.func.regexp_match(ascii_digits, _ASCII_CONTACT_TIME, type_=postgresql.ARRAY(sa.Text))
                      .label("m")).correlate(Customer).subquery("contact_time")
    hour, minute = sa.cast(found.c.m[1], sa.Integer), sa.cast(found.c.m[2], sa.Integer)
    return sa.select(sa.case((sa.and_(hour <= 23, minute <= 59), hour * 60 + minute))).scalar_subquery()


def _contact_text() -> sa.ColumnElement:
    return Customer.preferences["contact_time"].as_string()


def _only(stmt, column, ids):
    return stmt.where(column.in_(ids)) if ids is not None else stmt


def _wanted(rules: dict, today: dt.date, last: dt.date, days: Workdays, customer_ids, minute: sa.CTE | None, *,
            only_new: bool = False, automated: bool | None = None) -> list[sa.Select]:
    """The visits the cadences want from ``today`` to ``last``, as SELECTs of :class:`Visit`'s
    columns (one for the tiers' cadences, one for the customers' own): live customers x the days
    each rule falls on; with ``only_new``, those not planned yet; with ``automated``, only the
    automated messages (True) or only the staff's visits (False)."""
    default_minute = rules["contact_time"].hour * 60 + rules["contact_time"].minute
    kept = (lambda row: True) if automated is None else (lambda row: row[-1] is automated)  # noqa: E731
    wanted = []
    tier_rows = [row for row in tier_occurrences(rules, today, last, days) if kept(row)]
    if tier_rows:
        occ = _values("occ", [("tier", sa.String)], tier_rows)
        joined = (sa.select(Customer, occ).select_from(Customer)
                  .join(CustomerFigures, sa.and_(CustomerFigures.tenant_id == Customer.tenant_id,
                                                 CustomerFigures.customer_id == Customer.id))
                  .join(occ, occ.c.tier == CustomerFigures.tier)
                  .where(~sa.exists().where(OwnCadence.tenant_id == Customer.tenant_id,
                                            OwnCadence.customer_id == Customer.id)))
        wanted.append(_rows(joined, occ, minute, default_minute, customer_ids, only_new))
    own_rows = []
    for own in db.session.scalars(_only(sa.select(OwnCadence), OwnCadence.customer_id, customer_ids)):
        how = {"channel": own.channel, "channels": [own.channel], "purpose": own.purpose}
        own_rows += [row for dates in _dates(own.rule, rules["cadence_start"], today, last, days)
                     if kept(row := (own.customer_id, OWN, *dates, *_how(how)))]
    if own_rows:
        occ = _values("own_occ", [("customer_id", sa.Uuid)], own_rows)
        joined = (sa.select(Customer, occ).select_from(Customer).join(occ, occ.c.customer_id == Customer.id)
                  .outerjoin(CustomerFigures, sa.and_(CustomerFigures.tenant_id == Customer.tenant_id,
                                                      CustomerFigures.customer_id == Customer.id)))
        wanted.append(_rows(joined, occ, minute, default_minute, customer_ids, only_new))
    return wanted


def _most_customers() -> int:
    """The most customers any one person owns (the daily cap's calendar must reach past their visits)."""
    return db.session.scalar(scoped(sa.select(sa.func.count()).where(Customer.owner_id.is_not(None))
                                    .group_by(Customer.owner_id).order_by(sa.func.count().desc()).limit(1))) or 0


def _most_per_customer(rules: dict, today: dt.date, last: dt.date, days: Workdays) -> int:
    """The most staff visits a tier's cadences give one customer from ``today`` to ``last`` (a
    customer's own cadence falls at most daily: as many as the days)."""
    per_tier = {}
    for tier, *_, automated in tier_occurrences(rules, today, last, days):
        per_tier[tier] = per_tier.get(tier, 0) + (not automated)
    own = (last - today).days + 1 if db.session.scalar(sa.select(sa.func.count()).select_from(OwnCadence)) else 0
    return max([own, *per_tier.values()])


def _rows(joined: sa.Select, occ: sa.CTE, minute: sa.CTE | None, default_minute: int, customer_ids,
          only_new: bool) -> sa.Select:
    """``joined`` (customers x occurrences) as the columns of a planned :class:`Visit`, live
    customers only; with ``only_new``, none already planned for its customer, rule and day."""
    preferred = Customer.preferences["preferred_channel"].as_string()
    mapped = sa.case(*((preferred == theirs, ours) for theirs, ours in cadences.PREFERRED.items()), else_=None)
    channel = sa.case((occ.c.allowed.like(sa.literal("%,").concat(mapped).concat(",%")), mapped),
                      else_=occ.c.channel)
    due_minute = sa.literal(default_minute, sa.Integer())
    if minute is not None:
        joined = joined.outerjoin(minute, minute.c.text == _contact_text())
        due_minute = sa.func.coalesce(minute.c.minute, due_minute)
    elif _on_postgresql():
        due_minute = sa.func.coalesce(_minute_in_sql(), due_minute)
    if only_new:
        joined = joined.where(~sa.exists().where(
            Visit.tenant_id == Customer.tenant_id, Visit.customer_id == Customer.id,
            Visit.rule_key == occ.c.rule_key, Visit.planned_on == occ.c.planned_on))
    return scoped(_only(joined.where(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None)),
                        Customer.id, customer_ids).with_only_columns(
        Customer.id.label("customer_id"), Customer.owner_id.label("owner_id"), occ.c.rule_key,
        CustomerFigures.tier.label("tier"), occ.c.planned_on, occ.c.due_on, due_minute.label("due_minute"),
        channel.label("channel"), occ.c.purpose, occ.c.automated, maintain_column_froms=True))


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _insert_from(source: sa.Subquery, now: dt.datetime):
    """``INSERT INTO visits_visits SELECT`` ``source``'s rows as planned visits, with new ids."""
    columns = list(source.c)
    stamp = sa.literal(now, UTCDateTime())
    return (postgresql if _on_postgresql() else sqlite).insert(Visit.__table__).from_select(
        ["tenant_id", "id", *(c.name for c in columns), "status", "escalation", "created_at", "updated_at"],
        sa.select(sa.literal(current_tenant_id(), sa.Uuid()), generated_id(), *columns,
                  sa.literal(Status.planned.value), sa.literal(0), stamp, stamp).where(sa.true()))


def _write(rows: sa.Select, refresh_at: dt.datetime | None) -> int:
    """Write ``rows`` ``ON CONFLICT DO NOTHING`` on the idempotence key (``DO UPDATE`` of a planned
    visit with ``refresh_at``); returns how many rows it added (or refreshed)."""
    stmt = _insert_from(rows.subquery("source"), refresh_at or utcnow())
    if refresh_at is None:
        stmt = stmt.on_conflict_do_nothing(index_elements=KEY)
    else:
        fresh = ("owner_id", "tier", "due_on", "due_minute", "channel", "purpose", "automated", "updated_at")
        stmt = stmt.on_conflict_do_update(index_elements=KEY, set_={name: stmt.excluded[name] for name in fresh},
                                          where=Visit.__table__.c.status == Status.planned.value)
    result = db.session.execute(stmt.execution_options(preserve_rowcount=True))
    # Python's sqlite3 counts no rows for a statement that starts with WITH: ask SQLite
    return result.rowcount if _on_postgresql() else db.session.scalar(sa.text("SELECT changes()"))


def _write_placed(rows: sa.Select, today: dt.date, last: dt.date, days: Workdays) -> tuple[int, int]:
    """Write ``rows`` ``ON CONFLICT DO NOTHING``; returns how many it added and how many of those
    are on another day than the one wanted (the working day on or after its rule's day): the
    statement returns the two days, counted in SQL on PostgreSQL."""
    stmt = _insert_from(rows.subquery("source"), utcnow()).on_conflict_do_nothing(index_elements=KEY)
    table = Visit.__table__
    stmt = stmt.returning(table.c.planned_on, table.c.due_on)
    wanted = {day: days.on_or_after(day) for day in (today + dt.timedelta(days=n) for n in range((last - today).days + 1))}
    if not _on_postgresql():
        rows = db.session.execute(stmt)
        added = moved = 0
        for planned_on, due_on in rows:
            added += 1
            moved += due_on != wanted.get(planned_on, due_on)
        return added, moved
    written = stmt.cte("written")
    days_wanted = sa.values(sa.column("day", sa.Date()), sa.column("wanted", sa.Date()), name="wanted").data(
        list(wanted.items())).cte("wanted")
    added, moved = db.session.execute(
        sa.select(sa.func.count(), sa.func.count().filter(written.c.due_on != days_wanted.c.wanted))
        .select_from(written).outerjoin(days_wanted, days_wanted.c.day == written.c.planned_on)).one()
    return added, moved
