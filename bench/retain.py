"""Retain's side of the set-up, through the app's own code: migrations, the big tenant's sign-up
and API key, a signed-in session for the HTML list, and the reference pages (fetched in-process)
that the servers must reproduce."""

from __future__ import annotations

import re
import secrets
import uuid
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from bench import UNLIMITED_API
from saas.app import create_app
from saas.core.accounts import Tenant, User
from saas.core.db import db
from saas.core.passwords import hash_password
from saas.core.tenancy import tenant_context
from tenants import accounts

BIG_SLUG = "bench-big"
LIST_PATH = "/api/v1/customers"
PAGE_PATH = "/customers"  # the same list as an HTML page, with the same query
ROW = re.compile(rb'<input type="checkbox" name="ids" value="([0-9a-f-]{36})"')


def make_app(app_url: str, owner_url: str, secret_key: str, encryption_key: str) -> Flask:
    """The production configuration, as the app role (migrations as the owner)."""
    return create_app({
        "SQLALCHEMY_DATABASE_URI": app_url,
        "MIGRATION_DATABASE_URL": owner_url,
        "SECRET_KEY": secret_key,
        "ENCRYPTION_KEYS": encryption_key,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://", **UNLIMITED_API,
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


def page_session(app: Flask) -> tuple[str, str]:
    """Sign the big tenant's owner in through the login form (with a fresh password, as the first
    one was never kept); ``(cookie name, value)`` of the session that the HTML list is loaded with."""
    password = secrets.token_urlsafe(24)
    email = f"owner@{BIG_SLUG}.example"
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        user.password_hash = hash_password(password)
        db.session.commit()
        db.engine.dispose()
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    if answer.status_code != 302:
        raise RuntimeError(f"signing in for the HTML list answered {answer.status_code}")
    name = app.config["SESSION_COOKIE_NAME"]
    with app.app_context():
        db.engine.dispose()
    return name, client.get_cookie(name).value


def reference_rows(app: Flask, cookie: tuple[str, str], api_path: str) -> tuple[str, list[str]]:
    """The HTML list of the JSON page ``api_path`` (same filter, same cursor), fetched in-process:
    ``(its path, the ids of its rows)``."""
    path = PAGE_PATH + api_path[len(LIST_PATH):]
    client = app.test_client()
    client.set_cookie(cookie[0], cookie[1])
    response = client.get(path, base_url="https://localhost")  # the session cookie is Secure
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    with app.app_context():
        db.engine.dispose()
    return path, [found.decode() for found in ROW.findall(response.get_data())]
