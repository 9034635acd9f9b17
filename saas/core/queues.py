"""Where jobs run: rq queues on Redis in production, in-process after the request in the
embedded default. A job is a module-level function decorated with :func:`job`, taking ids and
JSON values (never ORM objects); it runs with the application's context and a clean session,
and opens its own tenant context. On rq a failed job is retried with backoff and then kept in
the failed-job registry (``flask jobs failed`` / ``flask jobs requeue``).

:func:`after_commit` is the one hand-over of work that must wait for a transaction's commit:
events to their delivery, jobs that must see what the transaction wrote, webhooks to their
senders.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from contextvars import ContextVar
from typing import Callable

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker, get_current_job
from rq.job import Job
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from saas.core import metrics, reconnect
from saas.core.db import db

log = logging.getLogger(__name__)

EXTENSION = "saas.jobs"
QUEUES = ("default", "webhooks", "low")
RETRY = Retry(max=5, interval=[5, 30, 120, 600, 3600])  # seconds between attempts
ONCE_KEY = "retain:enqueued:{key}"
ONCE_TTL = 600  # a job waiting longer than this may get a twin, which finds nothing to do
# A job whose worker died (SIGKILL, out of memory, the machine lost) stays "started" until its run's
# time limit plus this grace has passed; the next maintenance pass of any worker then retries it.
ABANDONED_GRACE = 60  # seconds (rq's own)
MAINTENANCE_SECONDS = 60  # how often a worker looks for such jobs (rq's default: every 10 minutes)


def job(func: Callable) -> Callable:
    """Run ``func`` as a job: with no session left over from before, and none left behind. Once it
    is over, failed or not, the callbacks the application gave :func:`init_app` run (the plugin
    host's saves the errors modules raised)."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        outermost = not _running.get()  # a job that calls another is counted once
        token = _running.set(True)
        started, succeeded = time.perf_counter(), False
        db.session.remove()
        try:
            result = func(*args, **kwargs)
            succeeded = True
            return result
        finally:
            for callback in current_queue().after_each_job:
                callback()
            db.session.remove()
            _running.reset(token)
            if outermost:
                metrics.observe_job(_queue_name(), func.__name__, succeeded, time.perf_counter() - started)

    return run


_running: ContextVar[bool] = ContextVar("saas_job_running", default=False)
_inline_queue: ContextVar[str] = ContextVar("saas_inline_queue", default="inline")


def _queue_name() -> str:
    """The queue of the running job: rq's, the in-process queue's it was given, or ``inline`` for
    a job called directly (a CLI command, the scheduler in-process)."""
    current = get_current_job()
    return current.origin if current is not None else _inline_queue.get()


class InProcessQueue:
    """The embedded default: jobs wait until the request (or CLI command) is over, then run here."""

    _pending: ContextVar[list | None] = ContextVar("saas_pending_jobs", default=None)
    retries = False  # a failed job is logged, not run again: work that must happen keeps its own trace
    after_each_job: tuple[Callable[[], None], ...] = ()

    def enqueue(self, func: Callable, *args, queue: str = "default", timeout: int | None = None,
                job_id: str | None = None) -> None:
        pending = self._pending.get()
        if pending is None:
            pending = []
            self._pending.set(pending)
        pending.append((func, args, queue))

    def enqueue_once(self, key: str, func: Callable, *args, queue: str = "default", timeout: int | None = None) -> None:
        """:meth:`enqueue`, unless the same call already waits."""
        pending = self._pending.get() or []
        if not any(waiting[:2] == (func, args) for waiting in pending):
            self.enqueue(func, *args, queue=queue)

    def started(self, key: str) -> None:
        """Nothing to release: see :meth:`RqQueue.started`."""

    def holds(self, job_id: str) -> bool:
        """Nothing waits here once its request is over: see :meth:`RqQueue.holds`."""
        return False

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
            func, args, queue = pending.pop(0)
            token = _inline_queue.set(queue)
            try:
                func(*args)
            except Exception:
                log.exception("job %s%r failed", func.__name__, args)
            finally:
                _inline_queue.reset(token)


class RqQueue:
    """Production: rq queues on Redis."""

    retries = True  # a failed job runs again with backoff (RETRY), then waits in the failed registry
    after_each_job: tuple[Callable[[], None], ...] = ()

    def __init__(self, redis_url: str, maintenance_seconds: int = MAINTENANCE_SECONDS):
        self.redis = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        self.maintenance_seconds = maintenance_seconds

    def queue(self, name: str = "default") -> Queue:
        return Queue(name, connection=self.redis)

    def enqueue(self, func: Callable, *args, queue: str = "default", timeout: int | None = None,
                job_id: str | None = None) -> None:
        """``timeout``: seconds before rq stops the job (rq's default, 180, if None); ``job_id``: an id
        of the caller's, for :meth:`holds` to find (rq's own, new, if None)."""
        self.queue(queue).enqueue(func, *args, retry=RETRY, job_timeout=timeout, job_id=job_id)

    def holds(self, job_id: str) -> bool:
        """Whether rq knows the job ``job_id``: waiting, running, retrying, failed, or finished a
        little while ago. False when it never got it or lost it (a Redis restarted empty)."""
        return Job.exists(job_id, connection=self.redis)

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

    def depths(self) -> dict[tuple[str, str], int]:
        """How many jobs each queue holds, by state: ``queued`` (waiting for a worker), ``started``,
        ``scheduled`` (a retry's backoff or delayed work) and ``failed`` (the failed-job registry).
        One round trip; the registries are not cleaned up first, as rq's ``count`` would."""
        states = []
        pipe = self.redis.pipeline(transaction=False)
        for name in QUEUES:
            queue = self.queue(name)
            pipe.llen(queue.key)
            states.append((name, "queued"))
            for state, registry in (("started", queue.started_job_registry),
                                    ("scheduled", queue.scheduled_job_registry),
                                    ("failed", queue.failed_job_registry)):
                pipe.zcard(registry.key)
                states.append((name, state))
        return dict(zip(states, pipe.execute()))

    def work(self, names: tuple[str, ...] = QUEUES, *, burst: bool = False) -> None:
        """Be a worker: take jobs from the queues ``names`` (all of them until empty with ``burst``).

        A ``SimpleWorker``: jobs run in this process and share its database pool instead of
        inheriting forked connections. It also runs rq's scheduler, which moves jobs that wait
        for a later time (retries with backoff, delayed work) to their queues when they are due;
        with several workers, one of them does that at a time. Without ``burst`` it rides out a
        Redis outage (:mod:`saas.core.reconnect`): it stops only when asked to.

        Every ``maintenance_seconds`` (``JOBS_MAINTENANCE_SECONDS``) it also retries the jobs of
        workers that died mid-job (rq's clean-up of its registry of started jobs): an idle worker
        wakes up for it, as its wait for a job is no longer than that.
        """

        def run() -> None:
            # log_job_description off: rq would log each job's arguments (a mail's body, a reset link).
            worker = _Worker([self.queue(name) for name in names], connection=self.redis, log_job_description=False,
                             maintenance_interval=self.maintenance_seconds,
                             worker_ttl=self.maintenance_seconds + 15)  # rq waits for a job worker_ttl - 15 s
            worker.work(burst=burst, with_scheduler=True)
            if not (burst or worker.stop_asked):
                raise reconnect.LostRedis("rq's worker quit without being asked")

        if burst:
            run()
        else:
            reconnect.keep_running(self.redis, run, what="worker")


class _Worker(SimpleWorker):
    """rq's ``SimpleWorker``, which knows whether it was asked to stop, and whose tear-down after a
    lost connection leaves nothing behind (its command channel's thread would retry forever)."""

    stop_asked = False

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        """How long the job counts as running without word from this worker: its time limit and
        :data:`ABANDONED_GRACE` (a job without a limit, rq's default worker TTL)."""
        if job.timeout == -1:
            return super().get_heartbeat_ttl(job, working_time)
        return int(job.timeout or Queue.DEFAULT_TIMEOUT) + ABANDONED_GRACE

    def request_stop(self, signum, frame):
        self.stop_asked = True
        super().request_stop(signum, frame)

    def unsubscribe(self):
        """rq's, without its wait of up to a minute at every stop (each burst run). Since redis-py 8
        the command channel's thread's ``stop()`` waits for the thread, and rq asks it to stop only
        after unsubscribing: when the thread has read the answer first, it sleeps in its next read
        (up to rq's 60 s) for a subscription that never comes. Stopped first, the answer ends it."""
        thread = getattr(self, "pubsub_thread", None)
        if not thread:
            return
        self.log.info("Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name)
        _stop_soon(thread)
        self.pubsub.unsubscribe()
        thread.join(timeout=1)
        self.pubsub.close()

    def teardown(self):
        if self.is_horse:
            return
        if self.scheduler:
            self.stop_scheduler()
        for step in (self.register_death, self.unsubscribe):
            try:
                step()
            except reconnect.LOST as error:
                log.warning("worker %s: %s during tear-down: %s", self.name, step.__name__, error)
        if getattr(self, "pubsub_thread", None) is not None and self.pubsub_thread.is_alive():
            _stop_soon(self.pubsub_thread)


def _stop_soon(thread) -> None:
    """Ask redis-py's pub/sub thread to stop, without waiting for it (redis-py 8's ``stop()``
    waits unless given a timeout; earlier ones take none and never wait)."""
    try:
        thread.stop(timeout=0)
    except TypeError:
        thread.stop()


def queue_for(config: dict) -> InProcessQueue | RqQueue:
    if not config.get("REDIS_URL"):
        return InProcessQueue()
    return RqQueue(config["REDIS_URL"], int(config.get("JOBS_MAINTENANCE_SECONDS") or MAINTENANCE_SECONDS))


def init_app(app, *, after_each_job: tuple[Callable[[], None], ...] = ()) -> InProcessQueue | RqQueue:
    """Give ``app`` its queue (rq with ``REDIS_URL``, in-process without); ``after_each_job`` run
    after every job, so that the core need not know who must clean up after one."""
    queue = queue_for(app.config)
    queue.after_each_job = tuple(after_each_job)
    app.extensions[EXTENSION] = queue
    return queue


def current_queue() -> InProcessQueue | RqQueue:
    return current_app.extensions[EXTENSION]


# -- after commit ----------------------------------------------------------------------------
# Work that must see what a transaction wrote (a job a worker could otherwise run first, events
# handed to their delivery) waits for the commit, and is forgotten if the transaction rolls back.

_AFTER_COMMIT = "retain.after_commit"


def after_commit(hand_over: Callable[[list], None], *items) -> None:
    """Once the current transaction commits, call ``hand_over`` with every item given to it in
    that transaction, in order: one call per transaction, however many items (a commit of an
    import's thousand events is one hand-over). Nothing is called if the transaction rolls back."""
    db.session.info.setdefault(_AFTER_COMMIT, {}).setdefault(hand_over, []).extend(items)


def enqueue_after_commit(func: Callable, *args, **options) -> None:
    """:meth:`enqueue` once the current transaction commits, for a job that must see what this
    transaction writes (a worker could otherwise run it first); forgotten if it rolls back."""
    after_commit(_enqueue_all, (func, args, options))


def _enqueue_all(jobs: list[tuple[Callable, tuple, dict]]) -> None:
    for func, args, options in jobs:
        try:
            current_queue().enqueue(func, *args, **options)
        except RedisError as error:
            log.warning("job %s%r not queued: %s", func.__name__, args, error)


@sa_event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    for hand_over, items in session.info.pop(_AFTER_COMMIT, {}).items():
        hand_over(items)


@sa_event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if not session.in_transaction():  # the whole transaction, not a savepoint, was rolled back
        session.info.pop(_AFTER_COMMIT, None)
