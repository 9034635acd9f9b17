"""The OpenAPI document describes every route, parameter, body and error."""

from __future__ import annotations

import re

import pytest

# The document is built from the routes' declarations, without a query: one database suffices.
pytestmark = pytest.mark.backend_independent

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def flask_api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(m.lower(), path) for m in rule.methods if m.lower() in METHODS}
    return routes


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def test_every_api_route_is_in_the_document(app, spec):
    documented = {(m, p) for m, p, _ in operations(spec)}
    assert flask_api_routes(app) == documented


def test_every_operation_has_a_summary_and_documents_its_errors(spec):
    for method, path, operation in operations(spec):
        where = f"{method.upper()} {path}"
        assert operation.get("summary") or operation.get("description"), where
        codes = set(operation["responses"])
        assert any(c.startswith("2") for c in codes), where
        if operation.get("security", spec["security"]):
            assert {"401", "403", "429"} <= codes, where  # 429: the limits per API key and workspace
        if "{" in path:
            assert "404" in codes, where
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= codes, where  # 413: over MAX_CONTENT_LENGTH
        if any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert "400" in codes, where


NAMED_BY_CODE = {"name"}  # modules are named by their code (``loyalty``), the same in every tenant


def test_the_429_answer_documents_retry_after_and_the_rate_limit_headers(spec):
    too_many = spec["components"]["responses"]["TOO_MANY_REQUESTS"]
    assert set(too_many["headers"]) == {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}
    assert too_many["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    limited = [op["responses"]["429"] for m, p, op in operations(spec) if op.get("security", spec["security"])]
    assert limited and all(answer == {"$ref": "#/components/responses/TOO_MANY_REQUESTS"} for answer in limited)


def test_path_parameters_are_declared_as_uuids(spec):
    for path, item in spec["paths"].items():
        for name in re.findall(r"{(\w+)}", path):
            declared = [p for p in item.get("parameters", []) if p["name"] == name]
            assert declared, path
            assert declared[0]["schema"].get("format") == ("uuid" if name not in NAMED_BY_CODE else None), path


def test_errors_share_one_schema(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorDetail")
    assert spec["components"]["responses"]["NOT_FOUND"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_sign_up_and_signed_orders_are_public_and_everything_else_needs_a_key(spec):
    """And a workspace deletion's progress: its keys stop when it starts; the id is the one secret."""
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    public = {(m, p) for m, p, op in operations(spec) if op.get("security") == []}
    assert public == {("post", "/api/v1/tenants"), ("post", "/api/v1/inbound/orders"),
                      ("get", "/api/v1/tenant-deletions/{deletion_id}")}


# Sign-up is public (no tenant to keep keys in); the answer of a new API key or a rotated webhook
# secret is a secret that must never be stored; inbound orders are idempotent on their webhook-id
# and order number instead.
NOT_IDEMPOTENT = {"/api/v1/tenants", "/api/v1/api-keys", "/api/v1/webhooks/{endpoint_id}/rotate-secret",
                  "/api/v1/inbound/orders"}


def test_every_post_but_the_public_and_secret_ones_documents_the_idempotency_key(spec):
    posts = 0
    for method, path, operation in operations(spec):
        if method == "post":
            posts += 1
            names = {p["name"] for p in operation.get("parameters", [])}
            assert ("Idempotency-Key" in names) == (path not in NOT_IDEMPOTENT), path
    assert posts > len(NOT_IDEMPOTENT)


def test_the_document_validates_as_openapi_3(spec):
    from openapi_spec_validator import validate

    validate(spec)  # raises, naming the first invalid part


def test_decimals_are_strings_whose_bounds_are_numbers(spec):
    amount = spec["components"]["schemas"]["Purchase"]["properties"]["amount"]
    assert amount["type"] == "string" and amount["format"] == "decimal"
    assert (amount["x-minimum"], amount["x-maximum"]) == (0, 10**12)
    assert "minimum" not in amount and "maximum" not in amount
    core = spec["components"]["schemas"]["Rules"]["properties"]["core"]
    assert core["x-exclusiveMinimum"] is True


def test_patterns_are_in_ecma_syntax():
    from saas.api.openapi import to_ecma

    assert to_ecma(r"#[0-9a-fA-F]{6}\Z") == "#[0-9a-fA-F]{6}$"
    assert to_ecma(r"\A(?P<code>[A-Z]{3})\Z") == "^(?<code>[A-Z]{3})$"
    assert to_ecma(r"a\\Z") == r"a\\Z"  # an escaped backslash before a Z is not Python's \Z


def test_no_operation_has_a_catch_all_default_response(spec):
    assert not [(m, p) for m, p, op in operations(spec) if "default" in op["responses"]]


def test_the_sign_up_documents_the_slug_it_takes(spec):
    slug = spec["components"]["schemas"]["Signup"]["properties"]["slug"]
    assert slug["pattern"] == "^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$"


def test_adding_a_member_documents_that_a_new_person_s_password_is_optional(spec):
    member = spec["components"]["schemas"]["Member"]
    assert "password" not in member.get("required", []) and {"email", "role"} <= set(member["required"])
    assert "choose their own password" in member["properties"]["password"]["description"]
    assert "invited" in member["properties"]["status"]["enum"]


def test_the_notifications_and_the_to_do_list_are_documented_for_the_caller(spec):
    paths = {path: set(item) & METHODS for path, item in spec["paths"].items()}
    assert paths["/api/v1/notifications"] == {"get"} and paths["/api/v1/todo"] == {"get"}
    assert paths["/api/v1/notifications/{notification_id}/read"] == {"post"}
    assert paths["/api/v1/notifications/read-all"] == {"post"}
    assert paths["/api/v1/notifications/unread-count"] == {"get"}
    listed = spec["paths"]["/api/v1/notifications"]["get"]
    assert "unread" in {p["name"] for p in listed["parameters"]}
    assert "404" in spec["paths"]["/api/v1/notifications/{notification_id}/read"]["post"]["responses"]
