"""Tenant isolation, as a property: several tenants act at random, and no request made with one
tenant's credentials reads, lists, changes or deletes another tenant's object through any route
of the OpenAPI document. Runs on SQLite (the ORM filter alone) and PostgreSQL (ORM filter + RLS).

Every path parameter of a route is filled with a real id of the other tenant, of the parameter's
kind (a child's parent taken from the child: a delivery with its own endpoint), and for a route
with several parameters also each one alone among the attacker's own ids. Every tenant starts with
one object of every kind a route takes, so no route is skipped for want of an object, and
:func:`test_with_its_own_ids_every_route_answers_so_the_404s_come_from_tenancy` shows that the
404s come from tenancy: the attacker's own ids pass the router and the look-ups.
"""

from __future__ import annotations

import io
import re
import secrets

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.partitioned  # and on the schema as Citus distributes it (tests/test_citus_shape.py)

# Which kind of object each path parameter names; a new route with a new parameter must be added
# here (test_every_path_parameter_is_covered fails until it is) and to seed() (the tests below
# fail while a kind has no object to try).
PARAMETER_KINDS = {
    "customer_id": "customers", "purchase_id": "purchases", "interaction_id": "interactions",
    "tag_id": "tags", "field_id": "custom_fields", "member_id": "members", "key_id": "api_keys",
    "name": "modules",
    "endpoint_id": "webhooks", "delivery_id": "deliveries", "segment_id": "segments",
    "import_id": "imports", "reward_id": "rewards", "notification_id": "notifications",
    "deletion_id": "deletions", "export_id": "exports", "survey_id": "surveys", "task_id": "churn_tasks",
    "backtest_id": "churn_backtests", "visit_id": "visits", "case_id": "complaints",
}
# Kinds that are no workspace's: a deletion outlives its workspace (whose keys stop when it starts),
# is public and found by its random id alone; the tests at the end cover its routes.
NO_WORKSPACES = {"deletions"}
# A child's parameter -> its parent's parameter and where ``objects`` keeps each child's parent.
PARENTS = {"delivery_id": ("endpoint_id", "endpoint_of")}
# Module names are the same in every tenant: what differs is each tenant's state of the module. A
# route taking one answers the caller's own state (200), never the other tenant's, whose snapshot
# (settings included) must not change; test_modules.py covers the rest (errors, hooks, routes).
SHARED_KINDS = {"modules"}
# A valid body for each write, so that a 404 cannot hide behind a 422; a callable gets the
# attacker and its own objects.
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
    ("patch", "/api/v1/loyalty/rewards/{reward_id}"): {"stock": 2},
    ("patch", "/api/v1/surveys/{survey_id}"): {"title": "taken over"},
    # the attacker sends the victim's survey to a customer of its own
    ("post", "/api/v1/surveys/{survey_id}/send"): lambda attacker, own: {"customer_ids": own["customers"][:1], "links": True},
    ("patch", "/api/v1/churn/tasks/{task_id}"): {"offer": "taken over"},
    # the attacker writes its own settings under the module's name: they must not land in the victim's
    ("put", "/api/v1/modules/{name}"): lambda attacker, own: {"enabled": True, "settings": own["settings"]},
    # the attacker spends the victim's customer's points on a reward of its own
    ("post", "/api/v1/loyalty/customers/{customer_id}/redemptions"): lambda attacker, own: {"reward_id": own["bait"]},
    # the attacker tries to merge a customer of its own into the victim's
    ("post", "/api/v1/customers/{customer_id}/merge"): lambda attacker, own: {"merged_id": own["spare"]},
    ("post", "/api/v1/visits/{visit_id}/outcome"): {"outcome": "done", "notes": "taken over"},
    # the seed's own cadence, so that the caller's own visits keep their ids for the outcome's turn
    ("put", "/api/v1/visits/customers/{customer_id}/cadence"): {"rule": "FREQ=DAILY", "channel": "phone"},
    ("patch", "/api/v1/complaints/{case_id}"): {"cause": "taken over"},
    ("post", "/api/v1/complaints/{case_id}/events"): {"action": "acknowledge", "note": "taken over"},
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


def new_objects() -> dict:
    """What a tenant made, by kind; ``endpoint_of`` maps each delivery to its endpoint."""
    return {**{kind: [] for kind in {*PARAMETER_KINDS.values(), "deleted"}}, "endpoint_of": {}, "settings": {}}


