"""The points ledger: every movement of points is an entry, and a balance is their sum.

Each entry names what caused it (``source``), once per workspace, so an event delivered twice,
or a purchase reached both by its event and by a back-fill, moves points once. An entry and the
account it moves are written in one transaction, the account locked, so concurrent movements of
one customer's points take turns.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
import zoneinfo
from decimal import ROUND_FLOOR, Decimal

import sqlalchemy as sa

from saas.core.customers import Purchase
from saas.core.audit import current_actor
from saas.core.batches import committed_pages
from saas.core.customers import Customer
from saas.core.db import db, insert_unique
from saas.core.events import emit
from saas.core.hooktypes import EventType
from saas.core.module_settings import settings_of
from saas.core.pagination import Page, paginate
from saas.core.queues import current_queue, job
from saas.core.tenancy import current_tenant, current_tenant_id, tenant_context
from saas.core.types import utcnow

from plugins.loyalty import rules as earning
from plugins.loyalty.models import Account, Entry, EntryKind

NAME = "loyalty"

POINTS_EARNED = EventType("loyalty.points_earned", "A customer earned points (a purchase, a bonus)",
                          {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "points": 776, "balance": 1280,
                           "reason": "388.00 x 1 per unit x 2 (core)",
                           "purchase_id": "01a209c2-9a01-7c44-8d0e-5f1b2c3d4e5f"})
POINTS_EXPIRED = EventType("loyalty.points_expired", "A customer's points expired, not spent in time",
                           {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "points": 120, "balance": 0})
POINTS_REDEEMED = EventType("loyalty.points_redeemed", "A customer spent points on a reward",
                            {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "points": 5000, "balance": 280,
                             "reward_id": "01a20b2d-ac71-7163-a233-7901cf736232",
                             "entry_id": "01a20b2d-bd02-7c44-9d0e-5f1b2c3d4e60"})
EVENT_TYPES = (POINTS_EARNED, POINTS_EXPIRED, POINTS_REDEEMED)


class _Recorded(Exception):
    """The source already has its entry."""


def settings() -> dict:
    """The bound workspace's earning rules, loaded (decimals and dates, defaults filled in)."""
    return settings_of(NAME)


def record(customer_id: uuid.UUID, kind: EntryKind, points: int, source: str, reason: str, *,
           purchase_id: uuid.UUID | None = None, reward_id: uuid.UUID | None = None,
           expires_at: dt.datetime | None = None) -> Entry | None:
    """Append an entry and move the customer's balance by ``points``; None if ``source`` has one."""
    if db.session.scalar(sa.select(Entry.id).where(Entry.source == source)) is not None:
        return None
    account = locked_account(customer_id)
    entry = Entry(customer_id=customer_id, kind=kind, points=points, source=source[:120], reason=reason[:500],
                  purchase_id=purchase_id, reward_id=reward_id, expires_at=expires_at, actor=current_actor().label,
                  created_at=utcnow())
    try:
        insert_unique(entry, _Recorded())
    except _Recorded:  # a twin delivery recorded it meanwhile
        return None
    account.balance += points
    if kind in (EntryKind.earn, EntryKind.bonus):
        emit(POINTS_EARNED, customer_id=customer_id, points=points, balance=account.balance,
             reason=entry.reason, purchase_id=purchase_id)
    elif kind is EntryKind.expire:
        emit(POINTS_EXPIRED, customer_id=customer_id, points=-points, balance=account.balance)
    elif kind is EntryKind.redeem:
        emit(POINTS_REDEEMED, customer_id=customer_id, points=-points, balance=account.balance,
             reward_id=reward_id, entry_id=entry.id)
    return entry


def locked_account(customer_id: uuid.UUID) -> Account:
    """The customer's account, locked until the transaction ends (made on first use)."""
    locked = sa.select(Account).where(Account.customer_id == customer_id).with_for_update()
    account = db.session.scalar(locked)
    if account is None:
        try:
            insert_unique(Account(customer_id=customer_id, balance=0), _Recorded())
        except _Recorded:  # made by a concurrent first movement: read theirs
            pass
        account = db.session.scalar(locked)
    return account


