"""Bad input answers a clear 4xx with the JSON error shape, and writes nothing.

Most of these run once, on SQLite (``backend_independent``): the input is refused before any SQL
runs, and were a check lost, SQLite would show it as well (it stores what PostgreSQL refuses, a NUL
for one, and answers 201). The API-key tests run on both: a malformed prefix that reached the
look-up would be merely "not found" on SQLite, but an error on PostgreSQL (a NUL once was).
"""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from saas.core.accounts import ApiKey
from saas.core.db import db
from saas.core.tenancy import tenant_context


def tenant_rows(app, tenant) -> int:
    """Rows in every table as the tenant sees them (all rows on SQLite, the tenant's under RLS)."""
    with app.app_context(), tenant_context(tenant.id):
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


@pytest.mark.backend_independent
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
    "currency with a trailing newline": ({"currency": "CNY\n"}, 422),  # a regex $ would let it in
    "zero quantity": ({"quantity": "0"}, 422),
    "huge amount": ({"amount": "1e30"}, 422),
    "NaN amount": ({"amount": "NaN"}, 422),
}


@pytest.mark.backend_independent
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


@pytest.mark.backend_independent
@pytest.mark.parametrize("path", ["/api/v1/customers/not-a-uuid", "/api/v1/customers/123",
                                  "/api/v1/purchases/xyz", "/api/v1/customers/not-a-uuid/timeline"])
def test_a_malformed_id_is_a_404_not_a_500(tenant_a, path):
    response = tenant_a.get(path)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


@pytest.mark.backend_independent
def test_a_missing_object_is_a_404(tenant_a):
    response = tenant_a.get("/api/v1/customers/01900000-0000-7000-8000-000000000000")
    assert response.status_code == 404


@pytest.mark.backend_independent
def test_no_credentials_is_a_401_with_a_json_error(client, app):
    response = client.get("/api/v1/customers")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer rtn_000000000000_wrong", "Basic dXNlcjpwYXNz", "Bearer ",
                                    "Bearer rtn_" + "\u0000" * 12 + "_x", "Bearer rtn_ABCDEF012345_x"])
def test_a_wrong_key_is_a_401(client, app, tenant_a, header):
    assert client.get("/api/v1/customers", headers={"Authorization": header}).status_code == 401


@pytest.mark.parametrize("key", ["rtn_" + "\u0000" * 12 + "_x", "rtn_ABCDEF012345_x", "rtn_" + "\u0661" * 12 + "_x",
                                 "rtn_0123456789ab_", "key_0123456789ab_x"])
def test_only_a_well_formed_key_has_a_prefix(key):
    """A prefix is 12 lower-case hex digits; anything else is never looked up (NUL broke PostgreSQL)."""
    assert ApiKey.parse_prefix(key) is None
    assert ApiKey.parse_prefix("rtn_0123456789ab_secret") == "0123456789ab"