def seed(tenant, objects, n: int) -> None:
    """Give ``tenant`` one object of every kind a route takes, before anything random happens: the
    loyalty module with settings of its own (a first-purchase bonus of ``n``), a webhook endpoint
    made before the purchase, whose events give it deliveries, a reward of one point to spend, a
    customer to merge, two that are a likely duplicate pair, and the visits module with a customer's planned visits, and the complaints module with a case. The first member is not the owner (whom an owner cannot remove)."""
    mine = objects[tenant.tenant["slug"]]
    mine["settings"] = {"first_purchase_bonus": n}
    assert tenant.put("/api/v1/modules/loyalty", json={"enabled": True, "settings": mine["settings"]}).status_code == 200
    mine["modules"].append("loyalty")
    churn(tenant, mine)
    for k, action in enumerate(("customer", "webhook", "purchase", "interaction", "custom_field", "member", "api_key",
                                "segment", "import", "reward")):
        act(tenant, objects, action, 1000 + k)  # numbers the random steps do not use
    mine["bait"] = tenant.post("/api/v1/loyalty/rewards", json={"name": "bait", "points_cost": 1}).json["id"]
    assert tenant.put("/api/v1/modules/surveys", json={"enabled": True}).status_code == 200
    survey = tenant.post("/api/v1/surveys", json={"title": "NPS", "state": "active",
                                                  "questions": [{"kind": "nps", "text": "Recommend us?"}]})
    assert survey.status_code == 201, survey.json
    mine["surveys"].append(survey.json["id"])
    mine["spare"] = tenant.customer()["id"]
    for twin in ("Twin", "Twin (2)"):  # a likely duplicate pair, which the scan after each request stores
        mine["customers"].append(tenant.customer(name=f"{twin} {n}", phone=f"+86138{n:08d}")["id"])
    assert tenant.get("/api/v1/data-quality/duplicates").json["items"], "the twins are a stored pair"
    # the visits module (not among "modules": its settings are not loyalty's), a customer with a
    # cadence of its own, so visits are planned
    assert tenant.put("/api/v1/modules/visits", json={"enabled": True}).status_code == 200
    first = mine["customers"][0]
    assert tenant.put(f"/api/v1/visits/customers/{first}/cadence",
                      json={"rule": "FREQ=DAILY", "channel": "phone"}).status_code == 200
    mine["visits"] = [v["id"] for v in tenant.get(f"/api/v1/visits?customer_id={first}").json["items"]]
    complaints(tenant, mine, first)
    made = tenant.post("/api/v1/tenant/export")
    assert made.status_code == 202, made.json
    mine["exports"].append(made.json["id"])
    find_the_rest(tenant, mine)


def churn(tenant, mine) -> None:
    """The churn module on, a customer who stopped buying a year ago (a win-back task opens) and a backtest."""
    assert tenant.put("/api/v1/modules/churn", json={"enabled": True}).status_code == 200
    gone = tenant.customer(owner_id=tenant.user["id"])["id"]
    for month in range(1, 4):
        assert tenant.post("/api/v1/purchases", json={"customer_id": gone, "product": "Tea", "amount": "99.00",
                                                      "purchased_at": f"2025-{month:02}-01T00:00:00Z"}).status_code == 201
    mine["churn_tasks"].extend(task["id"] for task in tenant.get("/api/v1/churn/tasks").json["items"])
    made = tenant.post("/api/v1/churn/backtests", json={"cutoff": "2025-06-01", "horizon_days": 90})
    assert made.status_code == 202, made.json
    mine["churn_backtests"].append(made.json["id"])


def complaints(tenant, mine, customer_id: str) -> None:
    """The complaints module on, with a case of the customer's."""
    assert tenant.put("/api/v1/modules/complaints", json={"enabled": True}).status_code == 200
    made = tenant.post("/api/v1/complaints", json={"customer_id": customer_id, "category": "delivery",
                                                   "description": "The parcel came broken"})
    assert made.status_code == 201, made.json
    mine["complaints"].append(made.json["id"])


