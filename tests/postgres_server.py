"""A PostgreSQL cluster of a test's own, which it may stop and start without touching the
server the rest of the suite (and the other engineers) use: ``initdb`` into a folder of its own,
a private port on loopback and a private socket folder, trust authentication, no fsync.

PostgreSQL refuses to run as root: when the tests run as root the cluster belongs to the
``postgres`` account (``runuser``), in a folder outside pytest's (which only root may enter).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import free_port

BIN = Path(os.environ.get("RETAIN_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


class Unavailable(RuntimeError):
    """No PostgreSQL binaries here, or no account to run them as."""


class PostgresServer:
    def __init__(self):
        if not (BIN / "initdb").exists():
            raise Unavailable(f"no initdb in {BIN} (set RETAIN_TEST_PG_BIN)")
        self.as_user: list[str] = []
        owner = None
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root, and there is no postgres account to run PostgreSQL as") from None
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.folder = Path(tempfile.mkdtemp(prefix="retain-fault-pg-"))
        self.folder.chmod(0o755)
        if owner is not None:
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.data, self.log = self.folder / "data", self.folder / "server.log"
        self.port = free_port()
        self._run(BIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync",
                  "--no-instructions")

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command) -> None:
        result = subprocess.run([*self.as_user, *map(str, command)], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stderr or result.stdout}")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._run(BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "30", "start")

    def stop(self) -> None:
        """A fast shutdown, as a restart by an operator or an orchestrator does: open transactions
        are rolled back and their connections closed."""
        self._run(BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "30", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self.as_user, str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)