def test_a_wrong_secret_with_a_real_prefix_is_a_401(client, tenant_a):
    forged = tenant_a.key.rsplit("_", 1)[0] + "_" + "x" * 43
    assert client.get("/api/v1/customers", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


@pytest.mark.backend_independent
def test_an_unknown_method_is_a_405_json_error(tenant_a):
    response = tenant_a.open("PUT", "/api/v1/customers")
    assert response.status_code == 405 and response.json["error"]["code"] == "method_not_allowed"


NUL = "a\u0000b"
NUL_BODIES = {
    "a customer's name": ("POST", "/api/v1/customers", {"name": NUL}, {"name": ["Must not contain NUL characters."]}),
    "a nested value": ("POST", "/api/v1/customers", {"name": "x", "social": {"wechat": NUL}},
                       {"social": {"wechat": ["Must not contain NUL characters."]}}),
    "a list item": ("POST", "/api/v1/customers", {"name": "x", "tags": ["ok", NUL]},
                    {"tags": {"1": ["Must not contain NUL characters."]}}),
    "a dict key": ("POST", "/api/v1/customers", {"name": "x", "custom_fields": {NUL: 1}},
                   {"custom_fields": {NUL: ["Must not contain NUL characters."]}}),
    "a top-level key": ("POST", "/api/v1/customers", {"name": "x", NUL: 1}, {NUL: ["Must not contain NUL characters."]}),
    "a PATCH": ("PATCH", "/api/v1/customers/{customer}", {"notes": NUL}, {"notes": ["Must not contain NUL characters."]}),
    "a purchase": ("POST", "/api/v1/purchases", {"customer_id": None, "product": NUL, "amount": "1.00",
                                                 "purchased_at": "2026-03-01T10:00:00Z"},
                   {"product": ["Must not contain NUL characters."]}),
    "a tag": ("POST", "/api/v1/tags", {"name": NUL}, {"name": ["Must not contain NUL characters."]}),
    "a member": ("POST", "/api/v1/members", {"email": "m@x.example", "name": NUL, "role": "agent",
                                             "password": "a long enough password"},
                 {"name": ["Must not contain NUL characters."]}),
    "a workspace setting": ("PATCH", "/api/v1/tenant", {"name": NUL}, {"name": ["Must not contain NUL characters."]}),
}


@pytest.mark.backend_independent
@pytest.mark.parametrize("case", list(NUL_BODIES))
def test_a_nul_anywhere_in_a_body_is_a_422_naming_the_field(app, tenant_a, case):
    """PostgreSQL refuses NUL in text (a 500 there); SQLite would store it. Both answer 422."""
    method, path, body, fields = NUL_BODIES[case]
    customer = tenant_a.customer()["id"]
    path = path.format(customer=customer)
    if "customer_id" in body:
        body = {**body, "customer_id": customer}
    before = tenant_rows(app, tenant_a)
    response = tenant_a.open(method, path, json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"] == fields
    assert tenant_rows(app, tenant_a) == before


@pytest.mark.backend_independent
@pytest.mark.parametrize("part", ["the file's name", "a form field"])
def test_a_nul_in_an_upload_is_a_422_naming_the_part(app, tenant_a, part):
    """The file's name is kept with the import: PostgreSQL refused it with a 500."""
    name, kind = ("a\u0000b.csv", "customers") if part == "the file's name" else ("a.csv", NUL)
    before = tenant_rows(app, tenant_a)
    response = tenant_a.post("/api/v1/imports", content_type="multipart/form-data", data={
        "kind": kind, "file": (io.BytesIO(b"name,phone\nA,\n"), name)})
    assert response.status_code == 422, response.json
    assert response.json["error"]["fields"] == {"file" if kind == "customers" else "kind": ["Must not contain NUL characters."]}
    assert tenant_rows(app, tenant_a) == before


@pytest.mark.backend_independent
def test_a_nul_in_a_sign_up_is_a_422(client):
    body = {"company_name": NUL, "slug": "nul-co", "admin_email": "o@nul-co.example",
            "admin_password": "a long enough password"}
    response = client.post("/api/v1/tenants", json=body)
    assert response.status_code == 422 and "company_name" in response.json["error"]["fields"]
    assert client.post("/api/v1/tenants", json={**body, "company_name": "Nul Co"}).status_code == 201


@pytest.mark.backend_independent
@pytest.mark.parametrize(("path", "name"), [("/api/v1/customers", "q"), ("/api/v1/customers", "tag"),
                                            ("/api/v1/audit-log", "object_type"), ("/api/v1/audit-log", "object_id")])
def test_a_nul_in_a_query_string_is_a_400(tenant_a, path, name):
    response = tenant_a.get(path, query_string={name: NUL})
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {name: ["Must not contain NUL characters."]}


@pytest.mark.backend_independent
@pytest.mark.parametrize("body", ['{"name": "x", "custom_fields": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}",
                                  '{"name": "x", "notes": ' + "9" * 5000 + "}"],
                         ids=["nested 100,000 deep", "a 5,000-digit integer"])
def test_json_python_cannot_parse_is_a_400(app, tenant_a, body):
    before = tenant_rows(app, tenant_a)
    response = tenant_a.post("/api/v1/customers", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["message"] == "The request body is not valid JSON."
    assert tenant_rows(app, tenant_a) == before


@pytest.mark.backend_independent
@pytest.mark.parametrize("key", ["k\u0000", "with space", "caf\u00e9", "x" * 256, ""])
def test_a_malformed_idempotency_key_is_a_400(app, tenant_a, key):
    before = tenant_rows(app, tenant_a)
    response = tenant_a.post("/api/v1/customers", json={"name": "x"}, headers={"Idempotency-Key": key})
    assert response.status_code == 400 and "Idempotency-Key" in response.json["error"]["message"]
    assert tenant_rows(app, tenant_a) == before


@pytest.mark.backend_independent
@pytest.mark.parametrize("value", ['"\u00b2"', "9" * 5000, '"1", "2"', "abc", '"-1"'])
def test_a_malformed_if_match_is_a_400(tenant_a, value):
    customer = tenant_a.customer()
    path = f"/api/v1/customers/{customer['id']}"
    response = tenant_a.patch(path, json={"name": "changed"}, headers={"If-Match": value})
    assert response.status_code == 400 and response.json["error"]["fields"] == {"If-Match": ["Not a version."]}
    assert tenant_a.get(path).json["name"] == customer["name"]


@pytest.mark.parametrize("value", ['"1"', 'W/"1"', "1", "*"])
def test_a_well_formed_if_match_is_honoured(tenant_a, value):
    path = f"/api/v1/customers/{tenant_a.customer()['id']}"
    assert tenant_a.patch(path, json={"name": "changed"}, headers={"If-Match": value}).status_code == 200


PAST_THE_EDGES = {"year 10000 in UTC": "9999-12-31T23:59:59-01:00", "year 0 in UTC": "0001-01-01T00:00:00+01:00"}


@pytest.mark.backend_independent
@pytest.mark.parametrize("name", ["created_after", "created_before"])
@pytest.mark.parametrize("edge", list(PAST_THE_EDGES))
def test_a_query_datetime_outside_utc_range_is_a_400(tenant_a, name, edge):
    response = tenant_a.get("/api/v1/customers", query_string={name: PAST_THE_EDGES[edge]})
    assert response.status_code == 400 and list(response.json["error"]["fields"]) == [name]


@pytest.mark.backend_independent
@pytest.mark.parametrize(("path", "name", "body"), [
    ("/api/v1/purchases", "purchased_at", {"product": "Tea", "amount": "10.00"}),
    ("/api/v1/interactions", "occurred_at", {"channel": "phone", "subject": "Call"}),
])
@pytest.mark.parametrize("edge", list(PAST_THE_EDGES))
def test_a_body_datetime_outside_utc_range_is_a_422(app, tenant_a, path, name, body, edge):
    body = {**body, "customer_id": tenant_a.customer()["id"], name: PAST_THE_EDGES[edge]}
    before = tenant_rows(app, tenant_a)
    response = tenant_a.post(path, json=body)
    assert response.status_code == 422 and list(response.json["error"]["fields"]) == [name]
    assert tenant_rows(app, tenant_a) == before


@pytest.mark.backend_independent
@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": "big-1"}], ids=["plain", "idempotent"])
def test_a_body_over_2_mib_is_a_413_json_error(app, tenant_a, headers):
    before = tenant_rows(app, tenant_a)
    body = '{"name": "x", "notes": "' + "x" * (2 * 1024 * 1024) + '"}'
    response = tenant_a.post("/api/v1/customers", data=body, content_type="application/json", headers=headers)
    assert response.status_code == 413
    error = response.json["error"]
    assert error["code"] == "too_large" and error["message"] and error["fields"] == {}
    assert tenant_rows(app, tenant_a) == before