def find_the_rest(tenant, mine) -> None:
    """Add what the actions made on the side: tags (with customers), members (the owner, last),
    webhook deliveries (with each event) and the owner's notifications (an import they started is
    over: the key is the owner's)."""
    for tag in tenant.get("/api/v1/tags?limit=200").json["items"]:
        if tag["id"] not in mine["tags"]:
            mine["tags"].append(tag["id"])
    roles = {m["id"]: m["role"] for m in tenant.get("/api/v1/members?limit=200").json["items"]}
    mine["members"].extend(member for member in roles if member not in mine["members"])
    mine["members"].sort(key=lambda member: roles[member] == "owner")
    for note in tenant.get("/api/v1/notifications?limit=200").json["items"]:
        if note["id"] not in mine["notifications"]:
            mine["notifications"].append(note["id"])
    for endpoint_id in mine["webhooks"]:
        for delivery in tenant.get(f"/api/v1/webhooks/{endpoint_id}/deliveries?limit=200").json["items"]:
            if delivery["id"] not in mine["endpoint_of"]:
                mine["deliveries"].append(delivery["id"])
                mine["endpoint_of"][delivery["id"]] = endpoint_id


def ids_for(path: str, mine: dict, index: int = 0, kinds: dict | None = None) -> dict[str, str] | None:
    """An id for each parameter of ``path``: the ``index``-th object of its kind (``kinds`` or
    PARAMETER_KINDS) in ``mine`` (None when there are fewer), a parent being its child's own (a
    delivery comes with its endpoint)."""
    ids = {}
    for parameter in reversed(re.findall(r"{(\w+)}", path)):
        if parameter not in ids:
            kind = (kinds or PARAMETER_KINDS)[parameter]
            assert mine[kind], f"{path}: no {kind} to try: make one in seed()"
            found = mine[kind]
            if index >= len(found):
                return None
            ids[parameter] = found[index]
        if parameter in PARENTS:
            parent, where = PARENTS[parameter]
            ids[parent] = mine[where][ids[parameter]]
    return ids


def mixed(theirs: dict[str, str], own: dict[str, str]) -> list[dict[str, str]]:
    """For a route with several parameters, each of the other tenant's ids alone among the caller's own,
    so that every look-up of the route, not only the first, is shown to be scoped."""
    return [{**own, name: value} for name, value in theirs.items()] if len(theirs) > 1 else []


def workspaceless(path: str) -> bool:
    return any(PARAMETER_KINDS[name] in NO_WORKSPACES for name in re.findall(r"{(\w+)}", path))


def shared(path: str) -> bool:
    return all(PARAMETER_KINDS[name] in SHARED_KINDS for name in re.findall(r"{(\w+)}", path))


def request(caller, method: str, path: str, ids: dict[str, str], own: dict):
    url = re.sub(r"{(\w+)}", lambda m: ids[m.group(1)], path)
    body = BODIES.get((method, path), None)
    body = body(caller, own) if callable(body) else body
    return caller.open(method.upper(), url, **({"json": body} if body is not None else {}))


def not_found_by_tenancy(response, router_404: str) -> bool:
    """A 404 of the application (another tenant's object is one that does not exist), not the router's."""
    return response.status_code == 404 and response.json["error"]["message"] != router_404


def snapshot(tenant, customer_ids=(), endpoint_ids=(), survey_ids=()) -> dict:
    """Everything a tenant can list about itself (what an attacker must not be able to change)."""
    paths = [*(f"/api/v1/loyalty/customers/{i}/entries" for i in customer_ids),
             *(f"/api/v1/webhooks/{i}/deliveries" for i in endpoint_ids),
             "/api/v1/customers?deleted=false", "/api/v1/customers?deleted=true", "/api/v1/purchases",
             "/api/v1/interactions", "/api/v1/tags", "/api/v1/custom-fields", "/api/v1/members",
             "/api/v1/api-keys", "/api/v1/webhooks", "/api/v1/segments", "/api/v1/imports", "/api/v1/classification/rules",
             "/api/v1/loyalty/rewards", "/api/v1/notifications", "/api/v1/surveys",
             *(f"/api/v1/surveys/{i}/results" for i in survey_ids), "/api/v1/churn/tasks", "/api/v1/churn/backtests",
             "/api/v1/churn/at-risk", "/api/v1/visits", "/api/v1/complaints"]
    state = {}
    for path in paths:
        body = tenant.get(path + ("&" if "?" in path else "?") + "limit=200").json
        if isinstance(body, dict) and "items" in body:
            for item in body["items"]:
                item.pop("last_used_at", None)
        state[path] = body
    for path in ("/api/v1/tenant", "/api/v1/modules", "/api/v1/notifications/unread-count", "/api/v1/todo"):  # not paged
        state[path] = tenant.get(path).json
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
    objects = {t.tenant["slug"]: new_objects() for t in tenants}
    for n, tenant in enumerate(tenants, start=1):  # the modules' routes are checked where they answer
        seed(tenant, objects, n)
    for n, (who, action) in enumerate(steps):
        act(tenants[who], objects, action, n)
    for tenant in tenants:
        find_the_rest(tenant, objects[tenant.tenant["slug"]])
    operations = list(openapi_operations(client))
    router_404 = client.get("/api/v1/no-such-route").json["error"]["message"]
    for victim in tenants:  # attacked by each of the others, then its snapshot compared
        theirs = objects[victim.tenant["slug"]]
        victim_customers, victim_endpoints = theirs["customers"][:3], theirs["webhooks"][:2]
        before = snapshot(victim, victim_customers, victim_endpoints, theirs["surveys"])
        for attacker in (t for t in tenants if t is not victim):
            attack(attacker, objects[attacker.tenant["slug"]], victim, theirs, operations, router_404)
        assert snapshot(victim, victim_customers, victim_endpoints, theirs["surveys"]) == before


