"""The core's jobs: delivering events and running periodic work (see :mod:`saas.core.queues` for
where jobs run).

Events (:mod:`saas.core.events`) are delivered by the jobs here: :func:`deliver_event` fans an
event out to the enabled modules, each of which handles it in a :func:`handle_event` job, and to
the tenant's webhook endpoints (:mod:`saas.core.outbound`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import sqlalchemy as sa
from croniter import croniter
from redis.exceptions import RedisError
from rq import get_current_job
from rq.cron import CronScheduler

from saas.core import outbound
from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.events import Event, HandledEvent, OutboxEvent, undelivered
from saas.core.hooktypes import Schedule
from saas.core.modules import enabled_modules
from saas.core.plugins import installed
from saas.core.services import classification, imports
from saas.core import queues
from saas.core.queues import RqQueue, current_queue, job
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow

log = logging.getLogger(__name__)

SWEEP_GRACE = dt.timedelta(seconds=60)


BATCH = 500  # events of one commit handed over together


def after_commit(events: list[tuple[uuid.UUID, uuid.UUID]],
                 stamped: list[tuple[uuid.UUID, dt.datetime]] = ()) -> None:
    """Hand just-committed events to the queue; if Redis is away, the sweeper will.

    A commit's events go as one job per tenant and ``BATCH`` events (an import may commit
    thousands); a single event as a :func:`deliver_event` job of its own. Events that a statement
    emitted in bulk are known by their tenant and stamp only: a :func:`deliver_emitted` job each."""
    queue = current_queue()
    for tenant_id, occurred_at in stamped:
        try:
            queue.enqueue(deliver_emitted, str(tenant_id), occurred_at.isoformat(), queue="low")
        except RedisError as error:
            log.warning("events of tenant %s emitted at %s left for the sweeper: %s", tenant_id, occurred_at, error)
    by_tenant: dict[uuid.UUID, list[str]] = {}
    for tenant_id, event_id in events:
        by_tenant.setdefault(tenant_id, []).append(str(event_id))
    for tenant_id, ids in by_tenant.items():
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            try:
                if len(chunk) == 1:
                    queue.enqueue(deliver_event, str(tenant_id), chunk[0])
                else:
                    queue.enqueue(deliver_events, str(tenant_id), chunk)
            except RedisError as error:
                log.warning("%d events of tenant %s left for the sweeper: %s", len(chunk), tenant_id, error)


@job
def deliver_emitted(tenant_id: str, occurred_at: str) -> int:
    """Hand over, ``BATCH`` at a time, the undelivered events of one bulk statement (one
    ``occurred_at``), read as a stream: a million of them never sit in memory at once."""
    stamp = dt.datetime.fromisoformat(occurred_at)
    handed = 0
    with tenant_context(uuid.UUID(tenant_id)):
        ids = db.session.execute(
            sa.select(OutboxEvent.id).where(OutboxEvent.occurred_at == stamp, OutboxEvent.delivered_at.is_(None))
            .execution_options(yield_per=BATCH))
        for batch in ids.scalars().partitions():
            current_queue().enqueue(deliver_events, tenant_id, [str(event_id) for event_id in batch], queue="low")
            handed += len(batch)
        db.session.rollback()
    return handed


@job
def deliver_event(tenant_id: str, event_id: str) -> None:
    """Give the event to each module the tenant has enabled that handles events and to each webhook
    endpoint that wants it; mark it delivered."""
    deliver_events(tenant_id, [event_id])


@job
def deliver_events(tenant_id: str, event_ids: list[str]) -> None:
    """:func:`deliver_event` for many events of one tenant, in one transaction."""
    tenant_uuid = uuid.UUID(tenant_id)
    with tenant_context(tenant_uuid):
        rows = db.session.scalars(sa.select(OutboxEvent).where(  # gone: rolled back in a savepoint, or the tenant
            OutboxEvent.id.in_([uuid.UUID(i) for i in event_ids])).order_by(OutboxEvent.occurred_at)).all()
        if not rows:
            return
        tenant = db.session.get(Tenant, tenant_uuid)
        handlers = {impl.plugin_name for impl in installed().pm.hook.saas_handle_event.get_hookimpls()}
        modules = sorted(handlers & enabled_modules(tenant))
        wanted = outbound.fan_out(rows)
        for row in rows:
            for module in modules:
                current_queue().enqueue(handle_event, tenant_id, str(row.id), module)
            if row.delivered_at is None:
                row.delivered_at = utcnow()
        db.session.commit()
    outbound.hand_over(tenant_uuid, wanted)


@job
def handle_event(tenant_id: str, event_id: str, module: str) -> None:
    """Run one module's ``saas_handle_event``, once per event: the handler's writes and the record
    that it ran commit together, so a second delivery finds the record (or fails on it) and
    changes nothing. A failure is retried by rq; in-process, the event is marked undelivered
    again, so the next event sweep delivers it once more (to the modules that have not handled it)."""
    tenant_uuid, event_uuid = uuid.UUID(tenant_id), uuid.UUID(event_id)
    plugins = installed()
    with tenant_context(tenant_uuid):
        tenant = db.session.get(Tenant, tenant_uuid)
        row = db.session.get(OutboxEvent, (tenant_uuid, event_uuid))
        if tenant is None or row is None or module not in enabled_modules(tenant) or module not in plugins.modules:
            return
        if db.session.get(HandledEvent, (tenant_uuid, event_uuid, module)) is not None:
            return
        try:
            plugins.call_module(module, "saas_handle_event", tenant, event=Event.of(row))
            db.session.add(HandledEvent(event_id=event_uuid, module=module))
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            if db.session.get(HandledEvent, (tenant_uuid, event_uuid, module)) is not None:
                return  # a twin of this job handled it meanwhile: nothing went wrong
            plugins.record_error(tenant_uuid, module, "saas_handle_event", error)
            if not current_queue().retries:  # in-process: the event sweep will hand it over again
                row.delivered_at = None
                db.session.commit()
            raise


@job
def sweep_events(grace_seconds: float = SWEEP_GRACE.total_seconds()) -> int:
    """Hand over every event still undelivered after the grace period; returns how many."""
    handed = 0
    tenant_ids = list(db.session.scalars(db.select(Tenant.id)))
    db.session.rollback()
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            ids = [str(event_id) for event_id in undelivered(dt.timedelta(seconds=grace_seconds))]
            if ids:
                current_queue().enqueue(deliver_events, str(tenant_id), ids)
                handed += len(ids)
            db.session.commit()
    return handed


# -- schedules -----------------------------------------------------------------------------------

CORE_SCHEDULES = (
    Schedule("events.sweep", "* * * * *", sweep_events, "low"),
    Schedule("webhooks.sweep", "* * * * *", outbound.sweep_due, "webhooks"),
    Schedule("classification.recompute", "20 2 * * *", classification.recompute_all, "low"),
    Schedule("imports.remove_old_files", "40 3 * * *", imports.remove_old_files, "low"),
)
ONCE_KEY = "retain:schedule:{name}:{period}"


def schedules() -> list[Schedule]:
    return [*CORE_SCHEDULES, *installed().schedules()]


def schedule_named(name: str) -> Schedule:
    for schedule in schedules():
        if schedule.name == name:
            return schedule
    raise KeyError(name)


@job
def run_scheduled(name: str, period: str | None = None) -> bool:
    """Run schedule ``name`` for the period it was enqueued in, unless another scheduler's job did.

    rq's cron scheduler enqueues on every scheduler process that runs; a Redis ``SET NX`` on
    ``(name, period start)`` lets exactly one of those jobs do the work. The period is the one the
    job was enqueued in, however late a worker takes it. rq's cron does not retry, so if the work
    fails the mark is removed and a retry of our own is queued for that period (``period``), which
    rq retries with backoff. Returns whether it ran.
    """
    schedule = schedule_named(name)
    queue = current_queue()
    if not isinstance(queue, RqQueue):
        schedule.func()
        return True
    first_try = period is None
    period = period or period_of(schedule, _enqueued_at()).isoformat()
    key = ONCE_KEY.format(name=name, period=period)
    if not queue.redis.set(key, "1", nx=True, ex=7 * 24 * 3600):
        return False
    try:
        schedule.func()
    except Exception:
        queue.redis.delete(key)
        if first_try:
            retry_at = utcnow() + dt.timedelta(seconds=queues.RETRY.intervals[0])
            queue.enqueue_at(retry_at, run_scheduled, name, period, queue=schedule.queue)
        raise
    return True


def period_of(schedule: Schedule, at: dt.datetime) -> dt.datetime:
    """The start of the period ``at`` falls in (a time exactly on a boundary starts its period)."""
    return croniter(schedule.cron, at.astimezone() + dt.timedelta(milliseconds=1)).get_prev(dt.datetime)


def _enqueued_at() -> dt.datetime:
    current = get_current_job()
    at = current.enqueued_at if current is not None and current.enqueued_at else None
    if at is None:
        return dt.datetime.now(dt.timezone.utc)
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)


def cron_scheduler(queue: RqQueue) -> CronScheduler:
    """rq's cron scheduler with every schedule of the core and the installed modules."""
    scheduler = CronScheduler(connection=queue.redis)
    for schedule in schedules():
        scheduler.register(run_scheduled, schedule.queue, args=(schedule.name,), cron=schedule.cron,
                           name=schedule.name)
    return scheduler
