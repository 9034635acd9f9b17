"""Orders pushed in by shops and ERPs: signed per Standard Webhooks with the workspace's inbound
secret, recorded once however often and however concurrently they arrive, and nothing written
for anything unsigned or malformed."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
from standardwebhooks.webhooks import Webhook

ORDER = {"external_ref": "SO-1001", "customer": {"external_id": "C-77", "name": "Zhao Min", "email": "zhao@shop.example"},
         "product": "Longjing 250g", "amount": "388.00", "purchased_at": "2026-11-20T09:30:00Z"}


def inbound_secret(tenant) -> str:
    response = tenant.post("/api/v1/inbound/secret")
    assert response.status_code == 200, response.json
    return response.json["secret"]


def signed(secret: str, body: str, *, msg_id: str | None = None, at: dt.datetime | None = None) -> dict:
    msg_id = msg_id or f"msg_{secrets.token_hex(8)}"
    at = at or dt.datetime.now(dt.timezone.utc)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, at, body), "content-type": "application/json"}


def push(client, slug: str, body: str, headers: dict):
    return client.post(f"/api/v1/inbound/orders?workspace={slug}", data=body, headers=headers)


def state(tenant) -> tuple:
    return (tenant.get("/api/v1/customers").json["items"], tenant.get("/api/v1/purchases").json["items"])


def test_a_signed_order_creates_the_customer_and_records_the_purchase(tenant_a):
    secret, body = inbound_secret(tenant_a), json.dumps(ORDER)
    response = push(tenant_a.client, tenant_a.tenant["slug"], body, signed(secret, body))
    assert response.status_code == 201, response.json
    purchase = response.json
    assert (purchase["external_ref"], purchase["amount"], purchase["currency"]) == ("SO-1001", "388.00", "CNY")
    [customer] = tenant_a.get("/api/v1/customers").json["items"]
    assert (customer["id"], customer["external_id"], customer["email"]) == (
        purchase["customer_id"], "C-77", "zhao@shop.example")
    audit = tenant_a.get(f"/api/v1/audit-log?object_id={purchase['id']}").json["items"]
    assert (audit[0]["actor_type"], audit[0]["actor_id"]) == ("webhook", "inbound")


def test_the_same_order_again_records_nothing_new(tenant_a):
    secret, body = inbound_secret(tenant_a), json.dumps(ORDER)
    headers = signed(secret, body)
    first = push(tenant_a.client, tenant_a.tenant["slug"], body, headers)
    replay = push(tenant_a.client, tenant_a.tenant["slug"], body, headers)  # the sender's retry
    resent = push(tenant_a.client, tenant_a.tenant["slug"], body, signed(secret, body))  # a new message, same order
    assert (first.status_code, replay.status_code, resent.status_code) == (201, 200, 200)
    assert first.json["id"] == replay.json["id"] == resent.json["id"]
    assert len(tenant_a.get("/api/v1/purchases").json["items"]) == 1
    assert len(tenant_a.get("/api/v1/customers").json["items"]) == 1


def test_an_order_finds_its_customer_by_external_id_then_email_then_phone(tenant_a):
    secret = inbound_secret(tenant_a)
    by_email = tenant_a.customer(name="Zhao Min (CRM)", email="ZHAO@shop.example")
    by_phone = tenant_a.customer(name="Qian", phone="+86 138 0013 8000", email="qian@crm.example")
    for n, customer in enumerate([{"name": "Zhao", "email": "zhao@shop.example", "phone": "+86 139 1111 2222"},
                                  {"name": "Qian", "phone": "+86 138 0013 8000", "external_id": "C-9"},
                                  {"name": "Qian again", "external_id": "C-9"}]):
        body = json.dumps({**ORDER, "external_ref": f"SO-{n}", "customer": customer})
        assert push(tenant_a.client, tenant_a.tenant["slug"], body, signed(secret, body)).status_code == 201
    customers = {c["id"]: c for c in tenant_a.get("/api/v1/customers").json["items"]}
    assert set(customers) == {by_email["id"], by_phone["id"]}  # nobody new
    assert customers[by_email["id"]]["phone"] == "+8613911112222"  # an empty field filled, in E.164
    assert customers[by_email["id"]]["name"] == "Zhao Min (CRM)"  # what the CRM has is kept
    assert customers[by_phone["id"]]["external_id"] == "C-9"
    owners = [p["customer_id"] for p in tenant_a.get("/api/v1/purchases").json["items"]]
    assert sorted(owners) == sorted([by_email["id"], by_phone["id"], by_phone["id"]])


@pytest.mark.parametrize("case", ["no signature", "tampered body", "stale timestamp", "future timestamp",
                                  "wrong secret", "another workspace", "unknown workspace", "garbage signature",
                                  "no secret yet"])
def test_anything_not_signed_with_the_workspace_secret_is_a_401_and_writes_nothing(tenant_a, tenant_b, case):
    secret = inbound_secret(tenant_a) if case != "no secret yet" else "whsec_" + "A" * 43
    body, slug = json.dumps(ORDER), tenant_a.tenant["slug"]
    headers = signed(secret, body)
    if case == "no signature":
        del headers["webhook-signature"]
    elif case == "tampered body":
        body = body.replace("388.00", "3.88")
    elif case == "stale timestamp":
        headers = signed(secret, body, at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=6))
    elif case == "future timestamp":
        headers = signed(secret, body, at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=6))
    elif case == "wrong secret":
        headers = signed(inbound_secret(tenant_b), body)
    elif case == "another workspace":
        slug = tenant_b.tenant["slug"]
        inbound_secret(tenant_b)
    elif case == "unknown workspace":
        slug = "no-such-workspace"
    elif case == "garbage signature":
        headers["webhook-signature"] = "v1"
    before_a, before_b = state(tenant_a), state(tenant_b)
    response = push(tenant_a.client, slug, body, headers)
    assert response.status_code == 401, response.json
    assert response.json["error"]["code"] == "unauthorized"
    assert (state(tenant_a), state(tenant_b)) == (before_a, before_b)


@pytest.mark.parametrize("change, field", [
    ({"amount": None}, "amount"), ({"customer": {"email": "x@y.example"}}, "customer"),
    ({"customer": {"name": "A", "email": "not an e-mail"}}, "customer"), ({"purchased_at": "yesterday"}, "purchased_at"),
    ({"external_ref": ""}, "external_ref"), ({"currency": "yuan"}, "currency"),
])
def test_a_signed_but_malformed_order_is_a_422_with_the_field_and_writes_nothing(tenant_a, change, field):
    secret = inbound_secret(tenant_a)
    body = json.dumps({key: value for key, value in {**ORDER, **change}.items() if value is not None})
    response = push(tenant_a.client, tenant_a.tenant["slug"], body, signed(secret, body))
    assert response.status_code == 422 and field in response.json["error"]["fields"]
    assert state(tenant_a) == ([], [])


def test_a_body_that_is_not_json_is_a_422_once_signed(tenant_a):
    secret, body = inbound_secret(tenant_a), "order=SO-1"
    response = push(tenant_a.client, tenant_a.tenant["slug"], body, signed(secret, body))
    assert response.status_code == 422 and state(tenant_a) == ([], [])


def test_the_previous_secret_still_signs_for_a_day_after_rotation(tenant_a):
    old = inbound_secret(tenant_a)
    rotated = tenant_a.post("/api/v1/inbound/secret").json
    assert rotated["secret"] != old and rotated["previous_secret_expires_at"]
    for n, secret in enumerate([old, rotated["secret"]]):
        body = json.dumps({**ORDER, "external_ref": f"SO-R{n}"})
        assert push(tenant_a.client, tenant_a.tenant["slug"], body, signed(secret, body)).status_code == 201


def test_only_admins_create_the_inbound_secret(tenant_a):
    key = tenant_a.post("/api/v1/api-keys", json={"name": "agent", "scopes": ["read", "write"]}).json["key"]
    assert tenant_a.client.post("/api/v1/inbound/secret",
                                headers={"Authorization": f"Bearer {key}"}).status_code == 403


@pytest.mark.parametrize("same_message", [True, False])
def test_ten_concurrent_deliveries_of_one_order_make_one_customer_and_one_purchase(app, tenant_a, same_message):
    secret, body = inbound_secret(tenant_a), json.dumps(ORDER)
    shared = signed(secret, body)
    headers = [shared if same_message else signed(secret, body) for _ in range(10)]
    clients = [app.test_client() for _ in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(lambda c, h: push(c, tenant_a.tenant["slug"], body, h), clients, headers))
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert len({r.json["id"] for r in responses}) == 1
    assert len(tenant_a.get("/api/v1/purchases").json["items"]) == 1
    assert len(tenant_a.get("/api/v1/customers").json["items"]) == 1


def test_a_signed_order_with_an_overlong_webhook_id_is_a_400_and_writes_nothing(tenant_a):
    secret, body = inbound_secret(tenant_a), json.dumps(ORDER)
    response = push(tenant_a.client, tenant_a.tenant["slug"], body, signed(secret, body, msg_id="m" * 256))
    assert response.status_code == 400 and "webhook-id" in response.json["error"]["message"]
    assert state(tenant_a) == ([], [])
