"""Computing customers' figures, tiers and stages, in SQL over sets.

:func:`refresh` is the one way figures change. For a whole tenant (the periodic job, a rules
change) it aggregates the purchases once into a temporary table, records the tier and stage
changes it finds, and updates only the rows that differ: a handful of statements whatever the
number of customers. For a few customers (a purchase, a refund, a merge) the same statements run
restricted to them, and their R/F/M scores are placed among the tenant's current figures.

Each change of tier or stage is a :class:`ClassificationChange` with its reason and an event
(``customer.tier_changed``, ``customer.stage_changed``), in the same transaction; the nightly
whole-tenant job leaves its events pending on their history rows and writes them afterwards, a
page a transaction, outside the lock (:mod:`saas.core.classification.announce`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from saas.core.accounts import Tenant
from saas.core.audit import current_actor
from saas.core.classification.announce import CHANGED, announce_pending
from saas.core.classification.explanations import stage_reason, tier_reason
from saas.core.classification.models import ClassificationChange, CustomerFigures
from saas.core.classification.rules import Rules, Stage, Tier
from saas.core.customers import Customer, Interaction, Purchase
from saas.core.db import db
from saas.core.events import emit_selected
from saas.core.hooktypes import Schedule
from saas.core.queues import after_commit, current_queue, enqueue_after_commit, job
from saas.core.tenancy import (
    current_tenant,
    current_tenant_id,
    get_owned,
    insert_from,
    scoped,
    tenant_context,
)
from saas.core.types import Money, UTCDateTime, new_id, utcnow

log = logging.getLogger(__name__)
RECOMPUTE_TIMEOUT = 3600  # seconds: a tenant of a million customers takes about a minute

F = CustomerFigures
FIGURES = ("first_purchase_at", "last_purchase_at", "orders_total", "revenue_total", "orders_window",
           "revenue_window", "in_touch", "r_score", "f_score", "m_score", "rule_tier", "lifecycle_stage")


@dataclass(frozen=True)
class Outcome:
    customers: int  # rows whose figures changed
    tier_changes: int
    stage_changes: int


def rules() -> Rules:
    return Rules.of(current_tenant().settings)


def counted() -> sa.ColumnElement:
    """The purchases figures count: not fully refunded, and in the workspace's currency (one in
    another currency is kept, but adding it to the others would need a rate we do not have)."""
    currency = current_tenant().settings.get("currency", "CNY")
    return sa.and_(Purchase.amount > Purchase.refunded_amount, Purchase.currency == currency)


def figures_of(customer_id: uuid.UUID) -> CustomerFigures:
    return get_owned(CustomerFigures, customer_id, "customer not found")


# -- the computation -------------------------------------------------------------------------------

def _fresh(rules: Rules, now: dt.datetime, customer_ids: list[uuid.UUID] | None) -> sa.Select:
    """Every (or each named) live customer's figures, rule tier and stage, as the rules give them now."""
    net = sa.type_coerce(Purchase.amount - Purchase.refunded_amount, Money())  # cents: compare with Money binds
    in_window = Purchase.purchased_at >= rules.window_start(now)
    bought = scoped(
        sa.select(
            Purchase.customer_id,
            sa.func.min(Purchase.purchased_at).label("first_purchase_at"),
            sa.func.max(Purchase.purchased_at).label("last_purchase_at"),
            sa.func.count().label("orders_total"),
            sa.func.sum(net).label("revenue_total"),
            sa.func.sum(sa.case((in_window, 1), else_=0)).label("orders_window"),
            sa.func.sum(sa.case((in_window, net), else_=0)).label("revenue_window"),
        )
        .where(counted())
        .group_by(Purchase.customer_id)
    )
    live = sa.and_(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))
    if customer_ids is not None:
        bought = bought.where(Purchase.customer_id.in_(customer_ids))
        live = sa.and_(live, Customer.id.in_(customer_ids))
    agg = bought.subquery("bought")
    in_touch = sa.exists().where(Interaction.tenant_id == Customer.tenant_id, Interaction.customer_id == Customer.id)
    has_bought = agg.c.orders_total.is_not(None)
    rule_tier = sa.case(
        (~has_bought, sa.case((in_touch, Tier.potential.value), else_=sa.null())),
        (agg.c.revenue_window >= sa.literal(rules.core, Money()), Tier.core.value),
        (agg.c.revenue_window >= sa.literal(rules.important, Money()), Tier.important.value),
        (agg.c.revenue_window >= sa.literal(rules.basic, Money()), Tier.basic.value),
        else_=Tier.general.value,
    )
    stage = sa.case(
        (~has_bought, Stage.potential.value),
        (agg.c.first_purchase_at >= now - dt.timedelta(days=rules.new_days), Stage.new.value),
        (agg.c.last_purchase_at >= now - dt.timedelta(days=rules.dormant_days), Stage.active.value),
        (agg.c.last_purchase_at < now - dt.timedelta(days=rules.churned_days), Stage.churned.value),
        else_=Stage.dormant.value,
    )
    if customer_ids is None:
        scores = [_quintile_among_all(has_bought, column) for column in
                  (agg.c.last_purchase_at, agg.c.orders_total, agg.c.revenue_total)]
    else:
        scores = [_quintile_among_figures(has_bought, column, figure) for column, figure in
                  ((agg.c.last_purchase_at, F.last_purchase_at), (agg.c.orders_total, F.orders_total),
                   (agg.c.revenue_total, F.revenue_total))]
    return scoped(  # inserted into a temporary table by Core: no ORM filter there
        sa.select(
            Customer.id.label("customer_id"),
            agg.c.first_purchase_at, agg.c.last_purchase_at,
            sa.func.coalesce(agg.c.orders_total, 0).label("orders_total"),
            sa.func.coalesce(agg.c.revenue_total, 0).label("revenue_total"),
            sa.func.coalesce(agg.c.orders_window, 0).label("orders_window"),
            sa.func.coalesce(agg.c.revenue_window, 0).label("revenue_window"),
            in_touch.label("in_touch"),
            scores[0].label("r_score"), scores[1].label("f_score"), scores[2].label("m_score"),
            rule_tier.label("rule_tier"), stage.label("lifecycle_stage"),
        )
        .select_from(Customer)
        .outerjoin(agg, agg.c.customer_id == Customer.id)
        .where(live)
    )


