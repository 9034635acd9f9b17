"""Sign-up and sign-in are rate-limited per client address, in memory or in Redis.

The shared ``app`` fixture runs with rate limiting off, so these tests build their own app on the
same (migrated, wiped) database. Flask-Limiter's ``Limiter`` in :mod:`saas.extensions` is one object
shared by every app, and ``init_app`` overwrites its state (enabled, storage, key prefix, the
"storage is dead" flag); the ``limited_app`` fixture puts that state back so that later tests run
with the shared app's settings again.
"""

from __future__ import annotations

import re
import uuid

import pytest
import redis
import sqlalchemy as sa

from tests.conftest import REDIS_URL, make_app, unavailable
from saas.core.accounts import Tenant
from saas.core.db import db
from saas.extensions import limiter

PASSWORD = "a long enough password"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CLOSED_PORT_REDIS = "redis://127.0.0.1:1"

# The limits are counted in memory or in Redis, never in the database: one database suffices
# (signing up itself is tested on both, in test_accounts.py).
pytestmark = pytest.mark.backend_independent


class LimitedApps:
    """Builds apps that allow 2 sign-ups and 2 sign-ins a minute; :meth:`restore` undoes them."""

    def __init__(self, database):
        self.database = database
        # the limit manager too: a default limit (RATELIMIT_DEFAULT) is kept there
        self.saved = {extension: dict(vars(extension)) for extension in (limiter, limiter.limit_manager)}
        self.built = []
        self.key_prefixes = []  # unique per app, so reruns and parallel runs share no counters

    def __call__(self, storage_uri: str, **overrides):
        self.key_prefixes.append(f"retain-test-{uuid.uuid4().hex}")
        new_app = make_app(self.database, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage_uri,
                           RATELIMIT_KEY_PREFIX=self.key_prefixes[-1],
                           SIGNUP_RATE_LIMIT="2 per minute", LOGIN_RATE_LIMIT="2 per minute", **overrides)
        self.built.append(new_app)
        return new_app

    def restore(self) -> None:
        """Put the shared extensions back as the shared app configured them."""
        for extension, state in self.saved.items():
            vars(extension).clear()
            vars(extension).update(state)
        while self.built:
            with self.built.pop().app_context():
                db.engine.dispose()


@pytest.fixture
def limited_app(app, database):
    apps = LimitedApps(database)
    yield apps
    apps.restore()


@pytest.fixture
def redis_storage(limited_app):
    """The test Redis database; removes this test's limiter keys afterwards."""
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.RedisError as error:
        unavailable("Redis", error)
    yield REDIS_URL
    for prefix in limited_app.key_prefixes:
        for key in server.scan_iter(match=f"LIMITS:*{prefix}*"):
            server.delete(key)
    server.close()


def sign_up(client, slug: str, **kw):
    return client.post("/api/v1/tenants", json={
        "company_name": f"Company {slug}", "slug": slug, "admin_email": f"owner@{slug}.example",
        "admin_password": PASSWORD}, **kw)


def tenant_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Tenant))
        db.session.rollback()
    return count


