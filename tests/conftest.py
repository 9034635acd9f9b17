"""Fixtures: every test that uses ``app`` runs on SQLite and on PostgreSQL (with RLS, as a role
that owns nothing). Without the server, PostgreSQL tests skip locally and fail when CI=true."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import marshmallow as ma
import pytest
import redis
import sqlalchemy as sa
from flask_migrate import upgrade

from saas.api.schema import Schema
from saas.app import create_app
from saas.core.db import db
from saas.testing import Caller, Workspace, databases  # noqa: F401  Caller: for test_accounts
from saas.testing.databases import Database, Wiper, drop_postgres_database

IN_CI = os.environ.get("CI") == "true"
PG_ADMIN_URL = os.environ.get("RETAIN_TEST_PG_ADMIN_URL", databases.DEFAULT_PG_ADMIN_URL)
# Each pytest-xdist worker (gw0, gw1, ...) gets a Redis database of its own: 15, 14, ... (the
# rate-limit tests' keys carry a prefix unique to each app as well, so no two runs share a counter).
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get("RETAIN_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{(15 - _WORKER) % 16}")


def unavailable(what: str, error: Exception):
    message = f"{what} is not reachable: {error}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: the suite must run against it)", pytrace=False)
    pytest.skip(message)


def create_postgres_database() -> Database:
    try:
        return databases.create_postgres_database(PG_ADMIN_URL)
    except databases.DatabaseUnavailable as error:
        unavailable("PostgreSQL", error)


# Uploads the tests make go to a folder of the run's own (of each xdist worker's), removed at its end,
# never to instance/imports. Kept in the environment because this module is imported twice, as the
# conftest and as ``tests.conftest`` (tests/ is no package): both copies must use the same folder.
_IMPORT_FOLDER_KEY = f"RETAIN_TEST_IMPORT_FOLDER_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
if _IMPORT_FOLDER_KEY not in os.environ:
    os.environ[_IMPORT_FOLDER_KEY] = tempfile.mkdtemp(prefix="retain-test-imports-")
IMPORT_FOLDER = Path(os.environ[_IMPORT_FOLDER_KEY])


def make_app(database: Database, plugins: list[tuple[str, object]] | None = None, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "SQLALCHEMY_DATABASE_URI": database.app_url,
        "MIGRATION_DATABASE_URL": database.owner_url,
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "WTF_CSRF_ENABLED": True,
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True,  # receivers in tests listen on loopback
        "WEBHOOK_TIMEOUT_SECONDS": 2,
        "IMPORT_FOLDER": str(IMPORT_FOLDER),
        "EXPORT_FOLDER": str(IMPORT_FOLDER / "exports"),  # "exports" is no tenant id: the imports' clean-up passes it by
    }
    config.update(overrides)
    return create_app(config, plugins=plugins)


def undeclared_nulls(schema: ma.Schema, result, many: bool) -> list[str]:
    """The fields ``result`` (what ``schema`` dumped) holds ``None`` for though they do not allow
    it: the OpenAPI document declares only fields with ``allow_none`` nullable."""
    if result is None:
        return []
    keys = {field.data_key or name: field for name, field in schema.dump_fields.items() if not field.allow_none}
    return sorted({key for item in (result if many else [result]) if item is not None
                   for key, field in keys.items() if key in item and item[key] is None})


@pytest.fixture(scope="session", autouse=True)
def dumps_checked_against_marshmallow():
    """Every response the suite dumps is also dumped by marshmallow's own code, and must match;
    and a field dumped as ``None`` must be declared nullable (``allow_none``)."""
    fast = Schema._serialize

    def checked(self, obj, *, many=False):
        result = fast(self, obj, many=many)
        assert result == ma.Schema._serialize(self, obj, many=many), f"{type(self).__name__} dumps differently"
        nulls = undeclared_nulls(self, result, many)
        assert not nulls, f"{type(self).__name__} dumps null for {nulls}, not declared nullable (allow_none=True)"
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Schema, "_serialize", checked)
        yield


@pytest.fixture(autouse=True)
def root_logging_restored():
    """An app made without TESTING sets the root logger up for production (saas.logs.configure):
    put the root's handlers and level back afterwards, so later tests log as pytest set them."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session", params=["sqlite", "postgresql", "partitioned"])
def database(request, tmp_path_factory):
    """SQLite; PostgreSQL; and, for the tests marked ``partitioned`` only, PostgreSQL with every
    tenant table hash-partitioned by tenant_id, the shape Citus distributes (saas.testing.citus_shape)."""
    if request.param == "sqlite":
        yield databases.sqlite_database(tmp_path_factory.mktemp("sqlite") / "retain.db")
        return
    database = create_postgres_database()
    database.partitioned = request.param == "partitioned"
    yield database
    drop_postgres_database(database)


@pytest.fixture(scope="session")
def migrated_app(database):
    app = make_app(database, PARTITION_TENANT_TABLES=database.partitioned)
    with app.app_context():
        upgrade(revision="heads")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(migrated_app, wiper):
    yield migrated_app
    wiper.wipe()


