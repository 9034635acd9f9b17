"""Background jobs: rq on Redis in production, in-process after the request in the embedded default.

A job is a module-level function taking ids and JSON values (never ORM objects), decorated with
:func:`job`: it runs with the application's context and a clean session, and opens its own tenant
context. Queues: ``default``, ``webhooks``, ``low``. On rq a failed job is retried with backoff
and then kept in the failed-job registry (``flask jobs failed`` / ``flask jobs requeue``).

Events (:mod:`saas.core.events`) are delivered by the two jobs here: :func:`deliver_event` fans
an event out to the enabled modules, each of which handles it in a :func:`handle_event` job.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from contextvars import ContextVar
from typing import Callable

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from croniter import croniter
from rq import Queue, Retry
from rq.cron import CronScheduler

from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.events import Event, HandledEvent, OutboxEvent, undelivered
from saas.core.hooktypes import Schedule
from saas.core.modules import enabled_modules
from saas.core.plugins import installed, save_unsaved_errors
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow

log = logging.getLogger(__name__)

EXTENSION = "saas.jobs"
QUEUES = ("default", "webhooks", "low")
RETRY = Retry(max=5, interval=[5, 30, 120, 600, 3600])  # seconds between attempts
SWEEP_GRACE = dt.timedelta(seconds=60)


def job(func: Callable) -> Callable:
    """Run ``func`` as a job: with no session left over from before, and none left behind."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        db.session.remove()
        try:
            return func(*args, **kwargs)
        finally:
            save_unsaved_errors()
            db.session.remove()

    return run


class InProcessQueue:
    """The embedded default: jobs wait until the request (or CLI command) is over, then run here."""

    _pending: ContextVar[list | None] = ContextVar("saas_pending_jobs", default=None)

    def enqueue(self, func: Callable, *args, queue: str = "default") -> None:
        pending = self._pending.get()
        if pending is None:
            pending = []
            self._pending.set(pending)
        pending.append((func, args))

    def run_pending(self) -> None:
        """Run the waiting jobs, and those they enqueue, one at a time; failures are logged."""
        pending = self._pending.get()
        while pending:
            func, args = pending.pop(0)
            try:
                func(*args)
            except Exception:
                log.exception("job %s%r failed", func.__name__, args)


class RqQueue:
    """Production: rq queues on Redis."""

    def __init__(self, redis_url: str):
        self.redis = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)

    def queue(self, name: str = "default") -> Queue:
        return Queue(name, connection=self.redis)

    def enqueue(self, func: Callable, *args, queue: str = "default") -> None:
        self.queue(queue).enqueue(func, *args, retry=RETRY)

    def run_pending(self) -> None:
        """Nothing waits here: workers take the jobs."""


def queue_for(config: dict) -> InProcessQueue | RqQueue:
    return RqQueue(config["REDIS_URL"]) if config.get("REDIS_URL") else InProcessQueue()


def current_queue() -> InProcessQueue | RqQueue:
    return current_app.extensions[EXTENSION]


def after_commit(events: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """Hand just-committed events to the queue; if Redis is away, the sweeper will."""
    queue = current_queue()
    for tenant_id, event_id in events:
        try:
            queue.enqueue(deliver_event, str(tenant_id), str(event_id))
        except RedisError as error:
            log.warning("event %s left for the sweeper: %s", event_id, error)


@job
def deliver_event(tenant_id: str, event_id: str) -> None:
    """Give the event to each module the tenant has enabled that handles events; mark it delivered."""
    tenant_uuid, event_uuid = uuid.UUID(tenant_id), uuid.UUID(event_id)
    with tenant_context(tenant_uuid):
        row = db.session.get(OutboxEvent, (tenant_uuid, event_uuid))
        if row is None:  # its transaction rolled back a savepoint, or the tenant is gone
            return
        tenant = db.session.get(Tenant, tenant_uuid)
        handlers = {impl.plugin_name for impl in installed().pm.hook.saas_handle_event.get_hookimpls()}
        for module in sorted(handlers & enabled_modules(tenant)):
            current_queue().enqueue(handle_event, tenant_id, event_id, module)
        if row.delivered_at is None:
            row.delivered_at = utcnow()
        db.session.commit()


@job
def handle_event(tenant_id: str, event_id: str, module: str) -> None:
    """Run one module's ``saas_handle_event``, once per event: the handler's writes and the record
    that it ran commit together, so a second delivery finds the record (or fails on it) and
    changes nothing."""
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
            plugins.record_error(tenant_uuid, module, "saas_handle_event", error)
            raise  # rq retries it; in-process it is logged


@job
def sweep_events(grace_seconds: float = SWEEP_GRACE.total_seconds()) -> int:
    """Hand over every event still undelivered after the grace period; returns how many."""
    handed = 0
    tenant_ids = list(db.session.scalars(db.select(Tenant.id)))
    db.session.rollback()
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            for event_id in undelivered(dt.timedelta(seconds=grace_seconds)):
                current_queue().enqueue(deliver_event, str(tenant_id), str(event_id))
                handed += 1
            db.session.commit()
    return handed


# -- schedules -----------------------------------------------------------------------------------

CORE_SCHEDULES = (
    Schedule("events.sweep", "* * * * *", sweep_events, "low"),
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
def run_scheduled(name: str) -> bool:
    """Run schedule ``name`` for the period it is due in, unless another scheduler's job already did.

    rq's cron scheduler enqueues on every scheduler process that runs; a Redis ``SET NX`` on
    ``(name, period start)`` lets exactly one of those jobs do the work. Returns whether it ran.
    """
    schedule = schedule_named(name)
    period = croniter(schedule.cron, dt.datetime.now().astimezone()).get_prev(dt.datetime)  # rq's cron is local time
    queue = current_queue()
    if isinstance(queue, RqQueue):
        key = ONCE_KEY.format(name=name, period=period.isoformat())
        if not queue.redis.set(key, "1", nx=True, ex=7 * 24 * 3600):
            return False
    schedule.func()
    return True


def cron_scheduler(queue: RqQueue) -> CronScheduler:
    """rq's cron scheduler with every schedule of the core and the installed modules."""
    scheduler = CronScheduler(connection=queue.redis)
    for schedule in schedules():
        scheduler.register(run_scheduled, schedule.queue, args=(schedule.name,), cron=schedule.cron,
                           name=schedule.name)
    return scheduler