def assert_rate_limited(response) -> None:
    assert response.status_code == 429, response.get_data(as_text=True)
    error = response.json["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == "rate_limited"
    assert error["message"]
    assert int(response.headers["Retry-After"]) > 0


def failed_login(client):
    token = CSRF_INPUT.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post("/login", data={"email": "owner@co-one.example", "password": "wrong password here",
                                       "csrf_token": token})


# Memory storage -----------------------------------------------------------------------------


def test_the_third_sign_up_in_a_minute_answers_429_with_the_json_error(limited_app):
    app = limited_app("memory://")
    client = app.test_client()

    assert sign_up(client, "co-one").status_code == 201
    assert sign_up(client, "co-two").status_code == 201
    response = sign_up(client, "co-three")

    assert_rate_limited(response)
    assert tenant_count(app) == 2


def test_invalid_sign_ups_count_against_the_limit_too(limited_app):
    app = limited_app("memory://")
    client = app.test_client()

    assert sign_up(client, "Not A Slug").status_code == 422
    assert sign_up(client, "Not A Slug").status_code == 422

    assert_rate_limited(sign_up(client, "co-one"))
    assert tenant_count(app) == 0


def test_the_sign_up_limit_is_counted_per_client_address(limited_app):
    app = limited_app("memory://")
    client = app.test_client()
    sign_up(client, "co-one")
    sign_up(client, "co-two")
    assert_rate_limited(sign_up(client, "co-three"))

    response = sign_up(client, "co-three", environ_base={"REMOTE_ADDR": "192.0.2.7"})

    assert response.status_code == 201, response.json


def test_the_third_sign_in_attempt_in_a_minute_answers_429(limited_app):
    app = limited_app("memory://")
    client = app.test_client()

    assert failed_login(client).status_code == 401
    assert failed_login(client).status_code == 401
    response = failed_login(client)

    assert response.status_code == 429
    assert client.get("/login").status_code == 200  # only posting the form is limited


def test_sign_up_and_sign_in_have_separate_limits(limited_app):
    app = limited_app("memory://")
    client = app.test_client()
    sign_up(client, "co-one")
    sign_up(client, "co-two")

    assert failed_login(client).status_code == 401


def test_the_shared_app_is_unlimited_again_once_the_limited_app_is_undone(limited_app, client):
    limited_client = limited_app("memory://").test_client()
    sign_up(limited_client, "co-one")
    sign_up(limited_client, "co-two")
    assert_rate_limited(sign_up(limited_client, "co-three"))

    limited_app.restore()

    # More sign-ups than even the production default (5 a minute) allows the shared app's config.
    for number in range(3, 10):
        assert sign_up(client, f"co-{number}").status_code == 201


# Redis storage ------------------------------------------------------------------------------


@pytest.mark.redis
def test_the_third_sign_up_answers_429_when_limits_are_kept_in_redis(limited_app, redis_storage):
    app = limited_app(redis_storage)
    client = app.test_client()

    assert sign_up(client, "co-one").status_code == 201
    assert sign_up(client, "co-two").status_code == 201
    response = sign_up(client, "co-three")

    assert_rate_limited(response)
    assert tenant_count(app) == 2
    server = redis.Redis.from_url(redis_storage)
    assert any(server.scan_iter(match=f"LIMITS:*{app.config['RATELIMIT_KEY_PREFIX']}*"))


@pytest.mark.redis
def test_the_third_sign_in_attempt_answers_429_when_limits_are_kept_in_redis(limited_app, redis_storage):
    client = limited_app(redis_storage).test_client()

    assert failed_login(client).status_code == 401
    assert failed_login(client).status_code == 401
    assert failed_login(client).status_code == 429


# Redis down ---------------------------------------------------------------------------------


def test_with_redis_down_sign_ups_still_succeed_and_are_limited_in_memory(limited_app):
    app = limited_app(CLOSED_PORT_REDIS)
    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    client = app.test_client()

    first = sign_up(client, "co-one")
    second = sign_up(client, "co-two")
    third = sign_up(client, "co-three")

    assert (first.status_code, second.status_code) == (201, 201), (first.json, second.json)
    assert_rate_limited(third)
    assert tenant_count(app) == 2


def test_with_redis_down_sign_ins_still_answer_and_are_limited_in_memory(limited_app):
    client = limited_app(CLOSED_PORT_REDIS).test_client()

    assert failed_login(client).status_code == 401
    assert failed_login(client).status_code == 401
    assert failed_login(client).status_code == 429


# The REST API, per API key and per workspace -------------------------------------------------


def signed_up(client, slug: str) -> str:
    """A new workspace's admin API key."""
    response = sign_up(client, slug)
    assert response.status_code == 201, response.json
    return response.json["api_key"]


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def second_key(client, admin_key: str) -> str:
    response = client.post("/api/v1/api-keys", json={"name": "second", "scopes": ["read", "write"]},
                           headers=bearer(admin_key))
    assert response.status_code == 201, response.json
    return response.json["key"]


def customers(client, key: str):
    return client.get("/api/v1/customers", headers=bearer(key))


def assert_rate_limit_headers(response, limit: int) -> None:
    assert response.headers["RateLimit-Limit"] == str(limit)
    assert response.headers["RateLimit-Remaining"] == "0"
    assert int(response.headers["RateLimit-Reset"]) > 0
    assert "X-RateLimit-Limit" not in response.headers


def api_limited(limited_app, storage_uri="memory://", *, per_key="3 per minute", per_workspace="100 per minute"):
    return limited_app(storage_uri, API_KEY_RATE_LIMIT=per_key, WORKSPACE_RATE_LIMIT=per_workspace)


def test_a_key_over_its_limit_gets_429_with_the_headers_and_other_keys_and_workspaces_do_not(limited_app):
    client = api_limited(limited_app).test_client()
    first, other_workspace = signed_up(client, "co-one"), signed_up(client, "co-two")
    second = second_key(client, first)  # the first key's first request

    answers = [customers(client, first) for _ in range(2)]
    refused = customers(client, first)

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[-1].headers["RateLimit-Limit"] == "3"
    assert answers[-1].headers["RateLimit-Remaining"] == "0"
    assert_rate_limited(refused)
    assert_rate_limit_headers(refused, 3)
    assert customers(client, second).status_code == 200
    assert customers(client, other_workspace).status_code == 200


def test_a_refused_write_writes_nothing(limited_app):
    app = api_limited(limited_app, per_key="1 per minute")
    client = app.test_client()
    key = signed_up(client, "co-one")
    assert client.post("/api/v1/customers", json={"name": "Kept"}, headers=bearer(key)).status_code == 201

    refused = client.post("/api/v1/customers", json={"name": "Refused"}, headers=bearer(key))

    assert_rate_limited(refused)
    with app.app_context():  # SQLite: no row-level security to bind a workspace for
        names = db.session.execute(sa.text("SELECT name FROM customers")).scalars().all()
        db.session.rollback()
    assert names == ["Kept"]


def test_a_workspace_over_its_limit_gets_429_for_every_key_and_another_workspace_does_not(limited_app):
    client = api_limited(limited_app, per_key="100 per minute", per_workspace="3 per minute").test_client()
    first, other_workspace = signed_up(client, "co-one"), signed_up(client, "co-two")
    second = second_key(client, first)  # the workspace's first request
    assert customers(client, first).status_code == 200
    assert customers(client, second).status_code == 200

    refused = customers(client, second)

    assert_rate_limited(refused)
    assert_rate_limit_headers(refused, 3)
    assert_rate_limited(customers(client, first))
    assert customers(client, other_workspace).status_code == 200


def test_requests_refused_before_a_principal_is_known_count_against_no_key(limited_app):
    client = api_limited(limited_app, per_key="1 per minute").test_client()
    key = signed_up(client, "co-one")
    for _ in range(3):  # the key's own prefix with a wrong secret: a 401 before any principal is known
        assert client.get("/api/v1/customers", headers=bearer(f"{key[:-4]}abcd")).status_code == 401

    assert customers(client, key).status_code == 200


@pytest.mark.redis
def test_a_key_over_its_limit_gets_429_when_limits_are_kept_in_redis(limited_app, redis_storage):
    app = api_limited(limited_app, redis_storage, per_key="2 per minute")
    client = app.test_client()
    key = signed_up(client, "co-one")
    assert [customers(client, key).status_code for _ in range(2)] == [200, 200]

    refused = customers(client, key)

    assert_rate_limited(refused)
    assert_rate_limit_headers(refused, 2)
    server = redis.Redis.from_url(redis_storage)
    assert any(server.scan_iter(match=f"LIMITS:*{app.config['RATELIMIT_KEY_PREFIX']}*api-key*"))


def test_the_probes_are_exempt_from_rate_limits(limited_app):
    client = limited_app("memory://", RATELIMIT_DEFAULT="1 per minute").test_client()

    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]
    assert [client.get("/readyz").status_code for _ in range(3)] == [200, 200, 200]
    assert client.get("/login").status_code == 200
    assert client.get("/login").status_code == 429  # the default limit is on, elsewhere


def test_scrapes_of_the_metrics_are_never_rate_limited(limited_app):
    app = limited_app("memory://", RATELIMIT_DEFAULT="2 per minute", METRICS_TOKEN="a-token")
    client = app.test_client()

    assert [client.get("/login").status_code for _ in range(3)] == [200, 200, 429]  # the default limit holds
    scrapes = [client.get("/metrics", headers={"Authorization": "Bearer a-token"}).status_code for _ in range(5)]
    assert scrapes == [200] * 5
