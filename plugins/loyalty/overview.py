"""The figures of the module's overview page (``/loyalty/``): who holds points, the month's
movements, and the largest balances; four statements, however many customers and entries."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass

import sqlalchemy as sa

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.tenancy import current_tenant_id
from saas.core.types import utcnow

from plugins.loyalty import ledger
from plugins.loyalty.models import Account, Entry, EntryKind

TOP = 10  # balances on the page


@dataclass(frozen=True)
class Month:
    """The points moved in a month: given (earned, bonuses, added by hand), spent on rewards,
    expired so far, and still to expire before it ends."""

    start: dt.datetime
    issued: int
    spent: int
    expired: int
    expiring: int


@dataclass(frozen=True)
class Holder:
    customer_id: uuid.UUID
    name: str
    balance: int


def _live(stmt: sa.Select) -> sa.Select:
    """``stmt`` over the accounts, limited to customers neither deleted nor merged away."""
    return stmt.join(Customer, sa.and_(Customer.tenant_id == Account.tenant_id, Customer.id == Account.customer_id)) \
        .where(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))


def members_with_points() -> int:
    return db.session.scalar(_live(sa.select(sa.func.count()).select_from(Account)).where(Account.balance > 0))


def month_bounds(zone: str, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The first moments of this month and of the next, in the workspace's time zone."""
    local = (now or utcnow()).astimezone(zoneinfo.ZoneInfo(zone))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following


def this_month(zone: str, now: dt.datetime | None = None) -> Month:
    now = now or utcnow()
    start, end = month_bounds(zone, now)
    points = sa.func.coalesce
    issued = points(sa.func.sum(Entry.points).filter(Entry.points > 0, Entry.kind != EntryKind.reverse), 0)
    spent = points(-sa.func.sum(Entry.points).filter(Entry.kind == EntryKind.redeem), 0)
    expired = points(-sa.func.sum(Entry.points).filter(Entry.kind == EntryKind.expire), 0)
    moved = db.session.execute(sa.select(issued, spent, expired).where(
        Entry.created_at >= start, Entry.created_at < end)).one()
    unspent = ledger.unspent_due_by(end)
    per_customer = (sa.select(unspent.label("points")).where(Entry.tenant_id == current_tenant_id())  # a subquery:
                    .group_by(Entry.customer_id).having(unspent > 0).subquery())  # filtered here, not by the ORM
    expiring = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(per_customer.c.points), 0)))
    return Month(start, int(moved[0]), int(moved[1]), int(moved[2]), int(expiring))


def top_balances(limit: int = TOP) -> list[Holder]:
    rows = db.session.execute(_live(sa.select(Account.customer_id, Customer.name, Account.balance))
                              .where(Account.balance > 0)
                              .order_by(Account.balance.desc(), Account.customer_id).limit(limit))
    return [Holder(customer_id, name, int(balance)) for customer_id, name, balance in rows]
