"""``flask jobs worker`` or ``flask jobs scheduler`` in a process of its own, for
tests/test_redis_outage.py to take Redis away from.

``python tests/outage_process.py CONFIG_JSON FOLDER {worker|scheduler}`` runs the command with a
``pulse`` module whose schedule ``pulse.beat`` fires every second and counts its runs in Redis
(``pulse:beats``). While FOLDER/hold exists a beat creates FOLDER/holding and keeps its job
running until Redis stops answering: the job then ends during the outage, where rq's worker
quit before ("found an unhandled exception, quitting...").

A fourth argument ``fast-sweep`` adds ``pulse.sweep``, every second: the core's ``events.sweep``
(with a second's grace) and ``webhooks.sweep``, which production runs every minute (the first
with a minute's grace), so that what an outage left behind is handed over within seconds.
"""

from __future__ import annotations

import json
import pathlib
import sys
import time

from redis.exceptions import RedisError

from saas import hookimpl
from saas.app import create_app
from saas.core.hooktypes import ModuleInfo, Schedule
from saas.core import delivery
from saas.core.queues import current_queue
from saas.core.webhooks import outbound

FOLDER = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else pathlib.Path(".")
BEATS = "pulse:beats"


def beat() -> None:
    redis = current_queue().redis
    redis.incr(BEATS)
    if not (FOLDER / "hold").exists():
        return
    (FOLDER / "holding").touch()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # until the test has stopped Redis
        try:
            redis.ping()
        except RedisError:
            return
        time.sleep(0.05)


def sweep() -> None:
    delivery.sweep_events(1)
    outbound.sweep_due()


class Pulse:
    def __init__(self, fast_sweep: bool = False):
        self.fast_sweep = fast_sweep

    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="pulse", title="Pulse")

    @hookimpl
    def saas_schedules(self):
        every_second = "* * * * * *"  # croniter's sixth field: seconds
        return [Schedule("pulse.beat", every_second, beat, "default"),
                *([Schedule("pulse.sweep", every_second, sweep, "low")] if self.fast_sweep else [])]


def main(config_json: str, folder: str, command: str, option: str = "") -> None:
    app = create_app(json.loads(config_json), plugins=[("pulse", Pulse(fast_sweep=option == "fast-sweep"))])
    with app.app_context():
        app.cli.main(args=["jobs", command], standalone_mode=False)
    print(f"flask jobs {command} stopped", flush=True)  # asked to: SIGTERM


if __name__ == "__main__":
    main(*sys.argv[1:])
