"""Where jobs run: rq queues on Redis in production, in-process after the request in the
embedded default. A job is a module-level function decorated with :func:`job`, taking ids and
JSON values (never ORM objects); it runs with the application's context and a clean session,
and opens its own tenant context. On rq a failed job is retried with backoff and then kept in
the failed-job registry (``flask jobs failed`` / ``flask jobs requeue``).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from contextvars import ContextVar
from typing import Callable

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session
from rq import Queue, Retry, SimpleWorker, get_current_job

from saas.core.db import db
from saas.core.plugins import save_unsaved_errors

log = logging.getLogger(__name__)

EXTENSION = "saas.jobs"
QUEUES = ("default", "webhooks", "low")
RETRY = Retry(max=5, interval=[5, 30, 120, 600, 3600])  # seconds between attempts
ONCE_KEY = "retain:enqueued:{key}"
ONCE_TTL = 600  # a job waiting longer than this may get a twin, which finds nothing to do


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
    retries = False  # a failed job is logged, not run again: work that must happen keeps its own trace

    def enqueue(self, func: Callable, *args, queue: str = "default", timeout: int | None = None) -> None:
        pending = self._pending.get()
        if pending is None:
            pending = []
            self._pending.set(pending)
        pending.append((func, args))

    def enqueue_once(self, key: str, func: Callable, *args, queue: str = "default", timeout: int | None = None) -> None:
        """:meth:`enqueue`, unless the same call already waits."""
        pending = self._pending.get() or []
        if (func, args) not in pending:
            self.enqueue(func, *args, queue=queue)

    def started(self, key: str) -> None:
        """Nothing to release: see :meth:`RqQueue.started`."""

    def final_attempt(self) -> bool:
        """A failed job is not run again here."""
        return True

    def enqueue_at(self, when: dt.datetime, func: Callable, *args, queue: str = "default", key: str = "",
                   timeout: int | None = None) -> None:
        """Nothing to wait with here: work that is due later is found by a periodic sweep."""

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

    retries = True  # a failed job runs again with backoff (RETRY), then waits in the failed registry

    def __init__(self, redis_url: str):
        self.redis = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)

    def queue(self, name: str = "default") -> Queue:
        return Queue(name, connection=self.redis)

    def enqueue(self, func: Callable, *args, queue: str = "default", timeout: int | None = None) -> None:
        """``timeout``: seconds before rq stops the job (rq's default, 180, if None)."""
        self.queue(queue).enqueue(func, *args, retry=RETRY, job_timeout=timeout)

    def enqueue_once(self, key: str, func: Callable, *args, queue: str = "default", timeout: int | None = None) -> None:
        """:meth:`enqueue`, unless a job enqueued under ``key`` waits and has not :meth:`started`
        (a busy flow of events makes one waiting job, not one each)."""
        if self.redis.set(ONCE_KEY.format(key=key), "1", nx=True, ex=ONCE_TTL):
            self.enqueue(func, *args, queue=queue, timeout=timeout)

    def started(self, key: str) -> None:
        """Called by a job enqueued with :meth:`enqueue_once` as it starts: later work needs a new job."""
        self.redis.delete(ONCE_KEY.format(key=key))

    def final_attempt(self) -> bool:
        """Whether the running job, if it fails now, will not be run again (its retries are spent)."""
        current = get_current_job()
        return current is None or not current.retries_left

    def enqueue_at(self, when: dt.datetime, func: Callable, *args, queue: str = "default", key: str = "",
                   timeout: int | None = None) -> None:
        """Run ``func`` at ``when`` (the workers' scheduler moves it to its queue then); one job
        per ``key`` and time."""
        job_id = f"{key}-{int(when.timestamp())}" if key else None
        self.queue(queue).enqueue_at(when, func, *args, retry=RETRY, job_id=job_id, job_timeout=timeout)

    def run_pending(self) -> None:
        """Nothing waits here: workers take the jobs."""

    def work(self, names: tuple[str, ...] = QUEUES, *, burst: bool = False) -> None:
        """Be a worker: take jobs from the queues ``names`` (all of them until empty with ``burst``).

        A ``SimpleWorker``: jobs run in this process and share its database pool instead of
        inheriting forked connections. It also runs rq's scheduler, which moves jobs that wait
        for a later time (retries with backoff, delayed work) to their queues when they are due;
        with several workers, one of them does that at a time.
        """
        SimpleWorker([self.queue(name) for name in names], connection=self.redis).work(burst=burst,
                                                                                      with_scheduler=True)


def queue_for(config: dict) -> InProcessQueue | RqQueue:
    return RqQueue(config["REDIS_URL"]) if config.get("REDIS_URL") else InProcessQueue()


def current_queue() -> InProcessQueue | RqQueue:
    return current_app.extensions[EXTENSION]


def enqueue_after_commit(func: Callable, *args, **options) -> None:
    """:meth:`enqueue` once the current transaction commits, for a job that must see what this
    transaction writes (a worker could otherwise run it first); forgotten if it rolls back."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append((func, args, options))


_AFTER_COMMIT = "retain.jobs_after_commit"


@sa_event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    for func, args, options in session.info.pop(_AFTER_COMMIT, []):
        try:
            current_queue().enqueue(func, *args, **options)
        except RedisError as error:
            log.warning("job %s%r not queued: %s", func.__name__, args, error)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget_jobs(session: Session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_AFTER_COMMIT, None)
