"""An rq worker process for tests/test_events.py to kill in the middle of a job.

``python tests/killable_worker.py CONFIG_JSON SENTINEL {before-commit|after-commit}`` runs
``flask jobs worker --burst`` with a ``ledger`` module whose event handler writes a tag and then,
at the chosen moment, creates SENTINEL and waits to be killed. With ``rescue`` instead it runs
``flask jobs worker`` (not burst, as in production) whose handler only writes its tag, until it is
stopped. A fourth argument ``fast`` (for tests/test_fault_worker.py) gives the jobs this process
queues a time limit of ``FAST_TIMEOUT`` seconds and the grace after it one second, so that a job
abandoned here is retried within seconds instead of minutes.
"""

from __future__ import annotations

import json
import pathlib
import sys
import time

import sqlalchemy as sa
from rq import Queue, Retry

from saas import hookimpl
from saas.app import create_app
from saas.core import queues
from saas.core.customers import Tag
from saas.core.db import db
from saas.core.hooktypes import ModuleInfo


def wait_to_be_killed(sentinel: pathlib.Path) -> None:
    sentinel.touch()
    while True:
        time.sleep(1)


class StallingLedger:
    def __init__(self, sentinel: pathlib.Path, moment: str):
        self.sentinel = sentinel
        self.moment = moment
        self.committing = False
        if moment == "after-commit":
            sa.event.listen(sa.orm.Session, "after_commit", self.after_commit)

    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="ledger", title="Ledger")

    @hookimpl
    def saas_handle_event(self, tenant, event):
        db.session.add(Tag(name=f"ev-{event.id.hex[-12:]}"))
        db.session.flush()  # the write has reached the database
        if self.moment == "before-commit":
            wait_to_be_killed(self.sentinel)
        self.committing = True

    def after_commit(self, session):
        if self.committing:  # the handler's writes and the record that it ran are committed
            wait_to_be_killed(self.sentinel)


FAST_TIMEOUT = 5


def main(config_json: str, sentinel: str, moment: str, speed: str = "") -> None:
    queues.RETRY = Retry(max=3, interval=1)  # an abandoned job is retried a second later
    if speed == "fast":
        Queue.DEFAULT_TIMEOUT = FAST_TIMEOUT
        queues.ABANDONED_GRACE = 1
    app = create_app(json.loads(config_json), plugins=[("ledger", StallingLedger(pathlib.Path(sentinel), moment))])
    if moment == "rescue":
        with app.app_context():
            app.cli.main(args=["jobs", "worker"], standalone_mode=False)
        print("flask jobs worker stopped", flush=True)
        return
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    sys.exit(f"the worker stopped by itself: {result.output}")


if __name__ == "__main__":
    main(*sys.argv[1:])
