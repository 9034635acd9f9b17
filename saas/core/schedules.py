"""Periodic work: the core's and the modules' schedules, run once per period however many
schedulers there are (rq's cron scheduler in production; ``flask jobs run-schedules`` in-process).
"""

from __future__ import annotations

import datetime as dt

from croniter import croniter
from flask import current_app
from rq import get_current_job
from rq.cron import CronScheduler

from saas.core import queues
from saas.core.hooktypes import Schedule
from saas.core.plugins import installed
from saas.core.queues import RqQueue, current_queue, job
from saas.core.types import utcnow

CORE = "saas.core_schedules"
ONCE_KEY = "retain:schedule:{name}:{period}"


def init_app(app, core: tuple[Schedule, ...]) -> None:
    """The core's periodic work, which each feature declares and the application gathers."""
    app.extensions[CORE] = tuple(core)


def schedules() -> list[Schedule]:
    """The core's schedules, then each installed module's."""
    return [*current_app.extensions[CORE], *installed().schedules()]


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
