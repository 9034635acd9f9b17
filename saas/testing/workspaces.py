"""Signed-up workspaces that speak to a test application through its API, with their owner's key."""

from __future__ import annotations

import re
import secrets
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

    def customer(self, **fields) -> dict:
        """Create a customer through the API (a name of its own unless given); its JSON."""
        response = self.post("/api/v1/customers", json={"name": f"Customer {secrets.token_hex(3)}", **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def enable(self, module: str, settings: dict | None = None) -> dict:
        """Switch ``module`` on for this workspace (with ``settings``); the module's JSON."""
        body = {"enabled": True, **({"settings": settings} if settings is not None else {})}
        response = self.put(f"/api/v1/modules/{module}", json=body)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def disable(self, module: str) -> dict:
        """Switch ``module`` off for this workspace (its data is kept)."""
        response = self.put(f"/api/v1/modules/{module}", json={"enabled": False})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

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
    on.enable(module, settings)
    return on, off
