"""Bad input answers a clear 4xx with the JSON error shape, and writes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from saas.core.db import db
from saas.core.tenancy import tenant_context


def tenant_rows(app, tenant) -> int:
    """Rows in every table as the tenant sees them (all rows on SQLite, the tenant's under RLS)."""
    with app.app_context(), tenant_context(tenant.id, db.session):
        return sum(db.session.execute(sa.text(f"SELECT count(*) FROM {t.name}")).scalar()
                   for t in db.metadata.sorted_tables)


CUSTOMER_CASES = {
    "malformed JSON": ("{not json", 400),
    "a list, not an object": ([{"name": "x"}], 422),
    "wrong type": ({"name": 42}, 422),
    "unknown field": ({"name": "x", "vip": True}, 422),
    "over-long string": ({"name": "x" * 201}, 422),
    "bad enum": ({"name": "x", "kind": "alien"}, 422),
    "missing name": ({"email": "a@b.example"}, 422),
    "bad email": ({"name": "x", "email": "not-an-email"}, 422),
    "bad date": ({"name": "x", "birthday": "1990-13-45"}, 422),
    "bad uuid": ({"name": "x", "owner_id": "me"}, 422),
    "bad tags": ({"name": "x", "tags": "vip"}, 422),
    "bad social network": ({"name": "x", "social": {"myspace": "me"}}, 422),
    "a tag that is not a string": ({"name": "x", "tags": [1]}, 422),
}


@pytest.mark.parametrize("case", list(CUSTOMER_CASES))
def test_bad_customer_input_is_refused_and_writes_nothing(app, tenant_a, case):
    body, status = CUSTOMER_CASES[case]
    before = tenant_rows(app, tenant_a)
    if isinstance(body, str):
        response = tenant_a.post("/api/v1/customers", data=body, content_type="application/json")
    else:
        response = tenant_a.post("/api/v1/customers", json=body)
    assert response.status_code == status
    error = response.json["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    assert tenant_rows(app, tenant_a) == before


PURCHASE_CASES = {
    "amount not a number": ({"amount": "lots"}, 422),
    "negative amount": ({"amount": "-5.00"}, 422),
    "naive datetime": ({"purchased_at": "2026-03-01T10:00:00"}, 422),
    "bad currency": ({"currency": "yuan"}, 422),
    "zero quantity": ({"quantity": "0"}, 422),
    "huge amount": ({"amount": "1e30"}, 422),
    "NaN amount": ({"amount": "NaN"}, 422),
}


@pytest.mark.parametrize("case", list(PURCHASE_CASES))
def test_bad_purchase_input_is_refused_and_writes_nothing(app, tenant_a, case):
    customer = tenant_a.customer()
    before = tenant_rows(app, tenant_a)
    patch, status = PURCHASE_CASES[case]
    body = {"customer_id": customer["id"], "product": "Tea", "amount": "10.00",
            "purchased_at": "2026-03-01T10:00:00Z", **patch}
    response = tenant_a.post("/api/v1/purchases", json=body)
    assert response.status_code == status, response.json
    assert tenant_rows(app, tenant_a) == before


@pytest.mark.parametrize("path", ["/api/v1/customers/not-a-uuid", "/api/v1/customers/123",
                                  "/api/v1/purchases/xyz", "/api/v1/customers/not-a-uuid/timeline"])
def test_a_malformed_id_is_a_404_not_a_500(tenant_a, path):
    response = tenant_a.get(path)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_a_missing_object_is_a_404(tenant_a):
    response = tenant_a.get("/api/v1/customers/01900000-0000-7000-8000-000000000000")
    assert response.status_code == 404


def test_no_credentials_is_a_401_with_a_json_error(client, app):
    response = client.get("/api/v1/customers")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer rtn_000000000000_wrong", "Basic dXNlcjpwYXNz", "Bearer "])
def test_a_wrong_key_is_a_401(client, app, tenant_a, header):
    assert client.get("/api/v1/customers", headers={"Authorization": header}).status_code == 401


def test_a_wrong_secret_with_a_real_prefix_is_a_401(client, tenant_a):
    forged = tenant_a.key.rsplit("_", 1)[0] + "_" + "x" * 43
    assert client.get("/api/v1/customers", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_an_unknown_method_is_a_405_json_error(tenant_a):
    response = tenant_a.open("PUT", "/api/v1/customers")
    assert response.status_code == 405 and response.json["error"]["code"] == "method_not_allowed"