@pytest.fixture(scope="session")
def wiper(migrated_app, database):
    wiper = Wiper(migrated_app, database)
    yield wiper
    wiper.close()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class TenantClient(Workspace):
    """A workspace (saas.testing) that also makes customers."""

    def customer(self, **fields) -> dict:
        response = self.post("/api/v1/customers", json={"name": "客户 " + secrets.token_hex(3), **fields})
        assert response.status_code == 201, response.json
        return response.json


@pytest.fixture
def sign_up(client):
    """Sign a new company up through the public API; returns a :class:`TenantClient`."""

    def _sign_up(slug: str | None = None, **extra) -> TenantClient:
        slug = slug or f"co-{secrets.token_hex(4)}"
        password = "a long enough password"
        body = {"company_name": f"Company {slug}", "slug": slug, "admin_email": f"owner@{slug}.example",
                "admin_password": password, **extra}
        response = client.post("/api/v1/tenants", json=body)
        assert response.status_code == 201, response.json
        data = response.json
        return TenantClient(client, data["api_key"], data["tenant"], data["user"], password)

    return _sign_up


@pytest.fixture
def tenant_a(sign_up) -> TenantClient:
    return sign_up("tenant-a")


@pytest.fixture
def tenant_b(sign_up) -> TenantClient:
    return sign_up("tenant-b")


@pytest.fixture
def count_queries(app):
    """``with count_queries() as n: ...`` then ``n()`` is the number of SQL statements run."""
    import contextlib

    @contextlib.contextmanager
    def counting():
        seen = []

        def before(conn, cursor, statement, *args):
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield lambda: len(seen)
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting


def pytest_configure(config):
    """Record which hooks each test calls: a run of the whole suite fails if one is never called."""
    from tests.hook_calls import NAME, HookCalls

    recorder = HookCalls()
    recorder.start()
    config.pluginmanager.register(recorder, NAME)


def pytest_unconfigure(config):
    shutil.rmtree(IMPORT_FOLDER, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` run only with the PostgreSQL parameter; ``sqlite`` ones (which need
    SQLite itself), ``backend_independent`` ones (whose outcome is decided before any SQL, so a
    second run would prove nothing new) and ``one_database`` ones (too long to run twice) only with
    SQLite; only those marked ``partitioned`` run on the partitioned PostgreSQL schema too."""
    only = {"postgres": "postgresql", "sqlite": "sqlite", "backend_independent": "sqlite", "one_database": "sqlite"}
    keep, drop = [], []
    for item in items:
        backend = item.callspec.params.get("database") if hasattr(item, "callspec") else None
        wanted = [only[m.name] for m in item.iter_markers() if m.name in only]
        if backend == "partitioned":
            unwanted = item.get_closest_marker("partitioned") is None
        else:
            unwanted = backend and wanted and backend not in wanted
        (drop if unwanted else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_report_header(config):
    return [f"CI={'true' if IN_CI else 'false'}; PostgreSQL admin URL {PG_ADMIN_URL}; Redis {REDIS_URL}"]


ROOT = Path(__file__).resolve().parent.parent


# -- waiting for something, never for a fixed time ---------------------------------------------


def wait_until(condition, *, timeout: float = 10.0, what: str = "the condition"):
    """Poll ``condition()`` every 20 ms until it is truthy, and return its value; fail the test
    if it is not within ``timeout`` seconds. For waits whose length the test does not control
    (a backoff, a process starting), where a fixed sleep is either too long or flaky."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout} s", pytrace=False)
        time.sleep(0.02)
    return result


def rq_retry_due(app) -> bool:
    """Whether a job that ``app``'s rq queues hold for later (a retry after its backoff) is due,
    asked exactly as rq's scheduler asks before it moves such jobs to their queue."""
    from saas.core import queues

    with app.app_context():
        rq = queues.current_queue()
        return any(rq.queue(name).scheduled_job_registry.get_jobs_to_schedule() for name in queues.QUEUES)


# -- a Redis server of a test's own, which it may stop and start ------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                answering = redis.Redis.from_url(self.url).info("server")["process_id"]
            except redis.RedisError:
                time.sleep(0.05)
                continue
            if answering != self.process.pid:  # the port was taken between free_port() and the start
                raise RuntimeError(f"port {self.port} is another redis-server's (pid {answering})")
            return
        raise RuntimeError("redis-server did not start in 10 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        unavailable("redis-server", FileNotFoundError("redis-server is not installed"))
    server = RedisServer(tmp_path)
    try:
        server.start()
    except (OSError, RuntimeError) as error:
        unavailable("redis-server", error)
    yield server
    server.stop()


# -- the fault suite's figures ----------------------------------------------------------------


@pytest.fixture
def figure(record_property, request):
    """``figure(name, value, unit)``: a measured figure of a fault test, printed, kept in the
    JUnit XML's properties, and appended to the file ``RETAIN_FAULT_FIGURES`` names (JSON lines)."""
    import json

    def _figure(name: str, value: float, unit: str) -> None:
        record_property(name, f"{value:g} {unit}")
        print(f"fault figure: {request.node.name}: {name} = {value:g} {unit}")
        path = os.environ.get("RETAIN_FAULT_FIGURES")
        if path:
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps({"test": request.node.nodeid, "figure": name, "value": value, "unit": unit}) + "\n")

    return _figure