def earn_for_purchase(purchase_id: uuid.UUID) -> Entry | None:
    """The points a purchase earns by the workspace's rules, once (less the share already refunded,
    should its refund have come first); a customer's first purchase ever also brings its bonus,
    once. None if it earns nothing."""
    tenant = current_tenant()
    purchase = db.session.get(Purchase, (tenant.id, purchase_id))
    if purchase is None or purchase.currency != tenant.settings.get("currency", "CNY"):
        return None  # points are counted in the workspace's currency only
    rules = settings()
    tier = tier_of(purchase.customer_id)
    local_day = purchase.purchased_at.astimezone(zoneinfo.ZoneInfo(tenant.settings.get("timezone", "UTC"))).date()
    points = earning.earned(rules, purchase.amount, tier, local_day)
    expires_at = earning.expiry(rules, utcnow())
    entry = None
    if points.points > 0:
        entry = record(purchase.customer_id, EntryKind.earn, points.points, f"purchase:{purchase.id}", points.reason,
                       purchase_id=purchase.id, expires_at=expires_at)
    first = not db.session.scalar(sa.select(sa.exists().where(
        Purchase.customer_id == purchase.customer_id, Purchase.purchased_at < purchase.purchased_at)))
    if first and rules["first_purchase_bonus"]:
        record(purchase.customer_id, EntryKind.bonus, rules["first_purchase_bonus"], f"first:{purchase.customer_id}",
               "first purchase", expires_at=expires_at)
    if entry is not None:
        reverse_for_refund(purchase.id)
    return entry


def tier_of(customer_id: uuid.UUID) -> str | None:
    """The customer's value tier code (``core``...), as the core keeps it; None if unclassified."""
    customer = db.session.get(Customer, (current_tenant_id(), customer_id))
    return getattr(customer.tier, "value", None) if customer is not None else None


def birthday_bonuses(today: dt.date) -> int:
    """The workspace's ``birthday_bonus`` for each live customer born on ``today``'s day (on 28
    February in years without a 29th, for those born on the 29th), once a year; returns how many."""
    rules = settings()
    if not rules["birthday_bonus"]:
        return 0
    days = [(today.month, today.day)]
    if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
        days.append((2, 29))
    born = sa.or_(*(sa.and_(sa.extract("month", Customer.birthday) == month,
                            sa.extract("day", Customer.birthday) == day) for month, day in days))
    granted, expires_at = 0, earning.expiry(rules, utcnow())
    born_today = sa.select(Customer.id).where(born, Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))
    for page in committed_pages(born_today, [Customer.id]):
        for (customer_id,) in page:
            granted += record(customer_id, EntryKind.bonus, rules["birthday_bonus"],
                              f"birthday:{customer_id}:{today.year}", f"birthday {today:%Y}",
                              expires_at=expires_at) is not None
    return granted


def backfill(start: dt.datetime, end: dt.datetime) -> int:
    """Bring the purchases made in ``[start, end)`` up to date, as if the module had been on: those
    that earned nothing earn by today's rules and tiers, and refunds made meanwhile take back their
    share. Returns how many purchases earned. Safe to run again."""
    earned = sa.select(Entry.purchase_id).where(Entry.kind == EntryKind.earn, Entry.purchase_id.is_not(None))
    in_range = sa.and_(Purchase.purchased_at >= start, Purchase.purchased_at < end)
    count = 0
    unearned = sa.select(Purchase.purchased_at, Purchase.id).where(in_range, Purchase.id.not_in(earned))
    for page in committed_pages(unearned, [Purchase.purchased_at, Purchase.id]):
        for _, purchase_id in page:
            count += earn_for_purchase(purchase_id) is not None
    refunded = sa.select(Purchase.id).where(in_range, Purchase.refunded_amount > 0, Purchase.id.in_(earned))
    for page in committed_pages(refunded, [Purchase.id]):
        for (purchase_id,) in page:
            reverse_for_refund(purchase_id)
    return count


