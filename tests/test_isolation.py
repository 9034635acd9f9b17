"""Tenant isolation, as a property: several tenants act at random, and no request made with one
tenant's credentials reads, lists, changes or deletes another tenant's object through any route
of the OpenAPI document. Runs on SQLite (the ORM filter alone) and PostgreSQL (ORM filter + RLS).
"""

from __future__ import annotations

import io
import itertools
import re
import secrets

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Which kind of object each path parameter names; a new route with a new parameter must be added
# here (test_every_path_parameter_is_covered fails until it is).
PARAMETER_KINDS = {
    "customer_id": "customers", "purchase_id": "purchases", "interaction_id": "interactions",
    "tag_id": "tags", "field_id": "custom_fields", "member_id": "members", "key_id": "api_keys",
    # Module names are the same in every tenant; what differs is each tenant's state, whose
    # isolation test_modules.py covers (enable for A, B unchanged; errors; hooks; routes).
    "name": "modules",
    "endpoint_id": "webhooks", "delivery_id": "deliveries", "segment_id": "segments",
    "import_id": "imports", "reward_id": "rewards",
}
# A valid body for each write, so that a 404 cannot hide behind a 422.
BODIES = {
    ("patch", "/api/v1/customers/{customer_id}"): {"name": "taken over"},
    ("post", "/api/v1/purchases/{purchase_id}/refund"): {},
    ("post", "/api/v1/customers/{customer_id}/restore"): None,
    ("patch", "/api/v1/tags/{tag_id}"): {"name": "taken over"},
    ("patch", "/api/v1/custom-fields/{field_id}"): {"label": "taken over"},
    ("patch", "/api/v1/members/{member_id}"): {"team": "taken over"},
    ("patch", "/api/v1/webhooks/{endpoint_id}"): {"description": "taken over"},
    ("put", "/api/v1/customers/{customer_id}/tier-override"): {"tier": "core", "reason": "taken over"},
    ("patch", "/api/v1/segments/{segment_id}"): {"name": "taken over"},
    ("post", "/api/v1/loyalty/customers/{customer_id}/adjustments"): {"points": 5, "reason": "taken over"},
    ("patch", "/api/v1/loyalty/rewards/{reward_id}"): {"stock": 0},
    # the attacker spends the victim's customer's points on a reward of its own
    ("post", "/api/v1/loyalty/customers/{customer_id}/redemptions"): lambda attacker: {"reward_id": attacker.post(
        "/api/v1/loyalty/rewards", json={"name": "bait", "points_cost": 1}).json["id"]},
    # the attacker tries to merge a customer of its own into the victim's
    ("post", "/api/v1/customers/{customer_id}/merge"): lambda attacker: {"merged_id": attacker.customer()["id"]},
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def openapi_operations(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, operations in spec["paths"].items():
        for method in operations:
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method, path


def act(tenant, objects, action, n):
    """Perform one random action as ``tenant``, remembering what it created."""
    mine = objects[tenant.tenant["slug"]]
    live = [c for c in mine["customers"] if c not in mine["deleted"]]
    if action == "customer" or not live:
        made = tenant.customer(tags=[f"t{n % 3}"], owner_id=tenant.user["id"])
        mine["customers"].append(made["id"])
        live.append(made["id"])
    elif action == "purchase":
        made = tenant.post("/api/v1/purchases", json={
            "customer_id": live[n % len(live)], "product": "Tea", "amount": "99.00",
            "purchased_at": "2026-01-01T00:00:00Z", "external_ref": f"R{n}"}).json
        mine["purchases"].append(made["id"])
    elif action == "interaction":
        made = tenant.post("/api/v1/interactions", json={
            "customer_id": live[n % len(live)], "channel": "phone", "subject": "call",
            "occurred_at": "2026-01-01T00:00:00Z"}).json
        mine["interactions"].append(made["id"])
    elif action == "custom_field":
        made = tenant.post("/api/v1/custom-fields", json={"key": f"f{n}", "label": "F", "type": "text"}).json
        mine["custom_fields"].append(made["id"])
    elif action == "member":
        made = tenant.post("/api/v1/members", json={
            "email": f"m{n}-{secrets.token_hex(3)}@x.example", "password": "a long enough password", "role": "agent"}).json
        mine["members"].append(made["id"])
    elif action == "api_key":
        made = tenant.post("/api/v1/api-keys", json={"name": f"k{n}", "scopes": ["read"]}).json
        mine["api_keys"].append(made["id"])
    elif action == "merge" and len(live) > 1:
        response = tenant.post(f"/api/v1/customers/{live[0]}/merge", json={"merged_id": live[1]})
        assert response.status_code == 200, response.json
        mine["deleted"].append(live[1])
    elif action == "webhook":
        made = tenant.post("/api/v1/webhooks", json={"url": f"http://127.0.0.1:9/hook{n}"}).json
        mine["webhooks"].append(made["id"])
    elif action == "segment":
        made = tenant.post("/api/v1/segments", json={"name": f"s{n}", "filter": {"tags": ["t1"]}}).json
        mine["segments"].append(made["id"])
    elif action == "import":
        sheet = f"name,phone\nImported {n},\n".encode()
        made = tenant.post("/api/v1/imports", data={"kind": "customers", "file": (io.BytesIO(sheet), "c.csv")},
                           content_type="multipart/form-data").json
        mine["imports"].append(made["id"])
        mine["customers"].extend(c["id"] for c in tenant.get("/api/v1/customers?q=Imported").json["items"]
                                 if c["id"] not in mine["customers"])
    elif action == "reward":
        made = tenant.post("/api/v1/loyalty/rewards", json={"name": f"r{n}", "points_cost": 10, "stock": 3}).json
        mine["rewards"].append(made["id"])
    elif action == "delete_customer":
        assert tenant.delete(f"/api/v1/customers/{live[0]}").status_code == 204
        mine["deleted"].append(live[0])
    for tag in tenant.get("/api/v1/tags").json["items"]:
        if tag["id"] not in mine["tags"]:
            mine["tags"].append(tag["id"])
    for member in tenant.get("/api/v1/members").json["items"]:
        if member["id"] not in mine["members"]:
            mine["members"].append(member["id"])


def snapshot(tenant, customer_ids=()) -> dict:
    """Everything a tenant can list about itself (what an attacker must not be able to change)."""
    paths = [*(f"/api/v1/loyalty/customers/{i}/entries" for i in customer_ids),
             "/api/v1/customers?deleted=false", "/api/v1/customers?deleted=true", "/api/v1/purchases",
             "/api/v1/interactions", "/api/v1/tags", "/api/v1/custom-fields", "/api/v1/members",
             "/api/v1/api-keys", "/api/v1/webhooks", "/api/v1/segments", "/api/v1/imports", "/api/v1/classification/rules",
             "/api/v1/loyalty/rewards",
             "/api/v1/tenant"]
    state = {}
    for path in paths:
        body = tenant.get(path + ("&" if "?" in path else "?") + "limit=200" if "tenant" not in path else path).json
        if isinstance(body, dict) and "items" in body:
            for item in body["items"]:
                item.pop("last_used_at", None)
        state[path] = body
    return state


ACTIONS = st.sampled_from(["customer", "purchase", "interaction", "custom_field", "member", "api_key",
                           "delete_customer", "merge", "webhook", "segment", "import", "reward"])


def test_every_path_parameter_is_covered(client, app):
    for _, path in openapi_operations(client):
        for parameter in re.findall(r"{(\w+)}", path):
            assert parameter in PARAMETER_KINDS, f"{path}: add {parameter} to the isolation test"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.integers(0, 2), ACTIONS), min_size=3, max_size=10))
