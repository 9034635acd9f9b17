"""The application factory: the composition root that wires the core, tenants and the web."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from flask import Flask

from saas import __version__
from saas.config import check_secret, from_environment

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(from_environment(app.instance_path))
    app.config.update(overrides or {})
    app.config["API_SPEC_OPTIONS"] = _spec_options()
    check_secret(app)
    _init_extensions(app)
    _register_api(app)
    _register_web(app)
    _register_cli(app)
    logging.getLogger(__name__).debug("Retain %s ready", __version__)
    return app


def _spec_options() -> dict:
    return {
        "info": {"description": "Retain's REST API. Authenticate with `Authorization: Bearer <API key>`."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    }


def _init_extensions(app: Flask) -> None:
    from saas.core import passwords
    from saas.extensions import csrf, db, limiter, login_manager, migrate

    import saas.core.models  # noqa: F401  every table on the metadata before Alembic looks

    passwords.use_profile(app.config["PASSWORD_HASH_PROFILE"])
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "web.login"

    @login_manager.user_loader
    def load_user(user_id: str):
        from saas.core.accounts import User

        try:
            return db.session.get(User, uuid.UUID(user_id))
        except ValueError:
            return None


def _sqlite_pragmas(app: Flask) -> None:
    """Foreign keys on, WAL, and real transactions: pysqlite's own BEGIN handling breaks
    SAVEPOINTs (releasing the outermost one would commit), so SQLAlchemy emits BEGIN itself."""
    from sqlalchemy import event

    from saas.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")


def _register_api(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    from saas import auth
    from saas.api import activity, audit, customers, tags
    from saas.api.errors import handle_csrf_error, handle_domain_error
    from saas.core.errors import DomainError
    from saas.extensions import api
    from tenants import api as tenants_api

    api.init_app(app)
    for module in (customers, activity, tags, audit, tenants_api):
        api.register_blueprint(module.bp)
    app.before_request(auth.authenticate_api_request)
    app.after_request(auth.commit_key_touch)
    app.teardown_request(auth.release_request_context)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(CSRFError, handle_csrf_error)


def _register_web(app: Flask) -> None:
    from saas import web

    app.register_blueprint(web.bp)


def _register_cli(app: Flask) -> None:
    from saas import cli

    cli.register(app)
