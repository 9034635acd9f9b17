"""An rq worker process for tests/test_tenant_deletion.py to kill in the middle of a deletion.

``python tests/killable_eraser.py CONFIG_JSON SENTINEL COMMITS`` runs ``flask jobs worker --burst``
with the deletion's batches cut to two rows; after COMMITS commits of the job it creates SENTINEL
and waits to be killed.
"""

from __future__ import annotations

import json
import pathlib
import sys
import time

import sqlalchemy as sa

from saas.app import create_app
from tenants import deletion


def main(config_json: str, sentinel: str, commits: str) -> None:
    deletion.BATCH_ROWS = 2
    done = []

    def after_commit(session) -> None:
        done.append(1)
        if len(done) == int(commits):
            pathlib.Path(sentinel).touch()
            while True:  # until SIGKILL: no clean-up of any kind
                time.sleep(1)

    app = create_app(json.loads(config_json))
    sa.event.listen(sa.orm.Session, "after_commit", after_commit)
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    sys.exit(f"the worker stopped by itself: {result.output}")


if __name__ == "__main__":
    main(*sys.argv[1:])