def test_no_tenant_reaches_another_tenants_objects_through_any_route(client, sign_up, steps):
    tenants = [sign_up() for _ in range(3)]
    for tenant in tenants:  # the modules' routes are checked where they answer, not behind their 404
        assert tenant.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
    objects = {t.tenant["slug"]: {kind: [] for kind in {*PARAMETER_KINDS.values(), "deleted"}} for t in tenants}
    for n, (who, action) in enumerate(steps):
        act(tenants[who], objects, action, n)
    operations = list(openapi_operations(client))
    for attacker, victim in itertools.permutations(tenants, 2):
        victim_customers = objects[victim.tenant["slug"]]["customers"][:3]
        before = snapshot(victim, victim_customers)
        foreign_ids = {i for kind, ids in objects[victim.tenant["slug"]].items() for i in ids}
        foreign_ids |= {victim.tenant["id"], victim.user["id"]} - {attacker.user["id"]}
        for method, path in operations:
            parameters = re.findall(r"{(\w+)}", path)
            if not parameters:
                if method == "get" and path != "/api/v1/openapi.json":
                    listed = attacker.get(path).get_data(as_text=True)
                    assert not (set(UUID.findall(listed)) & foreign_ids), f"GET {path} leaks"
                continue
            kind = PARAMETER_KINDS[parameters[0]]
            for object_id in objects[victim.tenant["slug"]][kind][:2]:
                url = path.replace("{" + parameters[0] + "}", object_id)
                body = BODIES.get((method, path), None)
                body = body(attacker) if callable(body) else body
                response = attacker.open(method.upper(), url, **({"json": body} if body is not None else {}))
                assert response.status_code == 404, f"{method.upper()} {path} as another tenant: {response.status_code}"
        for customer_id in objects[victim.tenant["slug"]]["customers"][:1]:
            for path, body in (
                ("/api/v1/purchases", {"customer_id": customer_id, "product": "x", "amount": "1.00",
                                       "purchased_at": "2026-01-01T00:00:00Z"}),
                ("/api/v1/interactions", {"customer_id": customer_id, "channel": "sms", "subject": "x",
                                          "occurred_at": "2026-01-01T00:00:00Z"}),
            ):
                assert attacker.post(path, json=body).status_code == 404
            listed = attacker.get(f"/api/v1/purchases?customer_id={customer_id}").json["items"]
            assert listed == []
        assert attacker.get(f"/api/v1/customers?owner_id={victim.user['id']}").json["items"] == []
        assert snapshot(victim, victim_customers) == before
