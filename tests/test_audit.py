"""The audit log records every create, update and delete of tenant data, with its actor."""

from __future__ import annotations


def entries(tenant, **query):
    params = "&".join(f"{k}={v}" for k, v in query.items())
    return tenant.get(f"/api/v1/audit-log?{params}").json["items"]


def test_a_customers_life_is_in_the_audit_log_with_the_changed_fields(tenant_a):
    customer = tenant_a.customer(name="Before", email="a@b.example")
    tenant_a.patch(f"/api/v1/customers/{customer['id']}", json={"name": "After"})
    tenant_a.delete(f"/api/v1/customers/{customer['id']}")
    tenant_a.post(f"/api/v1/customers/{customer['id']}/restore")
    log = list(reversed(entries(tenant_a, object_type="customers", object_id=customer["id"])))
    assert [e["action"] for e in log] == ["create", "update", "delete", "restore"]
    assert log[0]["changes"]["email"] == [None, "a@b.example"]
    assert log[1]["changes"] == {"name": ["Before", "After"]}
    key_id = tenant_a.get("/api/v1/api-keys").json["items"][0]["id"]
    assert {(e["actor_type"], e["actor_id"]) for e in log} == {("api_key", key_id)}


def test_secrets_never_reach_the_audit_log(tenant_a):
    tenant_a.post("/api/v1/api-keys", json={"name": "shop", "scopes": ["read", "write"]})
    log = entries(tenant_a, object_type="api_keys")
    assert log and all("key_hash" not in e["changes"] for e in log)


def test_the_audit_log_is_per_tenant_and_for_admins(tenant_a, tenant_b):
    tenant_a.customer()
    assert entries(tenant_b, object_type="customers") == []
    reader = tenant_a.post("/api/v1/api-keys", json={"name": "read", "scopes": ["read"]}).json["key"]
    response = tenant_a.client.get("/api/v1/audit-log", headers={"Authorization": f"Bearer {reader}"})
    assert response.status_code == 403


def test_purchases_interactions_and_settings_are_audited(tenant_a):
    customer = tenant_a.customer()
    tenant_a.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "Tea", "amount": "5.00",
                                             "purchased_at": "2026-01-01T00:00:00Z"})
    tenant_a.post("/api/v1/interactions", json={"customer_id": customer["id"], "channel": "sms", "subject": "hi",
                                                "occurred_at": "2026-01-01T00:00:00Z"})
    tenant_a.patch("/api/v1/tenant", json={"settings": {"currency": "USD"}})
    types = {e["object_type"] for e in entries(tenant_a, limit=200)}
    assert {"customers", "purchases", "interactions", "tenants", "memberships", "api_keys", "tags"} - types == {"tags"}


def test_a_change_of_tags_alone_is_a_new_version_and_audited(tenant_a):
    customer = tenant_a.customer(tags=["VIP"])
    path = f"/api/v1/customers/{customer['id']}"
    changed = tenant_a.patch(path, json={"tags": ["VIP", "批发"], "version": 1})
    assert changed.status_code == 200 and changed.json["version"] == 2
    assert tenant_a.patch(path, json={"tags": ["VIP"], "version": 1}).status_code == 409
    log = entries(tenant_a, object_type="customers", object_id=customer["id"])
    assert log[0]["action"] == "update" and log[0]["changes"]["tags"] == [["VIP"], ["VIP", "批发"]]
