"""A pytest plugin for a module's tests: an application with every installed plugin, migrated, on
SQLite by default or on PostgreSQL (with row-level security, as a role that owns nothing).

Load it in your ``conftest.py`` or test module::

    pytest_plugins = ["saas.testing.fixtures"]

    def test_only_the_enabled_workspace_sees_it(client):
        on, off = workspaces_with(client, "stamps")
        assert off.get("/api/v1/stamps").status_code == 404

Fixtures: ``retain_config`` (the configuration overrides; override the fixture to change them),
``database`` (a :class:`~saas.testing.databases.Database` for the session), ``migrated_app`` (the
application, ``flask db upgrade`` applied, for the session), ``app`` (the same, every table
emptied after each test) and ``client`` (its test client). ``pytest --retain-postgres``, or the
environment variable ``RETAIN_TEST_PG_ADMIN_URL`` (a role that may create databases and roles),
runs on a PostgreSQL database of the run's own, dropped at the end.
"""

from __future__ import annotations

import os

import pytest

from saas.testing import databases

# Jobs and event handlers run in-process right after each request (no Redis), passwords hash
# cheaply, and no rate limit gets in the way of signing up many workspaces.
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "a-test-secret-key-that-is-long-enough",
    "PASSWORD_HASH_PROFILE": "CHEAPEST",
    "REDIS_URL": None,
    "RATELIMIT_ENABLED": False,
    "RATELIMIT_STORAGE_URI": "memory://",
    "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True,
}


def pytest_addoption(parser):
    parser.getgroup("retain").addoption(
        "--retain-postgres", action="store_true",
        help="run on a PostgreSQL database of the run's own ($RETAIN_TEST_PG_ADMIN_URL, "
             f"default {databases.DEFAULT_PG_ADMIN_URL})")


@pytest.fixture(scope="session")
def retain_config() -> dict:
    """The configuration the test application gets on top of the environment's."""
    return dict(TEST_CONFIG)


@pytest.fixture(scope="session")
def database(request, tmp_path_factory):
    admin_url = os.environ.get("RETAIN_TEST_PG_ADMIN_URL")
    if not (request.config.getoption("--retain-postgres") or admin_url):
        yield databases.sqlite_database(tmp_path_factory.mktemp("retain") / "retain.db")
        return
    try:
        database = databases.create_postgres_database(admin_url or databases.DEFAULT_PG_ADMIN_URL)
    except databases.DatabaseUnavailable as error:
        pytest.fail(f"PostgreSQL is not reachable: {error}", pytrace=False)
    yield database
    databases.drop_postgres_database(database)


@pytest.fixture(scope="session")
def migrated_app(database, retain_config):
    from flask_migrate import upgrade

    from saas.app import create_app
    from saas.core.db import db

    app = create_app({**retain_config, "SQLALCHEMY_DATABASE_URI": database.app_url,
                      "MIGRATION_DATABASE_URL": database.owner_url})
    with app.app_context():
        upgrade(revision="heads")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def _retain_wiper(migrated_app, database):
    wiper = databases.Wiper(migrated_app, database)
    yield wiper
    wiper.close()


@pytest.fixture
def app(migrated_app, _retain_wiper):
    """The migrated application; every table is emptied after the test."""
    yield migrated_app
    _retain_wiper.wipe()


@pytest.fixture
def client(app):
    return app.test_client()