def attack(attacker, own: dict, victim, theirs: dict, operations: list, router_404: str) -> None:
    """Every route, as ``attacker``, with ``victim``'s ids: a 404 of the application, or for a module's
    name the attacker's own state; no list shows the victim's ids."""
    foreign_ids = {i for kind in {*PARAMETER_KINDS.values()} - SHARED_KINDS for i in theirs[kind]}
    foreign_ids |= {theirs["spare"], theirs["bait"], victim.tenant["id"], victim.user["id"]} - {attacker.user["id"]}
    for method, path in operations:
        if "{" not in path:
            if method == "get" and path != "/api/v1/openapi.json":
                listed = attacker.get(path).get_data(as_text=True)
                assert not (set(UUID.findall(listed)) & foreign_ids), f"GET {path} leaks"
            continue
        if workspaceless(path):
            continue
        own_ids = ids_for(path, own)
        for index in range(2):
            their_ids = ids_for(path, theirs, index)
            if their_ids is None:
                break
            for ids in (their_ids, *(mixed(their_ids, own_ids) if index == 0 else ())):
                response = request(attacker, method, path, ids, own)
                if shared(path):  # the caller's own state, never the victim's
                    assert response.status_code == 200, f"{method.upper()} {path}: {response.status_code}"
                    assert response.json["settings"]["first_purchase_bonus"] == own["settings"]["first_purchase_bonus"]
                    continue
                assert not_found_by_tenancy(response, router_404), (
                    f"{method.upper()} {path} with {ids} as another tenant: {response.status_code} {response.json}")
    for customer_id in theirs["customers"][:1]:
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


# Reads first, then writes, then deletes (a child's before its parent's), so that each request with
# the caller's own ids still finds what it needs; a restore needs a deleted customer.
ORDER = {"get": 0, "post": 1, "put": 1, "patch": 1, "delete": 2}
OWN_KINDS = {("post", "/api/v1/customers/{customer_id}/restore"): {**PARAMETER_KINDS, "customer_id": "deleted"}}


