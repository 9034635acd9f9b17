"""Background processes that ride out a Redis outage: ``flask jobs worker`` and ``flask jobs
scheduler`` wait for Redis when they start without it, and when they lose it they start over
once it answers again, with exponential backoff, instead of exiting.

Why not rely on rq: its worker retries a lost connection only while it waits for a job; the
heartbeat after a job, and its own tear-down, raise outside that loop, and it then quits
("found an unhandled exception, quitting..."). rq's cron scheduler has no retry at all: its first
tick during an outage ends it. So each run is a fresh rq worker (or scheduler) inside
:func:`keep_running`, and only a stop that was asked for (SIGTERM, SIGINT, ``--burst`` done)
ends the process.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from typing import Callable

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq.exceptions import StopRequested

log = logging.getLogger(__name__)

LOST = (RedisConnectionError, RedisTimeoutError)
FIRST_DELAY = 0.5  # seconds before the first retry; doubled each time, up to MAX_DELAY
MAX_DELAY = 15.0
HEALTHY_AFTER = 60.0  # a run this long before it failed starts the backoff over


class LostRedis(Exception):
    """A run ended without being asked to: start it again once Redis answers."""


def delay(failures: int) -> float:
    """Seconds to wait after ``failures`` failures in a row: exponential, capped, with jitter so
    that many processes do not all knock at once when Redis comes back."""
    return min(MAX_DELAY, FIRST_DELAY * 2 ** failures) * random.uniform(0.8, 1.0)


def keep_running(redis: Redis, run: Callable[[], object], *, what: str,
                 sleep: Callable[[float], None] = time.sleep) -> object:
    """Call ``run`` once Redis answers, and again whenever it raises a lost connection (or
    :class:`LostRedis`); return what it returns when it ends normally. A SIGTERM or SIGINT while
    waiting ends the wait and returns None."""
    saved = _handlers()
    try:
        return _keep_running(redis, run, what, sleep)
    finally:  # the process's own signal handlers again, not rq's nor ours
        for signum, handler in saved.items():
            if handler is not None:  # None: not installed from Python, nothing to put back
                signal.signal(signum, handler)


def _keep_running(redis: Redis, run: Callable[[], object], what: str, sleep: Callable[[float], None]) -> object:
    failures = 0
    while True:
        started = time.monotonic()
        try:
            redis.ping()
            if failures:
                log.warning("%s: Redis answers again; starting over", what)
            return run()
        except StopRequested:
            return None
        except (LostRedis, *LOST) as error:
            if time.monotonic() - started >= HEALTHY_AFTER:
                failures = 0
            wait = delay(failures)
            failures += 1
            if isinstance(error, LostRedis):
                log.warning("%s: %s; starting again in %.1f s", what, error, wait)
            else:
                log.warning("%s: Redis is unreachable (%s); trying again in %.1f s", what,
                            error or type(error).__name__, wait)
        if not _wait(sleep, wait):
            return None


def _handlers() -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}


def _wait(sleep: Callable[[float], None], seconds: float) -> bool:
    """Sleep, ending early (False) on SIGTERM or SIGINT: the handlers rq installed belong to the
    worker or scheduler that just died and would talk to Redis."""
    for signum in _handlers():
        signal.signal(signum, _request_stop)
    try:
        sleep(seconds)
    except (StopRequested, KeyboardInterrupt):
        return False
    return True


def _request_stop(signum, frame):
    raise StopRequested()
