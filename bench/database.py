"""The benchmark database: roles, create/drop, migrations; the same approach as the test suite.

Three roles: the owner (runs migrations and the bulk load), the app role (owns nothing, no
BYPASSRLS: Retain serves as it, so row-level security binds it) and a reader with BYPASSRLS for
the bare endpoint, which has no tenancy machinery and filters by ``tenant_id`` by hand.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Iterator

import sqlalchemy as sa

ADMIN_URL = os.environ.get("RETAIN_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = "retain_bench"
OWNER, APP, READER = "retain_bench_owner", "retain_bench_app", "retain_bench_reader"
ROLES = {OWNER: "", APP: " NOSUPERUSER NOBYPASSRLS", READER: " NOSUPERUSER BYPASSRLS"}


@dataclass(frozen=True)
class Database:
    admin_url: str
    name: str

    def url(self, role: str) -> str:
        """SQLAlchemy URL for ``role`` on the benchmark database."""
        parsed = sa.engine.make_url(self.admin_url).set(database=self.name, username=role, password=None)
        return parsed.render_as_string(hide_password=False)

    def dsn(self, role: str) -> str:
        """libpq URL (for psycopg) for ``role`` on the benchmark database."""
        parsed = sa.engine.make_url(self.url(role)).set(drivername="postgresql")
        return parsed.render_as_string(hide_password=False)


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def exists(admin_url: str = ADMIN_URL, name: str = NAME) -> bool:
    engine = _admin(admin_url)
    try:
        with engine.connect() as conn:
            return bool(conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))
    finally:
        engine.dispose()


def recreate(admin_url: str = ADMIN_URL, name: str = NAME) -> Database:
    """Drop and create the database and make sure the roles exist."""
    engine = _admin(admin_url)
    try:
        with engine.connect() as conn:
            for role, extra in ROLES.items():
                if not conn.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
                    conn.execute(sa.text(f"CREATE ROLE {role} LOGIN{extra}"))
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}" OWNER {OWNER}'))
    finally:
        engine.dispose()
    database = Database(admin_url, name)
    owner = sa.create_engine(database.url(OWNER))
    try:
        with owner.begin() as conn:
            for role, privileges in ((APP, "SELECT, INSERT, UPDATE, DELETE"), (READER, "SELECT")):
                conn.execute(sa.text(
                    f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA public GRANT {privileges} ON TABLES TO {role}"
                ))
    finally:
        owner.dispose()
    return database


def drop(admin_url: str, name: str) -> None:
    engine = _admin(admin_url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


@contextlib.contextmanager
def scratch(admin_url: str, name: str, smoke: bool) -> Iterator[str]:
    """The name of the database to use: ``name``, or for a smoke run (:mod:`bench.smoke`) a name of
    this process's own, whose database is dropped when the block ends, however it ends."""
    if not smoke:
        yield name
        return
    own = f"{name}_smoke_{os.getpid()}"
    try:
        yield own
    finally:
        drop(admin_url, own)


def mark_loaded(database: Database, description: str) -> None:
    """Record on the database itself that the load finished (read back by :func:`loaded`)."""
    engine = sa.create_engine(database.url(OWNER))
    try:
        with engine.begin() as conn:
            quoted = description.replace("'", "''")
            conn.exec_driver_sql(f"COMMENT ON DATABASE \"{database.name}\" IS 'retain-bench: {quoted}'")
    finally:
        engine.dispose()


def loaded(database: Database) -> str | None:
    """The description of a finished load, or None when the database was never fully loaded."""
    engine = sa.create_engine(database.url(OWNER))
    try:
        with engine.connect() as conn:
            comment = conn.scalar(sa.text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"
            ), {"n": database.name})
    finally:
        engine.dispose()
    prefix = "retain-bench: "
    return comment[len(prefix):] if comment and comment.startswith(prefix) else None


def server_version(database: Database) -> str:
    engine = sa.create_engine(database.url(OWNER))
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SHOW server_version"))
    finally:
        engine.dispose()


def backend_pids(database: Database) -> list[int]:
    """The server processes serving connections to the benchmark database."""
    engine = _admin(database.admin_url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ), {"n": database.name}))
    finally:
        engine.dispose()
