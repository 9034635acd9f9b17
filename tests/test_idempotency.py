"""``Idempotency-Key`` on POST: a retry gets the first answer and acts once."""

from __future__ import annotations


def test_a_retried_post_with_the_same_key_creates_once_and_replays_the_answer(tenant_a):
    headers = {"Idempotency-Key": "create-wang-1"}
    first = tenant_a.post("/api/v1/customers", json={"name": "王先生"}, headers=headers)
    again = tenant_a.post("/api/v1/customers", json={"name": "王先生"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(tenant_a.get("/api/v1/customers").json["items"]) == 1


def test_a_key_reused_with_another_body_is_refused(tenant_a):
    headers = {"Idempotency-Key": "k-1"}
    tenant_a.post("/api/v1/customers", json={"name": "A"}, headers=headers)
    other = tenant_a.post("/api/v1/customers", json={"name": "B"}, headers=headers)
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_key_reused"
    assert [c["name"] for c in tenant_a.get("/api/v1/customers").json["items"]] == ["A"]


def test_a_failed_request_is_not_remembered(tenant_a):
    headers = {"Idempotency-Key": "k-2"}
    assert tenant_a.post("/api/v1/customers", json={"name": ""}, headers=headers).status_code == 422
    assert tenant_a.post("/api/v1/customers", json={"name": "fixed"}, headers=headers).status_code == 201
    replay = tenant_a.post("/api/v1/customers", json={"name": "fixed"}, headers=headers)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"


def test_keys_belong_to_their_tenant(tenant_a, tenant_b):
    headers = {"Idempotency-Key": "shared"}
    a = tenant_a.post("/api/v1/customers", json={"name": "A"}, headers=headers)
    b = tenant_b.post("/api/v1/customers", json={"name": "A"}, headers=headers)
    assert b.status_code == 201 and b.json["id"] != a.json["id"]
    assert "Idempotent-Replayed" not in b.headers


def test_an_over_long_key_is_a_400(tenant_a):
    response = tenant_a.post("/api/v1/customers", json={"name": "x"}, headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 400


def test_purchases_and_interactions_take_idempotency_keys_too(tenant_a):
    customer = tenant_a.customer()
    body = {"customer_id": customer["id"], "product": "Tea", "amount": "1.00", "purchased_at": "2026-01-01T00:00:00Z"}
    for _ in range(2):
        tenant_a.post("/api/v1/purchases", json=body, headers={"Idempotency-Key": "p-1"})
    assert len(tenant_a.get("/api/v1/purchases").json["items"]) == 1


def test_a_new_api_keys_secret_is_never_kept_for_replay(app, tenant_a):
    import sqlalchemy as sa

    from saas.core.db import db
    from saas.core.tenancy import tenant_context

    headers = {"Idempotency-Key": "key-1"}
    first = tenant_a.post("/api/v1/api-keys", json={"name": "shop"}, headers=headers).json["key"]
    second = tenant_a.post("/api/v1/api-keys", json={"name": "shop"}, headers=headers).json["key"]
    assert first != second
    with app.app_context(), tenant_context(tenant_a.id):
        stored = db.session.execute(sa.text("SELECT response_body FROM idempotency_keys")).scalars().all()
    assert stored == []  # the route takes no Idempotency-Key: nothing is kept, the secret least of all
