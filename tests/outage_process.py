"""``flask jobs worker`` or ``flask jobs scheduler`` in a process of its own, for
tests/test_redis_outage.py to take Redis away from.

``python tests/outage_process.py CONFIG_JSON FOLDER {worker|scheduler}`` runs the command with a
``pulse`` module whose schedule ``pulse.beat`` fires every second and counts its runs in Redis
(``pulse:beats``). While FOLDER/hold exists a beat creates FOLDER/holding and keeps its job
running until Redis stops answering: the job then ends during the outage, where rq's worker
quit before ("found an unhandled exception, quitting...").
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
from saas.core.queues import current_queue

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


class Pulse:
    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="pulse", title="Pulse")

    @hookimpl
    def saas_schedules(self):
        return [Schedule("pulse.beat", "* * * * * *", beat, "default")]  # croniter's sixth field: seconds


def main(config_json: str, folder: str, command: str) -> None:
    app = create_app(json.loads(config_json), plugins=[("pulse", Pulse())])
    with app.app_context():
        app.cli.main(args=["jobs", command], standalone_mode=False)
    print(f"flask jobs {command} stopped", flush=True)  # asked to: SIGTERM


if __name__ == "__main__":
    main(*sys.argv[1:])
