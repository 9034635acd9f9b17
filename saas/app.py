"""The application factory: the composition root that wires the core, tenants and the web."""

from __future__ import annotations

import json
import os
from pathlib import Path

import flask_migrate.cli
import sqlalchemy as sa
from flask import Flask
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

import saas.tables  # noqa: F401  every table on the metadata before Alembic looks
from saas import auth, cli, jobs_cli, logs, metrics, plugin_host, probes, secrets_cli, transactions, unavailable, web
from saas.api import (
    activity,
    audit,
    classification,
    custom_fields,
    customers,
    data_quality,
    idempotency,
    imports,
    inbound,
    notifications,
    openapi,
    rate_limits,
    reports,
    segments,
    tags,
    webhooks,
    workspace,
)
from saas.api.errors import RetainApi, handle_csrf_error, handle_domain_error, is_api_request
from saas.config import check_logging, check_rate_limits, check_secret, encryption_keys, from_environment
from saas.core import delivery, passwords, schedules, secretbox
from saas.core.classification import receivers as classification_receivers
from saas.core.classification import recompute as classification_service
from saas.core.data_quality import receivers as duplicate_receivers
from saas.core.data_quality import scan as duplicate_scan
from saas.core.errors import DomainError
from saas.core.imports import importer as import_service
from saas.core.imports import requeue as import_requeue
from saas.core.plugins import installed
from saas.core.webhooks import outbound
from saas.extensions import csrf, db, limiter, login_manager, migrate
from saas.web import digest, i18n
from saas.web import errors as web_errors
from tenants import api as tenants_api
from tenants import export as tenant_exports
from tenants import modules_api
from tenants import requeue as tenant_requeue

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
API_MODULES = (customers, classification, segments, imports, reports, data_quality, activity, tags, custom_fields, audit,
               workspace, webhooks, inbound, tenants_api, modules_api, notifications)
SPEC_OPTIONS = {
    "info": {"description": "Retain's REST API. Authenticate with `Authorization: Bearer <API key>`."},
    "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearerAuth": []}],
}


def create_app(overrides: dict | None = None, *, plugins: list[tuple[str, object]] | None = None) -> Flask:
    """The application. ``plugins`` (``[(name, plugin)]``) replaces entry-point discovery, for tests."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(from_environment(app.instance_path))
    app.config.update(overrides or {})
    app.config["API_SPEC_OPTIONS"] = SPEC_OPTIONS
    check_logging(app.config)
    logs.init_app(app)  # first: the request id is known before any other hook logs
    check_secret(app)
    check_rate_limits(app.config)
    secretbox.init_app(app, encryption_keys(app))
    _init_extensions(app)
    metrics.init_app(app)  # before the other request hooks but the logs': a request's time includes them
    api = _register_api(app)
    # After the API's authentication (a before_request): the API's limits count per principal.
    limiter.init_app(app)
    probes.init_app(app)
    web.init_app(app)
    _wire_features(app)
    host = plugin_host.init_app(app, api, plugins)  # last: a module whose blueprint names are taken is left out
    i18n.add_module_catalogues(app, host.translation_directories())
    cli.register(app)
    jobs_cli.register(app)
    secrets_cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    passwords.use_profile(app.config["PASSWORD_HASH_PROFILE"])
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql":
            _configure_postgresql(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS), compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"
    login_manager.user_loader(auth.load_user)


def _wire_features(app: Flask) -> None:
    """What the core's features give its mechanisms and each other: figures that follow their
    customers, a receiver of every delivered event, and their periodic work."""
    classification_receivers.connect()
    duplicate_receivers.connect()
    delivery.init_app(app, receivers=(outbound.receive, duplicate_receivers.receive))
    schedules.init_app(app, core=(*delivery.SCHEDULES, *outbound.SCHEDULES, *classification_service.SCHEDULES,
                                  *import_service.SCHEDULES, *import_requeue.SCHEDULES, *digest.SCHEDULES,
                                  *tenant_exports.SCHEDULES, *tenant_requeue.SCHEDULES,
                                  *duplicate_scan.SCHEDULES))


@migrate.configure
def _with_module_migrations(config):
    """Alembic reads the core's revisions and each installed module's branch."""
    locations = [str(MIGRATIONS / "versions"), *installed().migration_locations()]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config


# With modules, the revisions have several heads (the core's and one per module's branch), and
# "head" would refuse to choose: ``flask db upgrade`` applies them all.
next(p for p in flask_migrate.cli.upgrade.params if p.name == "revision").default = "heads"


def _configure_sqlite(engine: sa.Engine) -> None:
    """Foreign keys on, WAL, and real transactions: pysqlite's own BEGIN handling breaks
    SAVEPOINTs (releasing the outermost one would commit), so SQLAlchemy emits BEGIN itself."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "busy_timeout=5000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")


_decode_json = json.JSONDecoder().decode


def _configure_postgresql(engine: sa.Engine) -> None:
    """psycopg hands each json value over as UTF-8 bytes, and ``json.loads(bytes)`` sniffs the
    encoding of every one; decoding UTF-8 first halves the cost of a page's JSON columns."""
    import psycopg.types.json  # the driver of postgresql+psycopg URLs; an extra, so not imported at the top

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        psycopg.types.json.set_json_loads(lambda data: _decode_json(data.decode()), dbapi_connection)


def _register_api(app: Flask) -> RetainApi:
    api = RetainApi(app)
    openapi.init_api(api)  # before any schema is documented
    rate_limits.document(api)
    for module in API_MODULES:
        api.register_blueprint(module.bp)
    app.before_request(auth.authenticate_api_request)
    app.before_request(plugin_host.guard_module_routes)
    # Flask runs after_request functions last-registered first: a successful answer is kept for its
    # Idempotency-Key, then the request's transaction ends, then the API key's last use is written.
    app.after_request(auth.commit_key_touch)
    app.after_request(transactions.end_request)
    app.after_request(idempotency.keep)
    app.teardown_request(auth.release_request_context)
    _register_errors(app, api)
    return api


def _register_errors(app: Flask, api: RetainApi) -> None:
    """One JSON shape for the API's errors, the layout's error page for the web's."""
    def either(for_api, for_pages):
        return lambda error: for_api(error) if is_api_request() else for_pages(error)

    app.register_error_handler(HTTPException, either(api.handle_http_exception, web_errors.http_error))
    app.register_error_handler(DomainError, either(handle_domain_error, web_errors.domain_error))
    app.register_error_handler(CSRFError, either(handle_csrf_error, web_errors.csrf_error))
    unavailable.init_app(app)  # a database that does not answer: 503, for the API and the pages