def _quintile_among_all(has_bought, column):
    """1 + 5 * (buyers below) // buyers: equal values share a score, on every database alike."""
    rank = sa.func.rank().over(partition_by=has_bought, order_by=column)
    buyers = sa.func.count().over(partition_by=has_bought)
    return sa.case((has_bought, 1 + (5 * (rank - 1)) // buyers), else_=sa.null())


def _quintile_among_figures(has_bought, column, figure):
    """The same score, for one customer placed among the others' stored figures."""
    other = sa.orm.aliased(F)
    figure = getattr(other, figure.key)
    live = sa.orm.aliased(Customer)  # deleted and merged customers keep their last figures: not ranked
    others = scoped(sa.select(sa.func.count()).select_from(other).join(
        live, sa.and_(live.tenant_id == other.tenant_id, live.id == other.customer_id)).where(
        other.last_purchase_at.is_not(None), other.customer_id != Customer.id,
        live.deleted_at.is_(None), live.merged_into_id.is_(None)))
    below = others.where(figure < column)
    return sa.case((has_bought, 1 + (5 * below.scalar_subquery()) // (others.scalar_subquery() + 1)),
                   else_=sa.null())


def _fresh_table() -> sa.Table:
    return sa.Table(
        "classification_fresh", sa.MetaData(),
        sa.Column("customer_id", sa.Uuid, primary_key=True),
        sa.Column("first_purchase_at", UTCDateTime), sa.Column("last_purchase_at", UTCDateTime),
        sa.Column("orders_total", sa.Integer), sa.Column("revenue_total", Money()),
        sa.Column("orders_window", sa.Integer), sa.Column("revenue_window", Money()),
        sa.Column("in_touch", sa.Boolean),
        sa.Column("r_score", sa.SmallInteger), sa.Column("f_score", sa.SmallInteger),
        sa.Column("m_score", sa.SmallInteger),
        sa.Column("rule_tier", sa.String(20)), sa.Column("lifecycle_stage", sa.String(20)),
        prefixes=["TEMPORARY"],
    )


def refresh(customer_ids: Iterable[uuid.UUID] | None = None, *, now: dt.datetime | None = None,
            wait: bool = False, events_later: bool = False) -> Outcome:
    """Recompute the figures, tiers and stages of the bound tenant, or of the customers named.

    Runs in the caller's transaction. On PostgreSQL a whole-tenant refresh holds the tenant's
    classification lock exclusively and a refresh of a few customers holds it shared, so a purchase
    recorded during a long recompute is not overwritten by the recompute's older view. A purchase
    does not wait for such a recompute (a minute for a million customers) unless ``wait``: its
    customers are refreshed by a job after it commits, which waits for the recompute instead.
    With ``events_later`` (a whole tenant's) the changes' events are left pending on their history
    rows, for :func:`~saas.core.classification.announce.announce_pending` to write once this commits.
    """
    now = now or utcnow()
    ids = None if customer_ids is None else sorted(set(customer_ids))
    if ids == []:
        return Outcome(0, 0, 0)
    if not _lock(shared=ids is not None, wait=wait or ids is None):
        enqueue_after_commit(refresh_customers, str(current_tenant_id()), [str(i) for i in ids], queue="low",
                             timeout=RECOMPUTE_TIMEOUT)
        return Outcome(0, 0, 0)
    current = rules()
    _add_missing_rows(ids)
    if ids is not None:  # a purchase of the same customer in another transaction waits for this one
        db.session.execute(sa.select(F.customer_id).where(F.customer_id.in_(ids)).order_by(F.customer_id)
                           .with_for_update())
        return _apply(_fresh(current, now, ids).subquery("fresh"), current, now, many=False)
    table = _fresh_table()
    connection = db.session.connection()
    table.drop(connection, checkfirst=True)  # left on a SQLite connection by a run that failed
    table.create(connection)
    fresh = _fresh(current, now, None)
    db.session.execute(sa.insert(table).from_select(list(fresh.selected_columns.keys()), fresh))
    outcome = _apply(table, current, now, many=True, events_later=events_later)
    table.drop(connection)  # not in a finally: in a failed PostgreSQL transaction it would hide the error
    return outcome


def _lock(*, shared: bool, wait: bool = True) -> bool:
    """Take the tenant's classification lock until the transaction ends; without ``wait``, only
    if it is free now (returns whether it was taken). SQLite has one writer at a time anyway."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    key = sa.func.hashtextextended(f"classification:{current_tenant_id()}", 0)
    if wait:
        lock = sa.func.pg_advisory_xact_lock_shared if shared else sa.func.pg_advisory_xact_lock
        db.session.execute(sa.select(lock(key)))
        return True
    lock = sa.func.pg_try_advisory_xact_lock_shared if shared else sa.func.pg_try_advisory_xact_lock
    return bool(db.session.scalar(sa.select(lock(key))))


def _add_missing_rows(ids: list[uuid.UUID] | None) -> None:
    """Every customer has a figures row (customers created before classification, or just now)."""
    missing = scoped(sa.select(Customer.tenant_id, Customer.id).where(  # an INSERT: no ORM tenant filter there
        ~sa.exists().where(F.tenant_id == Customer.tenant_id, F.customer_id == Customer.id)))
    if ids is not None:
        missing = missing.where(Customer.id.in_(ids))
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(F.__table__)
    db.session.execute(insert.from_select(["tenant_id", "customer_id"], missing).on_conflict_do_nothing())


def _apply(fresh, rules: Rules, now: dt.datetime, *, many: bool, events_later: bool = False) -> Outcome:
    """Record the tier and stage changes between ``fresh`` and the stored figures, then store ``fresh``.

    The history rows and events are written by ``INSERT ... SELECT``, reasons included: nothing
    per customer passes through Python, however many change (``many``: a whole tenant's).
    """
    override_on = sa.and_(F.tier_override.is_not(None), sa.or_(F.override_until.is_(None), F.override_until > now))
    new_tier = sa.case((override_on, F.tier_override), else_=fresh.c.rule_tier)
    joined = F.customer_id == fresh.c.customer_id  # every statement below is scoped to the tenant
    tier_moves = F.tier.is_distinct_from(new_tier)
    stage_moves = F.lifecycle_stage.is_distinct_from(fresh.c.lifecycle_stage)
    tier_changes, stage_changes = db.session.execute(
        sa.select(sa.func.count().filter(tier_moves), sa.func.count().filter(stage_moves))
        .where(joined, sa.or_(tier_moves, stage_moves))
    ).one()
    if tier_changes:
        rule_reason = tier_reason(fresh.c.rule_tier, fresh.c.revenue_window, rules)
        reason = sa.case(
            (override_on, "manual: " + F.override_reason),
            (F.tier_override.is_not(None), "the manual tier expired; " + rule_reason),
            else_=rule_reason,
        )
        _record("tier", F.tier, new_tier, reason, joined, now, many=many, events_later=events_later)
    if stage_changes:
        reason = stage_reason(fresh.c.lifecycle_stage, fresh.c.first_purchase_at, fresh.c.last_purchase_at, rules,
                              now)
        _record("stage", F.lifecycle_stage, fresh.c.lifecycle_stage, reason, joined, now, many=many,
                events_later=events_later)
    differs = sa.or_(*(getattr(F, name).is_distinct_from(fresh.c[name]) for name in FIGURES),
                     tier_moves, sa.and_(F.tier_override.is_not(None), ~override_on))
    result = db.session.execute(
        sa.update(F).where(joined, differs).values(
            **{name: fresh.c[name] for name in FIGURES}, tier=new_tier, computed_at=now,
            tier_override=sa.case((override_on, F.tier_override), else_=sa.null()),
            override_reason=sa.case((override_on, F.override_reason), else_=sa.null()),
            override_until=sa.case((override_on, F.override_until), else_=sa.null()),
        ).execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return Outcome(result.rowcount, tier_changes, stage_changes)


def _record(kind: str, old, new, reason, joined, now: dt.datetime, *, many: bool, events_later: bool) -> None:
    """One history row and one ``customer.<kind>_changed`` event per customer whose ``old`` is not
    ``new``; with ``events_later``, the event pending on the history row."""
    moved = sa.and_(joined, old.is_distinct_from(new))
    insert_from(ClassificationChange, sa.select(
        F.customer_id.label("customer_id"), sa.literal(kind).label("kind"), old.label("old"), new.label("new"),
        sa.func.substr(reason, 1, 500, type_=sa.String).label("reason"),
        sa.literal(current_actor().label).label("actor"),
        sa.literal(now, UTCDateTime()).label("changed_at"),
        sa.literal(events_later).label("event_pending"),
    ).where(moved))
    if not events_later:
        emit_selected(CHANGED[kind], sa.select(
            F.customer_id.label("customer_id"), old.label("from"), new.label("to"),
            sa.func.substr(reason, 1, 500, type_=sa.String).label("reason"),
        ).where(moved), many=many)


# -- overrides -------------------------------------------------------------------------------------

def override(customer_id: uuid.UUID, tier: Tier, reason: str, until: dt.datetime | None) -> CustomerFigures:
    """Put a customer in ``tier`` by hand until ``until`` (or until the override is removed)."""
    _lock(shared=True)
    _add_missing_rows([customer_id])
    figures = db.session.get(CustomerFigures, (current_tenant_id(), customer_id), with_for_update=True)
    _record_override(customer_id, figures.tier_override if figures.override_active else None, tier,
                     f"{reason} (until {until:%Y-%m-%d %H:%M} UTC)" if until else reason)
    figures.tier_override, figures.override_reason, figures.override_until = tier, reason, until
    db.session.flush()
    refresh([customer_id])
    return figures_of(customer_id)


def clear_override(customer_id: uuid.UUID) -> CustomerFigures:
    """Back to the tier the rules give."""
    _lock(shared=True)  # not in the middle of a recompute's statements, which read the override
    figures = figures_of(customer_id)
    if figures.override_active:
        _record_override(customer_id, figures.tier_override, None, "removed: the rules decide again")
    figures.tier_override = figures.override_reason = figures.override_until = None
    db.session.flush()
    refresh([customer_id])
    return figures_of(customer_id)


def _code(value) -> str | None:
    return getattr(value, "value", value)


def _record_override(customer_id: uuid.UUID, old: Tier | None, new: Tier | None, reason: str) -> None:
    """Setting, changing or removing a manual tier is history even when the tier itself stays."""
    db.session.add(ClassificationChange(id=new_id(), customer_id=customer_id, kind="override", old=_code(old),
                                        new=_code(new), reason=reason[:500], actor=current_actor().label))


# -- the rules ------------------------------------------------------------------------------------

def change_rules(tenant: Tenant, new: Rules) -> Rules:
    """Keep ``new`` (checked: :class:`Invalid` with field errors) as ``tenant``'s rules, and have
    every customer reclassified under them once this transaction commits."""
    new.check()
    tenant.settings = {**tenant.settings, "classification": new.as_settings()}
    after_commit(_schedule_all, tenant.id)
    return new


def _schedule_all(tenant_ids: list[uuid.UUID]) -> None:
    for tenant_id in dict.fromkeys(tenant_ids):
        schedule_recompute(tenant_id)


def preview(rules: Rules, now: dt.datetime | None = None) -> dict[str, int]:
    """How many live customers each tier would hold under ``rules`` (before manual tiers), computed
    as :func:`refresh` would, without writing anything: one statement."""
    fresh = _fresh(rules, now or utcnow(), None).subquery("fresh")
    counts = dict(db.session.execute(sa.select(fresh.c.rule_tier, sa.func.count()).group_by(fresh.c.rule_tier)).all())
    return {tier.value: counts.get(tier.value, 0) for tier in Tier}


# -- jobs ------------------------------------------------------------------------------------------

def job_key(tenant_id) -> str:
    return f"classification:{tenant_id}"


def schedule_recompute(tenant_id: uuid.UUID) -> None:
    """Queue one whole-tenant recompute (a rules change, an import); a waiting one is enough."""
    current_queue().enqueue_once(job_key(tenant_id), recompute_tenant, str(tenant_id), queue="low",
                                 timeout=RECOMPUTE_TIMEOUT)


@job
def refresh_customers(tenant_id: str, customer_ids: list[str]) -> None:
    """Refresh customers whose purchase came during a whole-tenant recompute, once it is over.

    Should Redis be away when it is queued, the next nightly recompute counts the purchase."""
    with tenant_context(uuid.UUID(tenant_id)):
        if db.session.get(Tenant, uuid.UUID(tenant_id)) is None:
            return
        refresh([uuid.UUID(i) for i in customer_ids], wait=True)
        db.session.commit()


@job
def recompute_tenant(tenant_id: str) -> dict:
    """Recompute one tenant's figures, tiers and stages; returns what changed."""
    current_queue().started(job_key(tenant_id))
    with tenant_context(uuid.UUID(tenant_id)):
        if db.session.get(Tenant, uuid.UUID(tenant_id)) is None:
            return {}
        outcome = refresh(events_later=True)
        db.session.commit()  # the lock is released: the events follow, a page a transaction
        announced = announce_pending()
    log.info("tenant %s: figures of %d customers changed, %d tier and %d stage changes, %d events", tenant_id,
             outcome.customers, outcome.tier_changes, outcome.stage_changes, announced)
    return dataclasses.asdict(outcome)


def recompute_all() -> int:
    """The daily schedule: one recompute job per active tenant (time moves customers along even
    when nothing is bought: windows slide, stages age, quintiles shift)."""
    tenant_ids = list(db.session.scalars(sa.select(Tenant.id).where(Tenant.status == "active")))
    db.session.rollback()
    for tenant_id in tenant_ids:
        schedule_recompute(tenant_id)
    return len(tenant_ids)


SCHEDULES = (Schedule("classification.recompute", "20 2 * * *", recompute_all, "low"),)
