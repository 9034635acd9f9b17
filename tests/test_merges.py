"""Merging a duplicate into a customer: everything kept on the survivor, the duplicate kept as a
tombstone, audited, one ``customer.merged`` event; bad merges refused without a trace."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from saas.core.db import db
from saas.core.outbox import OutboxEvent
from saas.core.tenancy import tenant_context


def buy(tenant, customer_id: str, ref: str) -> str:
    response = tenant.post("/api/v1/purchases", json={"customer_id": customer_id, "product": "Tea", "amount": "80.00",
                                                      "purchased_at": "2026-03-01T08:00:00Z", "external_ref": ref})
    assert response.status_code == 201, response.json
    return response.json["id"]


def merge(tenant, survivor_id: str, merged_id: str, **body):
    return tenant.post(f"/api/v1/customers/{survivor_id}/merge", json={"merged_id": merged_id, **body})


@pytest.fixture
def pair(tenant_a):
    """A customer and its duplicate, each with something the other lacks."""
    kept = tenant_a.customer(name="Wang Fang", phone="+86 138 0000 0001", tags=["vip"], social={"wechat": "wf"},
                             preferences={"language": "zh"})
    duplicate = tenant_a.customer(name="王芳", email="wang.fang@example.com", phone="+86 139 0000 0002",
                                  birthday="1990-05-04", tags=["tea", "vip"], social={"wechat": "old", "weibo": "wf2"},
                                  preferences={"language": "en", "contact_time": "evenings"})
    return kept, duplicate


def test_the_survivor_keeps_its_values_and_gains_everything_the_duplicate_had(app, tenant_a, pair):
    kept, duplicate = pair
    own = buy(tenant_a, kept["id"], "A-1")
    moved = [buy(tenant_a, duplicate["id"], f"B-{n}") for n in range(2)]
    call = tenant_a.post("/api/v1/interactions", json={"customer_id": duplicate["id"], "channel": "phone",
                                                       "subject": "Asked about gift boxes",
                                                       "occurred_at": "2026-03-02T08:00:00Z"}).json

    response = merge(tenant_a, kept["id"], duplicate["id"])

    assert response.status_code == 200, response.json
    survivor = response.json
    assert survivor["name"] == "Wang Fang" and survivor["phone"] == "+8613800000001"  # its own values win
    assert survivor["email"] == "wang.fang@example.com" and survivor["birthday"] == "1990-05-04"  # gaps filled
    assert survivor["tags"] == ["tea", "vip"]
    assert survivor["social"] == {"wechat": "wf", "weibo": "wf2"}
    assert survivor["preferences"] == {"language": "zh", "contact_time": "evenings"}
    assert survivor["version"] == kept["version"] + 1
    purchases = tenant_a.get(f"/api/v1/purchases?customer_id={kept['id']}").json["items"]
    assert sorted(p["id"] for p in purchases) == sorted([own, *moved])
    timeline = tenant_a.get(f"/api/v1/customers/{kept['id']}/timeline").json["items"]
    assert call["id"] in {item["id"] for item in timeline}
    assert tenant_a.get(f"/api/v1/purchases?customer_id={duplicate['id']}").json["items"] == []


def test_the_survivor_takes_over_the_duplicate_s_external_id_when_it_has_none(tenant_a):
    kept = tenant_a.customer(name="Kept")
    duplicate = tenant_a.customer(name="From the shop", external_id="SHOP-C-17")
    merged = merge(tenant_a, kept["id"], duplicate["id"])
    assert merged.status_code == 200 and merged.json["external_id"] == "SHOP-C-17"
    both = tenant_a.customer(name="Both", external_id="ERP-1")
    other = tenant_a.customer(name="Other", external_id="ERP-2")
    assert merge(tenant_a, both["id"], other["id"]).json["external_id"] == "ERP-1"  # its own wins


def test_the_duplicate_stays_as_a_tombstone_pointing_at_the_survivor(tenant_a, pair):
    kept, duplicate = pair
    merge(tenant_a, kept["id"], duplicate["id"])
    assert tenant_a.get(f"/api/v1/customers/{duplicate['id']}").status_code == 404
    listed = tenant_a.get("/api/v1/customers").json["items"]
    assert [c["id"] for c in listed] == [kept["id"]]
    tombstone = tenant_a.get("/api/v1/customers?deleted=true").json["items"]
    assert [(c["id"], c["merged_into_id"], c["name"], c["tags"]) for c in tombstone] == [
        (duplicate["id"], kept["id"], "王芳", ["tea", "vip"])]  # as it was, for the record
    restore = tenant_a.post(f"/api/v1/customers/{duplicate['id']}/restore")
    assert restore.status_code == 409 and "merged into" in restore.json["error"]["message"]
    again = merge(tenant_a, kept["id"], duplicate["id"])
    assert again.status_code == 409 and again.json["error"]["fields"] == {"merged_id": ["Already merged."]}


def test_a_merge_is_audited_and_emits_one_customer_merged_event(app, tenant_a, pair):
    kept, duplicate = pair
    purchase = buy(tenant_a, duplicate["id"], "B-1")
    merge(tenant_a, kept["id"], duplicate["id"])
    audit = tenant_a.get(f"/api/v1/audit-log?object_id={duplicate['id']}").json["items"]
    assert audit[0]["action"] == "merge" and audit[0]["changes"]["merged_into_id"] == [None, kept["id"]]
    moved = tenant_a.get(f"/api/v1/audit-log?object_id={purchase}").json["items"][0]
    assert moved["action"] == "update" and moved["changes"]["customer_id"] == [duplicate["id"], kept["id"]]
    with app.app_context(), tenant_context(tenant_a.id):
        merged = db.session.scalars(sa.select(OutboxEvent.data).where(OutboxEvent.type == "customer.merged")).all()
        db.session.rollback()
    assert merged == [{"customer_id": kept["id"], "merged_id": duplicate["id"], "purchases": 1, "interactions": 0}]


@pytest.mark.parametrize("case, status", [
    ("itself", 422), ("unknown duplicate", 404), ("unknown survivor", 404), ("deleted duplicate", 409),
    ("deleted survivor", 404), ("stale version", 409), ("no merged_id", 422), ("not an id", 422),
])
def test_a_bad_merge_is_refused_and_changes_nothing(tenant_a, pair, case, status):
    kept, duplicate = pair
    buy(tenant_a, duplicate["id"], "B-1")
    survivor, body = kept["id"], {"merged_id": duplicate["id"]}
    if case == "itself":
        body["merged_id"] = kept["id"]
    elif case == "unknown duplicate":
        body["merged_id"] = "01a209c2-0000-7000-8000-000000000000"
    elif case == "unknown survivor":
        survivor = "01a209c2-0000-7000-8000-000000000000"
    elif case == "deleted duplicate":
        tenant_a.delete(f"/api/v1/customers/{duplicate['id']}")
    elif case == "deleted survivor":
        tenant_a.delete(f"/api/v1/customers/{kept['id']}")
    elif case == "stale version":
        tenant_a.patch(f"/api/v1/customers/{kept['id']}", json={"team": "north"})
        body["version"] = kept["version"]
    elif case == "no merged_id":
        body = {}
    elif case == "not an id":
        body["merged_id"] = "wang"
    before = tenant_a.get("/api/v1/customers?deleted=true").json, tenant_a.get("/api/v1/purchases").json
    response = tenant_a.post(f"/api/v1/customers/{survivor}/merge", json=body)
    assert response.status_code == status, response.json
    assert (tenant_a.get("/api/v1/customers?deleted=true").json, tenant_a.get("/api/v1/purchases").json) == before


def test_another_tenants_customer_is_a_404_on_either_side_and_stays_untouched(tenant_a, tenant_b):
    mine, theirs = tenant_a.customer(), tenant_b.customer()
    buy(tenant_b, theirs["id"], "T-1")
    theirs = tenant_b.get(f"/api/v1/customers/{theirs['id']}").json
    assert merge(tenant_a, mine["id"], theirs["id"]).status_code == 404
    assert merge(tenant_a, theirs["id"], mine["id"]).status_code == 404
    assert tenant_b.get(f"/api/v1/customers/{theirs['id']}").json == theirs
    assert len(tenant_b.get(f"/api/v1/purchases?customer_id={theirs['id']}").json["items"]) == 1
    assert tenant_a.get(f"/api/v1/customers/{mine['id']}").json["version"] == mine["version"]


@pytest.mark.postgres
def test_two_merges_of_one_pair_in_opposite_directions_leave_one_survivor(app, tenant_a, pair):
    kept, duplicate = pair
    for n in range(3):
        buy(tenant_a, duplicate["id"], f"B-{n}")
        buy(tenant_a, kept["id"], f"A-{n}")
    clients = [app.test_client() for _ in range(2)]
    directions = [(kept["id"], duplicate["id"]), (duplicate["id"], kept["id"])]
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(lambda c, d: c.post(f"/api/v1/customers/{d[0]}/merge", json={"merged_id": d[1]},
                                                      headers=tenant_a.headers), clients, directions))
    assert sorted(r.status_code for r in responses) == [200, 404]
    alive = tenant_a.get("/api/v1/customers").json["items"]
    assert len(alive) == 1
    assert len(tenant_a.get(f"/api/v1/purchases?customer_id={alive[0]['id']}").json["items"]) == 6