def queue_backfill(start: dt.datetime, end: dt.datetime) -> None:
    """Hand :func:`backfill` of ``[start, end)`` to a job on the ``low`` queue, for the bound workspace."""
    current_queue().enqueue(backfill_job, str(current_tenant_id()), start.isoformat(), end.isoformat(), queue="low")


@job
def backfill_job(tenant_id: str, start: str, end: str) -> int:
    with tenant_context(uuid.UUID(tenant_id)):
        count = backfill(dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end))
        db.session.commit()
    return count


def reverse_for_refund(purchase_id: uuid.UUID) -> Entry | None:
    """Take back the share of a purchase's points that its refunds (all of them so far) make up.

    Counted on the refunds' total, under the customer's account lock: two refund events handled
    at once, or in any order with the earning, take back exactly that share in all."""
    purchase = db.session.get(Purchase, (current_tenant_id(), purchase_id))
    if purchase is None or not purchase.amount or not purchase.refunded_amount:
        return None
    locked_account(purchase.customer_id)
    earn = db.session.scalar(sa.select(Entry).where(Entry.purchase_id == purchase_id, Entry.kind == EntryKind.earn))
    if earn is None:
        return None  # nothing earned (yet): the earning will take the refunds into account
    reversed_ = -(db.session.scalar(sa.select(sa.func.sum(Entry.points)).where(
        Entry.purchase_id == purchase_id, Entry.kind == EntryKind.reverse)) or 0)
    due = int((Decimal(earn.points) * purchase.refunded_amount / purchase.amount).to_integral_value(
        rounding=ROUND_FLOOR))
    if due <= reversed_:
        return None
    return record(purchase.customer_id, EntryKind.reverse, -(due - reversed_),
                  f"refund:{purchase.id}:{purchase.refunded_amount}",
                  f"refund of {purchase.refunded_amount:,.2f} of {purchase.amount:,.2f}", purchase_id=purchase.id,
                  expires_at=earn.expires_at)  # it cancels part of that earning: due when it is


def adjust(customer_id: uuid.UUID, points: int, reason: str) -> Entry:
    """Points added or taken by hand; the reason is kept with the entry (and in the audit log)."""
    entry_id = uuid.uuid4()
    expires_at = earning.expiry(settings(), utcnow()) if points > 0 else None
    return record(customer_id, EntryKind.adjust, points, f"adjust:{entry_id}", reason, expires_at=expires_at)


def expire(now: dt.datetime | None = None) -> int:
    """Expire the points of the bound workspace that are due, oldest first; returns how many points.

    Points are spent oldest first, so what is still unspent of the points due by ``now`` is what
    they earned by then (less what refunds took back of those earnings) less everything spent or
    expired so far: one aggregate over the ledger, then an ``expire`` entry for each customer with
    points due."""
    now = now or utcnow()
    unspent = unspent_due_by(now)
    expired = 0
    due = sa.select(Entry.customer_id, unspent).group_by(Entry.customer_id).having(unspent > 0)
    for page in committed_pages(due, [Entry.customer_id]):
        for customer_id, points in page:
            entry = record(customer_id, EntryKind.expire, -int(points), f"expire:{customer_id}:{now:%Y-%m-%dT%H}",
                           f"{int(points):,} points earned by {now:%Y-%m-%d} not spent in time")
            expired += -entry.points if entry is not None else 0
    return expired


