"""The daily cap per person, as window functions over a person's visits in the order wanted.

Number each person's working days (``w``) and their visits in the order wanted (``r``, from 0):
filling days in that order puts visit ``r`` on day ``r // cap + max(w_j - j // cap)`` over the
visits ``j <= r`` with ``j % cap == r % cap`` (no day before its wanted one, none holding more than
``cap``). A person whose days all hold ``cap`` or fewer is left as they are by it (``cap``
visits a day from ``j`` to ``r`` span ``r // cap - j // cap`` days at least), so it is applied
in two ways:

* :func:`placed`, inside the planning's ``INSERT ... SELECT``: the new visits are ranked with the
  person's planned ones and written on their day at once (a quarter's first planning moves most
  staff visits off the days their rules share: an ``UPDATE`` of each would write every row twice);
* :func:`keep_within_cap`, an ``UPDATE`` of those already written, for people whose days are over
  (a re-plan of some customers, or planned visits that new ones came before).

Automated messages take no one's time; a visit without an owner is no one's.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from saas.core.db import db
from saas.core.tenancy import scoped

from plugins.visits.models import Status, Visit
from saas.core.workdays import Workdays

MAX_DAYS = 750  # working days of calendar at most (three years): what a cap pushes further lands on its last


def _staff_planned(today: dt.date, owners: list[uuid.UUID] | None):
    return (Visit.status == Status.planned, Visit.automated.is_(False), Visit.owner_id.is_not(None),
            Visit.due_on >= today, *(() if owners is None else (Visit.owner_id.in_(owners),)))


def busiest(today: dt.date, owners: list[uuid.UUID] | None = None) -> int:
    """The most planned staff visits from ``today`` any one person (of ``owners``) has."""
    return db.session.scalar(sa.select(sa.func.count()).where(*_staff_planned(today, owners))
                             .group_by(Visit.owner_id).order_by(sa.func.count().desc()).limit(1)) or 0


def last_planned(today: dt.date, owners: list[uuid.UUID] | None = None) -> dt.date | None:
    """The last day a planned staff visit from ``today`` (of ``owners``) is on."""
    return db.session.scalar(sa.select(sa.func.max(Visit.due_on)).where(*_staff_planned(today, owners)))


def calendar(today: dt.date, last: dt.date, days: Workdays, cap: int, most: int) -> sa.CTE:
    """The working days from ``today`` to ``last`` and as many after as ``most`` visits of one
    person at ``cap`` a day may need (at most :data:`MAX_DAYS`), numbered from 0: ``(day, w)``."""
    found = [today + dt.timedelta(days=n) for n in range((last - today).days + 1)]
    found = [day for day in found if days.is_working(day)][:MAX_DAYS]
    for _ in range(min(most // cap + 1, MAX_DAYS - len(found))):
        found.append(days.next_after(found[-1] if found else last))
    return sa.values(sa.column("day", sa.Date()), sa.column("w", sa.Integer()), name="visits_days").data(
        [(day, index) for index, day in enumerate(found)]).cte("visits_days")


def _place(ranked: sa.Subquery, cal: sa.CTE, cap: int, columns: list[str]) -> sa.Select:
    """``ranked`` (with ``owner_id``, ``r`` and ``w``) with ``day``: the working day the cap puts each on."""
    best = sa.func.max(ranked.c.w - ranked.c.r // cap).over(partition_by=(ranked.c.owner_id, ranked.c.r % cap),
                                                            order_by=ranked.c.r)
    placed = sa.select(*(ranked.c[name] for name in columns), (ranked.c.r // cap + best).label("placed_w")) \
        .subquery("placed")
    last = sa.select(sa.func.max(cal.c.day)).scalar_subquery()
    return (sa.select(*(placed.c[name] for name in columns), sa.func.coalesce(cal.c.day, last).label("day"))
            .select_from(placed).outerjoin(cal, cal.c.w == placed.c.placed_w))


def placed(new: sa.Subquery, today: dt.date, cal: sa.CTE, cap: int) -> sa.Select:
    """The staff visits ``new`` (columns as :class:`Visit`'s), ranked with each person's planned
    ones from ``today``, with ``due_on`` the day the cap puts them on (a visit without an owner
    stays on the day it wants)."""
    columns = [c.name for c in new.c]
    order = ("due_on", "planned_on", "customer_id", "rule_key")
    fresh = sa.select(*new.c, sa.literal(True).label("fresh"))
    planned = scoped(sa.select(*(Visit.__table__.c[name] for name in columns), sa.literal(False).label("fresh"))
                     .where(*_staff_planned(today, None)))
    both = sa.union_all(fresh, planned).subquery("both")
    rank = sa.func.row_number(type_=sa.Integer()).over(partition_by=both.c.owner_id,
                                                      order_by=[both.c[name] for name in order]) - 1
    ranked = (sa.select(*both.c, rank.label("r"), cal.c.w).select_from(both)
              .join(cal, cal.c.day == both.c.due_on)).subquery("ranked")
    done = _place(ranked, cal, cap, [*columns, "fresh"]).subquery("done")
    day = sa.case((done.c.owner_id.is_(None), done.c.due_on), else_=done.c.day)
    return sa.select(*(day.label(name) if name == "due_on" else done.c[name] for name in columns)).where(done.c.fresh)


def over_cap(today: dt.date, cap: int) -> list[uuid.UUID]:
    """The people with a working day of more than ``cap`` planned staff visits from ``today``."""
    return list(db.session.scalars(sa.select(Visit.owner_id).where(*_staff_planned(today, None))
                                   .group_by(Visit.owner_id, Visit.due_on).having(sa.func.count() > cap).distinct()))


def keep_within_cap(today: dt.date, days: Workdays, cap: int, owners: list[uuid.UUID] | None = None) -> int:
    """Keep each person's (or each of ``owners``') planned visits within ``cap`` a working day,
    the earliest-wanted first, the rest moved on to the next working days, in one ``UPDATE``.
    Returns how many visits changed day."""
    if owners == []:
        return 0
    most = busiest(today, owners)
    if not most:
        return 0
    cal = calendar(today, last_planned(today, owners), days, cap, most)
    rank = (sa.func.row_number(type_=sa.Integer()).over(partition_by=Visit.owner_id,
                                      order_by=(Visit.due_on, Visit.planned_on, Visit.id)) - 1)
    ranked = scoped(sa.select(Visit.id, Visit.owner_id, rank.label("r"), cal.c.w)
                    .select_from(Visit).join(cal, cal.c.day == Visit.due_on)
                    .where(*_staff_planned(today, owners))).subquery("ranked")
    moved = _place(ranked, cal, cap, ["id"]).subquery("moved")
    result = db.session.execute(
        sa.update(Visit).where(Visit.id == moved.c.id, Visit.due_on != moved.c.day).values(due_on=moved.c.day)
        .execution_options(synchronize_session=False, preserve_rowcount=True))
    if db.session.get_bind().dialect.name == "postgresql":
        return result.rowcount
    return db.session.scalar(sa.text("SELECT changes()"))  # Python's sqlite3 counts none after a WITH
