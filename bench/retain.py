"""Retain's side of the set-up, through the app's own code: migrations, the big tenant's sign-up
and API key, and the reference pages (fetched in-process) that both servers must reproduce."""

from __future__ import annotations

import secrets
import uuid
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from saas.app import create_app
from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.tenancy import tenant_context
from tenants import accounts

BIG_SLUG = "bench-big"
LIST_PATH = "/api/v1/customers"


def make_app(app_url: str, owner_url: str, secret_key: str) -> Flask:
    """The production configuration, as the app role (migrations as the owner)."""
    return create_app({
        "SQLALCHEMY_DATABASE_URI": app_url,
        "MIGRATION_DATABASE_URL": owner_url,
        "SECRET_KEY": secret_key,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
    })


def migrate(app: Flask) -> None:
    with app.app_context():
        upgrade(revision="heads")


def big_tenant(app: Flask) -> tuple[uuid.UUID, str]:
    """Sign the big tenant up (or, on a reused database, issue it a fresh key); ``(id, key)``."""
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == BIG_SLUG))
        if tenant is None:
            tenant, _, key = accounts.sign_up(
                company_name="西湖龙井茶业 (benchmark)", slug=BIG_SLUG, admin_email=f"owner@{BIG_SLUG}.example",
                admin_password=secrets.token_urlsafe(24),
            )
        else:
            with tenant_context(tenant.id):
                _, key = accounts.issue_api_key("benchmark", ["read"])
        tenant_id = tenant.id
        db.session.commit()
        db.engine.dispose()
    return tenant_id, key


def page_path(*, tag: str, limit: int, cursor: str | None) -> str:
    query = {"limit": limit, "tag": tag}
    if cursor:
        query["cursor"] = cursor
    return f"{LIST_PATH}?{urlencode(query)}"


def reference_page(app: Flask, key: str, *, tag: str, limit: int, page: int) -> tuple[str, dict]:
    """Walk to page ``page`` of the filtered list in-process; ``(path of that page, its JSON)``."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    cursor = None
    for _ in range(page):
        path = page_path(tag=tag, limit=limit, cursor=cursor)
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
        body = response.get_json()
        cursor = body["next_cursor"]
        if cursor is None:
            break
    with app.app_context():
        db.engine.dispose()
    if len(body["items"]) != limit:
        raise RuntimeError(f"page {page} has {len(body['items'])} rows, not {limit}: too little data for the filter")
    return path, body