def unspent_due_by(horizon: dt.datetime) -> sa.ColumnElement:
    """Per customer (an aggregate to group by ``Entry.customer_id``): the points that fall due by
    ``horizon`` and are not spent, which :func:`expire` takes once ``horizon`` has come. Points are
    spent oldest first, so that is every point due by then (less what refunds took back of those
    earnings) less every point spent or expired so far."""
    cancels = Entry.kind == EntryKind.reverse  # part of an earning, due when it is
    due = sa.func.coalesce(sa.func.sum(Entry.points).filter(
        sa.or_(Entry.points > 0, cancels), Entry.expires_at <= horizon), 0)
    out = sa.func.coalesce(-sa.func.sum(Entry.points).filter(Entry.points < 0, ~cancels), 0)
    return due - out


def merge(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> None:
    """Two customers merged: the survivor takes the merged one's entries and points."""
    taken = db.session.scalar(sa.select(Account).where(Account.customer_id == merged_id).with_for_update())
    if taken is None:
        return
    locked_account(survivor_id).balance += taken.balance
    db.session.execute(sa.update(Entry).where(Entry.customer_id == merged_id).values(customer_id=survivor_id)
                       .execution_options(synchronize_session=False))
    db.session.delete(taken)


def settle_merges() -> int:
    """The points of customers merged while the module was off go to their survivors (the core
    calls the merge hook of enabled modules only); returns how many accounts moved."""
    moved = 0
    for _ in range(10):  # a survivor merged in turn moves on the next round
        pairs = db.session.execute(sa.select(Customer.merged_into_id, Customer.id).join(
            Account, sa.and_(Account.tenant_id == Customer.tenant_id, Account.customer_id == Customer.id))
            .where(Customer.merged_into_id.is_not(None))).all()
        if not pairs:
            break
        for survivor_id, merged_id in pairs:
            merge(survivor_id, merged_id)
        moved += len(pairs)
    return moved


def balance(customer_id: uuid.UUID) -> int:
    account = db.session.scalar(sa.select(Account).where(Account.customer_id == customer_id))
    return account.balance if account is not None else 0


def entries(customer_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page:
    """The customer's entries, newest first."""
    return paginate(sa.select(Entry).where(Entry.customer_id == customer_id), db.session,
                    [Entry.created_at, Entry.id], descending=True, cursor=cursor, limit=limit)


def rebuild() -> int:
    """Set every account of the bound workspace to the sum of its entries; returns how many were off."""
    accounts = db.session.scalars(sa.select(Account).with_for_update()).all()  # no movement meanwhile
    sums = {customer_id: total for customer_id, total in db.session.execute(
        sa.select(Entry.customer_id, sa.func.sum(Entry.points)).group_by(Entry.customer_id))}
    off = 0
    for account in accounts:
        wanted = int(sums.pop(account.customer_id, 0))
        if account.balance != wanted:
            account.balance, off = wanted, off + 1
    for customer_id, total in sums.items():  # entries without an account: make it
        db.session.add(Account(customer_id=customer_id, balance=int(total)))
        off += 1
    return off


def expiring(owner_id: uuid.UUID, within: dt.timedelta, now: dt.datetime | None = None) -> list[tuple]:
    """The customers of ``owner_id`` whose unspent points fall due within ``within``, as
    ``(customer_id, name, points, first_due)``: what :func:`expire` would take by then, in one query."""
    now = now or utcnow()
    horizon = now + within
    unspent = unspent_due_by(horizon)
    first_due = sa.func.min(Entry.expires_at).filter(Entry.points > 0, Entry.expires_at > now,
                                                   Entry.expires_at <= horizon)
    query = (sa.select(Entry.customer_id, Customer.name, unspent, first_due)
             .join(Customer, sa.and_(Customer.tenant_id == Entry.tenant_id, Customer.id == Entry.customer_id))
             .where(Customer.owner_id == owner_id, Customer.deleted_at.is_(None))
             .group_by(Entry.customer_id, Customer.name).having(unspent > 0))
    return [(customer_id, name, int(points), first or now)  # None: due already, the daily run not yet done
            for customer_id, name, points, first in db.session.execute(query)]
