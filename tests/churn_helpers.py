"""Helpers shared by the churn module's tests: a workspace with the module, purchases and
interactions so many days ago, and the module's code run inside the workspace."""

from __future__ import annotations

import contextlib
import datetime as dt

from saas.core.tenancy import tenant_context

NOW = dt.datetime.now(dt.timezone.utc)


def enable(tenant, **settings) -> None:
    response = tenant.put("/api/v1/modules/churn", json={"enabled": True, "settings": settings})
    assert response.status_code == 200, response.json


def buy(tenant, customer_id: str, amount: str = "100.00", days_ago: float = 1, at: dt.datetime | None = None) -> dict:
    """A purchase ``days_ago`` days before the tests' start (or ``at``)."""
    response = tenant.post("/api/v1/purchases", json={
        "customer_id": customer_id, "product": "龙井", "amount": amount,
        "purchased_at": (at or NOW - dt.timedelta(days=days_ago)).isoformat()})
    assert response.status_code == 201, response.json
    return response.json


def talk(tenant, customer_id: str, days_ago: float = 1) -> dict:
    response = tenant.post("/api/v1/interactions", json={
        "customer_id": customer_id, "channel": "phone", "subject": "回访",
        "occurred_at": (NOW - dt.timedelta(days=days_ago)).isoformat()})
    assert response.status_code == 201, response.json
    return response.json


@contextlib.contextmanager
def inside(tenant):
    """The app context with ``tenant`` bound, as a job runs."""
    with tenant.client.application.app_context(), tenant_context(tenant.id):
        yield
