"""Alembic environment: the core's and every plugin's migrations, run by ``flask db upgrade``.

Migrations connect with ``MIGRATION_DATABASE_URL`` when set (the role that owns the tables),
otherwise with the application's own URL.
"""

import contextlib
import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

config = context.config
if not logging.getLogger().handlers:
    # alembic on its own; inside the app (flask db upgrade, the demo, tests) the app's logging
    # stays: fileConfig would replace the root logger's handlers, JSON lines with plain text
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
target_metadata = migrate_ext.db.metadata


def _engine():
    url = current_app.config.get("MIGRATION_DATABASE_URL")
    return sa.create_engine(url) if url else migrate_ext.db.engine


def _skip_empty_autogenerate(context_, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    context.configure(url=str(_engine().url), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    args = dict(migrate_ext.configure_args)
    args.setdefault("process_revision_directives", _skip_empty_autogenerate)
    engine = _engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        args.setdefault("render_as_batch", sqlite)
        context.configure(connection=connection, target_metadata=target_metadata, **args)
        if sqlite:
            with _sqlite_foreign_keys_deferred(connection):
                with context.begin_transaction():
                    context.run_migrations()
        else:
            with _partitioned_if_asked(), context.begin_transaction():
                context.run_migrations()


def _partitioned_if_asked():
    """Tenant tables hash-partitioned by tenant_id, as Citus distributes them (tests only)."""
    if not current_app.config.get("PARTITION_TENANT_TABLES"):
        return contextlib.nullcontext()
    from saas.testing.citus_shape import partitioned_by_tenant

    return partitioned_by_tenant()


@contextlib.contextmanager
def _sqlite_foreign_keys_deferred(connection):
    """SQLite alters a table by copying it and dropping the original, which foreign keys from
    other tables forbid; so they are off while migrating (a pragma that only works outside a
    transaction) and checked once it is done."""
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:5]}")
    finally:
        if connection.in_transaction():  # begun again after the migrations' commit: the pragma would be a no-op
            connection.commit()
        raw.execute("PRAGMA foreign_keys=ON")
        if not raw.execute("PRAGMA foreign_keys").fetchone()[0]:
            # Never hand the application's pool a connection without foreign keys (its cascades).
            connection.invalidate()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
