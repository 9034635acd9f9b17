"""``/healthz`` answers while the process does; ``/readyz`` says 503, with the reasons, until the
database answers at every migration head and Redis (when configured) answers."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade

from saas import probes
from saas.core.db import db
from saas.testing.databases import Database, drop_postgres_database
from tests.conftest import REDIS_URL, create_postgres_database, make_app

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"
UNREACHABLE_DATABASE = Database("postgresql", "postgresql+psycopg://retain@127.0.0.1:1/retain")


@pytest.fixture
def fresh_database(database, tmp_path):
    """An empty database of the test's own, of the same kind as ``database``."""
    if database.kind == "sqlite":
        yield Database("sqlite", f"sqlite:///{tmp_path / 'probe.db'}")
        return
    fresh = create_postgres_database()
    yield fresh
    drop_postgres_database(fresh)


@pytest.fixture
def app_on():
    """``app_on(database, **config)``: an app of the test's own, its engine disposed afterwards."""
    apps = []

    def build(database: Database, **overrides):
        app = make_app(database, **overrides)
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_healthz_answers_ok_without_a_session_cookie(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_answers_ok_on_a_migrated_database(client):
    response = client.get("/readyz")

    assert response.status_code == 200, response.json
    assert response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


@pytest.mark.backend_independent
def test_with_the_database_unreachable_healthz_is_ok_and_readyz_is_503(app_on, database):
    client = app_on(UNREACHABLE_DATABASE).test_client()

    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert set(response.json["problems"]) == {"database"}
    assert "not reachable" in response.json["problems"]["database"]


def test_a_module_migration_not_applied_makes_readyz_503_naming_it(app_on, fresh_database):
    app = app_on(fresh_database)
    with app.app_context():
        upgrade(revision="heads")
        downgrade(revision="loyalty_0001")
    client = app.test_client()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert set(response.json["problems"]) == {"database"}
    assert "loyalty_0002" in response.json["problems"]["database"]
    with app.app_context():
        upgrade(revision="heads")
    assert client.get("/readyz").status_code == 200


@pytest.mark.sqlite
def test_a_core_migration_not_applied_makes_readyz_503_naming_it(app_on, database, tmp_path):
    app = app_on(Database("sqlite", f"sqlite:///{tmp_path / 'behind.db'}"))
    with app.app_context():
        upgrade(revision="0011_notifications")
        core_head = next(head for head in probes.expected_heads() if head[0].isdigit())  # the modules' start with their name

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    problem = response.json["problems"]["database"]
    assert core_head in problem and "loyalty_0002" in problem


@pytest.mark.backend_independent
def test_a_redis_url_pointing_to_a_closed_port_makes_readyz_503(app_on, database, app):
    client = app_on(database, REDIS_URL=CLOSED_PORT_REDIS).test_client()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert set(response.json["problems"]) == {"redis"}
    assert "not reachable" in response.json["problems"]["redis"]
    assert client.get("/healthz").status_code == 200


@pytest.mark.redis
@pytest.mark.backend_independent
def test_readyz_is_ok_when_the_configured_redis_answers(app_on, database, app):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        from tests.conftest import unavailable

        unavailable("Redis", error)
    client = app_on(database, REDIS_URL=REDIS_URL).test_client()

    response = client.get("/readyz")

    assert response.status_code == 200, response.json
