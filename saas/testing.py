"""Helpers for testing plugins against the real core: two workspaces, one with the module on.

    from saas.testing import Workspace, workspaces_with

    def test_only_the_enabled_workspace_sees_it(app):
        on, off = workspaces_with(app.test_client(), "birthdays", settings={"days_ahead": 3})
        assert on.get("/api/v1/birthdays/upcoming").status_code == 200
        assert off.get("/api/v1/birthdays/upcoming").status_code == 404
        assert on.signed_in().get("/birthdays/").status_code == 200  # a page: needs a session

The application must have its database migrated (``flask_migrate.upgrade(revision="heads")``).
"""

from __future__ import annotations

import re
import secrets
import types
import uuid
from dataclasses import dataclass, field

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Caller:
    """Sends requests through ``self.client`` (a Flask test client) with ``self.headers`` added."""

    client: object
    headers: dict

    def open(self, method: str, path: str, **kw):
        return self.client.open(path, method=method, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def get(self, path: str, **kw):
        return self.open("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.open("POST", path, **kw)

    def put(self, path: str, **kw):
        return self.open("PUT", path, **kw)

    def patch(self, path: str, **kw):
        return self.open("PATCH", path, **kw)

    def delete(self, path: str, **kw):
        return self.open("DELETE", path, **kw)


@dataclass
class Workspace(Caller):
    """A signed-up tenant, speaking through ``client`` with its owner's API key."""

    client: object
    key: str
    tenant: dict
    user: dict = field(default_factory=dict)
    password: str = ""
    headers: dict = field(init=False)

    def __post_init__(self):
        self.headers = {"Authorization": f"Bearer {self.key}"}

    @property
    def id(self) -> uuid.UUID:
        return uuid.UUID(self.tenant["id"])

    def signed_in(self):
        """A new test client of the same app, signed in as the owner through the login form
        (session cookie and all): for a module's pages, which an API key does not open."""
        browser = self.client.application.test_client()
        form = browser.get("/login").get_data(as_text=True)
        token = CSRF_INPUT.search(form)
        data = {"email": self.user["email"], "password": self.password, "csrf_token": token and token.group(1)}
        response = browser.post("/login", data=data)
        assert response.status_code == 302, f"signing in failed with {response.status_code}"
        return browser


def sign_up(client, slug: str | None = None) -> Workspace:
    """Sign a company up through the public API."""
    slug = slug or f"test-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(18)
    response = client.post("/api/v1/tenants", json={
        "company_name": f"Company {slug}", "slug": slug, "admin_email": f"owner@{slug}.example",
        "admin_password": password})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return Workspace(client, body["api_key"], body["tenant"], body["user"], password)


def workspaces_with(client, module: str, settings: dict | None = None) -> tuple[Workspace, Workspace]:
    """Two new workspaces: the first with ``module`` enabled (and ``settings``), the second without."""
    on, off = sign_up(client), sign_up(client)
    body = {"enabled": True, **({"settings": settings} if settings is not None else {})}
    response = on.put(f"/api/v1/modules/{module}", json=body)
    assert response.status_code == 200, response.get_json()
    return on, off


def table_problems(app, module: str, registry=None) -> list[str]:
    """What breaks the table rules in ``module``'s models (those defined in the package of its
    plugin): each table is named ``<module>_...`` and has the primary key ``(tenant_id, id)``.
    ``registry`` defaults to the core's (``db.Model.registry``). Empty when all is well::

        assert table_problems(app, "birthdays") == []
    """
    from saas.core.db import db  # here, so that importing saas.testing needs no application

    plugin = app.extensions["saas.plugins"].modules[module].plugin
    where = plugin.__name__ if isinstance(plugin, types.ModuleType) else type(plugin).__module__
    package = where.rpartition(".")[0] or where
    problems = []
    for mapper in (registry or db.Model.registry).mappers:
        if not mapper.class_.__module__.startswith(package + "."):
            continue
        for table in mapper.tables:
            if not table.name.startswith(module + "_"):
                problems.append(f"{table.name}: the name must start with '{module}_'")
            if [c.name for c in table.primary_key.columns] != ["tenant_id", "id"]:
                problems.append(f"{table.name}: the primary key must be (tenant_id, id)")
    return problems
