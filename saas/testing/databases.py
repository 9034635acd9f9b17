"""Databases for a test run: a SQLite file, or a PostgreSQL database of the run's own.

On PostgreSQL the run makes its own database, owned by one role that runs the migrations
(``retain_test_owner``), and the application connects as another that owns nothing and does not
bypass row-level security (``retain_test_app``), as in production; the database is dropped at the
end. The admin URL must name a role that may create databases and roles (``postgres`` locally).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
OWNER_ROLE, APP_ROLE = "retain_test_owner", "retain_test_app"


class DatabaseUnavailable(RuntimeError):
    """The database server did not answer."""


@dataclass
class Database:
    kind: str
    app_url: str
    owner_url: str | None = None
    admin_url: str | None = None
    name: str | None = None
    partitioned: bool = False  # tenant tables hash-partitioned by tenant_id (saas.testing.citus_shape)


def sqlite_database(path) -> Database:
    return Database("sqlite", f"sqlite:///{path}")


def with_database(url: str, name: str, user: str | None = None) -> str:
    """``url`` pointing at database ``name`` (as ``user``, without a password, when given)."""
    parsed = sa.engine.make_url(url).set(database=name)
    if user:
        parsed = parsed.set(username=user, password=None)
    return parsed.render_as_string(hide_password=False)


def create_postgres_database(admin_url: str = DEFAULT_PG_ADMIN_URL) -> Database:
    """A new, empty database with the two roles; :class:`DatabaseUnavailable` if the server is not
    reachable."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        admin.dispose()
        raise DatabaseUnavailable(str(error)) from error
    name = f"retain_test_{os.getpid()}_{secrets.token_hex(3)}"
    with admin.connect() as conn:
        for role, extra in ((OWNER_ROLE, ""), (APP_ROLE, " NOSUPERUSER NOBYPASSRLS")):
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
            if not exists:
                try:
                    conn.execute(sa.text(f"CREATE ROLE {role} LOGIN{extra}"))
                except sa.exc.DBAPIError as error:  # another run (an xdist worker) made it in between
                    if getattr(error.orig, "sqlstate", None) not in ("42710", "23505"):  # duplicate_object, unique
                        raise
        conn.execute(sa.text(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE}'))
    admin.dispose()
    owner_url = with_database(admin_url, name, OWNER_ROLE)
    owner = sa.create_engine(owner_url)
    with owner.begin() as conn:
        conn.execute(sa.text(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER_ROLE} IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
        ))
    owner.dispose()
    return Database("postgresql", with_database(admin_url, name, APP_ROLE), owner_url, admin_url, name)


def drop_postgres_database(database: Database) -> None:
    admin = sa.create_engine(database.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)'))
    admin.dispose()


class Wiper:
    """Empties every table after each test, over one engine kept for the whole session.

    One round trip of ``DELETE FROM`` every table, children first: on the few rows a test leaves,
    that takes a couple of milliseconds, where ``TRUNCATE`` of every table (new files for each)
    took about 190 ms, and a new engine for it each time some 80 ms more. Every table is emptied
    whoever wrote to it (the app, another app of the test's, a worker process), so each test still
    starts from empty tables. On PostgreSQL the tables are under FORCE ROW LEVEL SECURITY, which
    binds their owner too, so the DELETEs run as the admin role when it bypasses RLS (a superuser,
    as the default ``postgres`` is); with an admin that does not, it falls back to ``TRUNCATE`` as
    the owner (TRUNCATE ignores RLS).
    """

    def __init__(self, app, database: Database):
        from saas.core.db import db  # here, so that importing this module needs no application

        self.metadata = db.metadata
        self.database = database
        self.truncate = False
        if database.kind == "sqlite":
            with app.app_context():
                self.engine = db.engine  # the app's own: one file, and no RLS
            return
        self.engine = sa.create_engine(with_database(database.admin_url, database.name), poolclass=sa.pool.StaticPool)
        with self.engine.connect() as conn:
            bypasses = conn.scalar(sa.text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"))
        if not bypasses:
            self.engine.dispose()
            self.engine = sa.create_engine(database.owner_url, poolclass=sa.pool.StaticPool)
            self.truncate = True

    def wipe(self) -> None:
        tables = [t.name for t in reversed(self.metadata.sorted_tables)]  # asked each time: modules add tables
        with self.engine.begin() as conn:
            if self.truncate:
                conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} CASCADE")
            elif self.database.kind == "postgresql":  # no parameters: one simple-query round trip
                conn.exec_driver_sql("; ".join(f"DELETE FROM {table}" for table in tables))
            else:
                for table in tables:  # sqlite3 runs one statement per call
                    conn.exec_driver_sql(f"DELETE FROM {table}")

    def close(self) -> None:
        if self.database.kind == "postgresql":
            self.engine.dispose()
