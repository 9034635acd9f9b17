"""Concurrent retries against a real PostgreSQL: one order, one effect."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.postgres  # SQLite serialises writers; the races worth testing need PostgreSQL


def in_parallel(app, tenant, requests: int, call):
    clients = [app.test_client() for _ in range(requests)]
    with ThreadPoolExecutor(max_workers=requests) as pool:
        return list(pool.map(lambda c: call(c, tenant.headers), clients))


def test_ten_concurrent_posts_of_one_order_record_one_purchase(app, tenant_a):
    customer = tenant_a.customer()
    body = {"customer_id": customer["id"], "product": "龙井", "amount": "880.00",
            "purchased_at": "2026-05-01T08:00:00Z", "external_ref": "SHOP-77"}
    responses = in_parallel(app, tenant_a, 10, lambda c, h: c.post("/api/v1/purchases", json=body, headers=h))
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert len({r.json["id"] for r in responses}) == 1
    assert len(tenant_a.get("/api/v1/purchases").json["items"]) == 1


def test_concurrent_retries_with_one_idempotency_key_create_one_customer(app, tenant_a):
    headers = {"Idempotency-Key": "retry-storm"}
    responses = in_parallel(app, tenant_a, 8, lambda c, h: c.post(
        "/api/v1/customers", json={"name": "Storm"}, headers={**h, **headers}))
    codes = [r.status_code for r in responses]
    assert set(codes) <= {201, 409} and 201 in codes
    assert len({r.json["id"] for r in responses if r.status_code == 201}) == 1
    assert len(tenant_a.get("/api/v1/customers").json["items"]) == 1


def test_concurrent_sign_ups_for_one_slug_make_one_workspace_and_clean_409s(app):
    def sign_up(client, n):
        return client.post("/api/v1/tenants", json={
            "company_name": "Race", "slug": "race", "admin_email": f"owner{n}@race.example",
            "admin_password": "a long enough password"})

    clients = [app.test_client() for _ in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(r.status_code for r in pool.map(sign_up, clients, range(6)))
    assert codes == [201] + [409] * 5


def test_concurrent_refunds_never_exceed_the_amount(app, tenant_a):
    customer = tenant_a.customer()
    bought = tenant_a.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "Tea", "amount": "100.00",
                                                      "purchased_at": "2026-05-01T08:00:00Z"}).json
    responses = in_parallel(app, tenant_a, 8, lambda c, h: c.post(
        f"/api/v1/purchases/{bought['id']}/refund", json={"amount": "60.00"}, headers=h))
    assert sorted(r.status_code for r in responses) == [200] + [422] * 7
    assert tenant_a.get(f"/api/v1/purchases/{bought['id']}").json["refunded_amount"] == "60.00"


def test_concurrent_first_uses_of_a_tag_make_one_tag(app, tenant_a):
    responses = in_parallel(app, tenant_a, 6, lambda c, h: c.post(
        "/api/v1/customers", json={"name": "x", "tags": ["新茶"]}, headers=h))
    assert [r.status_code for r in responses] == [201] * 6
    assert [t["name"] for t in tenant_a.get("/api/v1/tags").json["items"]] == ["新茶"]


def test_concurrent_creations_of_one_tag_answer_201_once_and_409_otherwise(app, tenant_a):
    responses = in_parallel(app, tenant_a, 6, lambda c, h: c.post("/api/v1/tags", json={"name": "VIP"}, headers=h))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