def test_with_its_own_ids_every_route_answers_so_the_404s_come_from_tenancy(client, sign_up):
    """The control of the test above, on every route that takes an id: the other tenant's ids (each
    one alone, for a route with several) answer the application's 404, not the router's, and the
    caller's own ids answer 2xx; so the route exists and its 404 is tenancy's."""
    attacker, victim = sign_up(), sign_up()
    objects = {t.tenant["slug"]: new_objects() for t in (attacker, victim)}
    for n, tenant in enumerate((attacker, victim), start=1):
        seed(tenant, objects, n)
        gone = tenant.customer()["id"]  # one to restore
        assert tenant.delete(f"/api/v1/customers/{gone}").status_code == 204
        objects[tenant.tenant["slug"]]["deleted"].append(gone)
    own, theirs = objects[attacker.tenant["slug"]], objects[victim.tenant["slug"]]
    assert sorted(kind for kind in {*PARAMETER_KINDS.values()} - NO_WORKSPACES if not own[kind] or not theirs[kind]) == []
    router = client.get("/api/v1/no-such-route")
    assert router.status_code == 404
    operations = sorted(((m, p) for m, p in openapi_operations(client) if "{" in p and not workspaceless(p)),
                        key=lambda op: (ORDER[op[0]], -op[1].count("/") if op[0] == "delete" else 0))
    assert {p for _, p in operations} >= {"/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}",
                                          "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"}
    leaks, refused = {}, {}
    for method, path in operations:
        own_ids, their_ids = ids_for(path, own, kinds=OWN_KINDS.get((method, path))), ids_for(path, theirs)
        for ids in (() if shared(path) else (their_ids, *mixed(their_ids, own_ids))):
            response = request(attacker, method, path, ids, own)
            if not not_found_by_tenancy(response, router.json["error"]["message"]):
                leaks[f"{method.upper()} {path} {ids}"] = f"{response.status_code} {response.get_data(as_text=True)[:200]}"
        response = request(attacker, method, path, own_ids, own)
        if not 200 <= response.status_code < 300:
            refused[f"{method.upper()} {path}"] = f"{response.status_code} {response.get_data(as_text=True)[:200]}"
    assert leaks == {}, "\n".join(f"{what}: {answer}" for what, answer in leaks.items())
    assert refused == {}, "\n".join(f"{what}: {answer}" for what, answer in refused.items())


def test_the_probes_answer_everyone_alike_and_name_no_workspace(client, sign_up):
    """/healthz and /readyz are outside the API and its tenancy: the same answer with either
    tenant's key or none, and nothing in it about any workspace."""
    first, second = sign_up(), sign_up()
    for path in ("/healthz", "/readyz"):
        answers = [client.get(path, headers=headers).get_data(as_text=True)
                   for headers in ({}, first.headers, second.headers)]
        assert answers[0] == answers[1] == answers[2], path
        assert not any(t.tenant[field] in answers[0] for t in (first, second) for field in ("id", "slug")), path


def test_the_metrics_scrape_names_no_workspace_and_none_of_its_data(app, database):
    """``GET /metrics`` is the operators', not a workspace's: a workspace's API key does not open it,
    and what it shows is counted over every workspace, with no id, name or path of one."""
    from saas.core.db import db
    from saas.testing import sign_up as sign_up_on
    from tests.conftest import make_app

    metrics_app = make_app(database, METRICS_TOKEN="the-operators-token")
    client = metrics_app.test_client()
    workspaces = [sign_up_on(client), sign_up_on(client)]
    shown = []
    for workspace in workspaces:
        customer = workspace.post("/api/v1/customers", json={"name": f"Secret {secrets.token_hex(4)}"}).get_json()
        assert workspace.get(f"/api/v1/customers/{customer['id']}").status_code == 200
        shown += [customer["id"], customer["name"], workspace.tenant["id"], workspace.tenant["slug"]]
        assert client.get("/metrics", headers=workspace.headers).status_code == 401
    text = client.get("/metrics", headers={"Authorization": "Bearer the-operators-token"}).get_data(as_text=True)
    assert "retain_http_request_duration_seconds" in text
    assert [value for value in shown if value in text] == []
    with metrics_app.app_context():
        db.engine.dispose()


def test_another_workspaces_owner_cannot_delete_ours(client, sign_up):
    """DELETE /api/v1/tenant deletes the caller's workspace only: another's slug is a 422 that
    writes nothing, and the caller's own deletion leaves ours as it was."""
    ours, theirs = sign_up(), sign_up()
    ours.customer()
    before = snapshot(ours)
    refused = theirs.delete("/api/v1/tenant", json={"confirm": ours.tenant["slug"]})
    assert refused.status_code == 422, refused.json
    assert theirs.get("/api/v1/tenant").json["status"] == "active"
    assert theirs.delete("/api/v1/tenant", json={"confirm": theirs.tenant["slug"]}).status_code == 202
    assert snapshot(ours) == before


def test_a_deletions_progress_answers_everyone_alike_and_names_no_workspace(client, sign_up):
    ours, theirs = sign_up(), sign_up()
    url = ours.delete("/api/v1/tenant", json={"confirm": ours.tenant["slug"]}).json["url"]
    answers = [client.get(url, headers=headers).get_data(as_text=True) for headers in ({}, theirs.headers)]
    assert answers[0] == answers[1]
    assert not any(ours.tenant[field] in answers[0] for field in ("id", "slug", "name"))
    assert ours.user["id"] not in answers[0]
