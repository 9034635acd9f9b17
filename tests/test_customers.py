"""The customer file through the API: create, read, change with optimistic locking, find, delete."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event

from saas.core.db import db


def test_a_customer_is_created_with_its_whole_profile(tenant_a):
    body = {
        "name": "西湖茶庄", "kind": "company", "company": "西湖茶庄有限公司", "title": "采购经理",
        "industry": "茶馆", "region": "浙江", "address": "杭州市西湖区龙井路 1 号",
        "email": "buyer@xihu.example", "phone": "+86 138 0013 8000", "social": {"wechat": "xihu_tea"},
        "birthday": "1980-05-04", "source": "展会", "team": "sales", "tags": ["VIP", "批发"],
        "preferences": {"preferred_channel": "visit", "contact_time": "weekdays 9:00-11:00"},
        "notes": "Prefers 明前 grades.",
    }
    created = tenant_a.post("/api/v1/customers", json=body)
    assert created.status_code == 201
    customer = created.json
    assert isinstance(customer["id"], str) and customer["version"] == 1
    read = tenant_a.get(f"/api/v1/customers/{customer['id']}")
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    for key, value in {**body, "phone": "+8613800138000"}.items():  # the phone in E.164
        expected = sorted(value) if key == "tags" else value
        assert read.json[key] == expected, key


def test_contact_data_is_normalised_in_the_workspace_s_phone_region(tenant_a):
    made = tenant_a.customer(email="Li.Wei@Example.COM", phone="(0571) 8765 4321")
    assert (made["email"], made["phone"]) == ("li.wei@example.com", "+8657187654321")
    assert tenant_a.patch("/api/v1/tenant", json={"settings": {"phone_region": "US"}}).status_code == 200
    changed = tenant_a.patch(f"/api/v1/customers/{made['id']}", json={"phone": "(415) 555-2671"}).json
    assert changed["phone"] == "+14155552671"
    for bad in ({"phone": "12345"}, {"email": "li@@example.com"}):
        response = tenant_a.patch(f"/api/v1/customers/{made['id']}", json=bad)
        assert response.status_code == 422 and set(response.json["error"]["fields"]) == set(bad), response.json
    assert tenant_a.patch("/api/v1/tenant", json={"settings": {"phone_region": "XX"}}).status_code == 422
    assert tenant_a.get(f"/api/v1/customers/{made['id']}").json["phone"] == "+14155552671"


def test_the_account_manager_must_be_a_member_of_the_workspace(tenant_a, tenant_b):
    own = tenant_a.customer(owner_id=tenant_a.user["id"])
    assert own["owner_id"] == tenant_a.user["id"]
    foreign = tenant_a.post("/api/v1/customers", json={"name": "x", "owner_id": tenant_b.user["id"]})
    assert foreign.status_code == 422
    assert "owner_id" in foreign.json["error"]["fields"]


def test_a_stale_version_answers_409_and_changes_nothing(tenant_a):
    customer = tenant_a.customer(name="Old name")
    path = f"/api/v1/customers/{customer['id']}"
    first = tenant_a.patch(path, json={"name": "First", "version": 1})
    assert first.status_code == 200 and first.json["version"] == 2
    stale = tenant_a.patch(path, json={"name": "Second", "version": 1})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict"
    assert tenant_a.get(path).json["name"] == "First"


def test_one_update_is_one_version_whatever_it_changes(tenant_a):
    customer = tenant_a.customer(tags=["a"])
    path = f"/api/v1/customers/{customer['id']}"
    changed = tenant_a.patch(path, json={"tags": ["a", "b"], "owner_id": tenant_a.user["id"], "external_id": "E-1",
                                         "custom_fields": {}, "version": 1})
    assert changed.status_code == 200 and changed.json["version"] == 2, changed.json


def test_a_concurrent_change_meeting_an_owner_change_is_a_conflict(app, tenant_a):
    import sqlalchemy as sa

    from saas.core.customers import Customer, records
    from saas.core.errors import Conflict
    from saas.core.tenancy import tenant_context

    made = tenant_a.customer()
    members = tenant_a.get("/api/v1/members").json["items"]
    with app.app_context(), tenant_context(tenant_a.id):
        customer = records.get(uuid.UUID(made["id"]))
        table = Customer.__table__  # someone else's change, behind this session's back
        db.session.connection().execute(sa.update(table).where(table.c.id == customer.id)
                                        .values(version=table.c.version + 1))
        with pytest.raises(Conflict):
            records.update(customer, {"owner_id": uuid.UUID(members[0]["user_id"])})
        db.session.rollback()


def test_if_match_guards_an_update_like_the_version_field(tenant_a):
    customer = tenant_a.customer()
    path = f"/api/v1/customers/{customer['id']}"
    assert tenant_a.patch(path, json={"region": "江苏"}, headers={"If-Match": '"1"'}).status_code == 200
    assert tenant_a.patch(path, json={"region": "上海"}, headers={"If-Match": '"1"'}).status_code == 409


def test_a_partial_update_keeps_the_other_fields(tenant_a):
    customer = tenant_a.customer(email="a@b.example", tags=["VIP"])
    changed = tenant_a.patch(f"/api/v1/customers/{customer['id']}", json={"region": "广东"}).json
    assert changed["email"] == "a@b.example" and changed["tags"] == ["VIP"] and changed["region"] == "广东"


def test_soft_delete_hides_a_customer_and_restore_brings_it_back(tenant_a):
    customer = tenant_a.customer()
    path = f"/api/v1/customers/{customer['id']}"
    assert tenant_a.delete(path).status_code == 204
    assert tenant_a.get(path).status_code == 404
    assert tenant_a.get("/api/v1/customers").json["items"] == []
    assert [c["id"] for c in tenant_a.get("/api/v1/customers?deleted=true").json["items"]] == [customer["id"]]
    restored = tenant_a.post(f"{path}/restore")
    assert restored.status_code == 200 and restored.json["deleted_at"] is None
    assert tenant_a.get(path).status_code == 200
    assert tenant_a.post(f"{path}/restore").status_code == 409


@pytest.mark.parametrize("query, expected", [
    ("q=teahouse", {"Teahouse One"}),
    ("q=138001", {"By phone"}),
    ("q=MAIL.EXAMPLE", {"By mail"}),
    ("q=Longjing", {"At a company"}),
    ("tag=VIP", {"Teahouse One", "By mail"}),
    ("kind=company", {"At a company"}),
    ("q=100%25", set()),
])
def test_customers_are_found_by_text_tag_and_kind(tenant_a, query, expected):
    tenant_a.customer(name="Teahouse One", tags=["VIP"])
    tenant_a.customer(name="By phone", phone="13800138000")
    tenant_a.customer(name="By mail", email="x@mail.example", tags=["VIP", "批发"])
    tenant_a.customer(name="At a company", kind="company", company="Longjing Trading")
    found = tenant_a.get(f"/api/v1/customers?{query}").json["items"]
    assert {c["name"] for c in found} == expected


def test_customers_are_filtered_by_owner_and_creation_time(tenant_a):
    mine = tenant_a.customer(owner_id=tenant_a.user["id"])
    tenant_a.customer()
    owned = tenant_a.get(f"/api/v1/customers?owner_id={tenant_a.user['id']}").json["items"]
    assert [c["id"] for c in owned] == [mine["id"]]
    created = mine["created_at"].replace("+00:00", "Z")
    after = tenant_a.get(f"/api/v1/customers?created_after={created}").json["items"]
    assert len(after) == 2
    before = tenant_a.get(f"/api/v1/customers?created_before={created}").json["items"]
    assert before == []


@pytest.mark.parametrize("sort", ["name", "-name", "created_at", "-created_at", "updated_at", "-updated_at"])
def test_cursor_pages_walk_every_customer_once_in_order(tenant_a, sort):
    names = [f"Customer {i:02d}" for i in (5, 3, 9, 1, 7, 2, 8, 4, 6, 0)]
    for name in names:
        tenant_a.customer(name=name)
    seen, cursor = [], None
    while True:
        query = f"/api/v1/customers?limit=3&sort={sort}" + (f"&cursor={cursor}" if cursor else "")
        page = tenant_a.get(query).json
        assert len(page["items"]) <= 3
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 10 and len({c["id"] for c in seen}) == 10
    key = sort.lstrip("-")
    values = [(c[key], c["id"]) for c in seen]
    assert values == sorted(values, reverse=sort.startswith("-"))


@pytest.mark.parametrize("query", ["cursor=not-a-cursor", "cursor=W10", "limit=0", "limit=201", "limit=abc",
                                   "sort=bogus", "owner_id=nope", "created_after=yesterday"])
def test_a_bad_cursor_limit_or_filter_is_a_400(tenant_a, query):
    response = tenant_a.get(f"/api/v1/customers?{query}")
    assert response.status_code == 400
    assert response.json["error"]["code"] in {"bad_request", "bad_cursor"}


@pytest.mark.postgres  # SQLite's compiler writes "LIMIT ? OFFSET 0" for every LIMIT
def test_list_pages_use_keyset_conditions_not_offset(tenant_a, app):
    for i in range(3):
        tenant_a.customer(name=f"c{i}")
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *a: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        cursor = tenant_a.get("/api/v1/customers?limit=1").json["next_cursor"]
        tenant_a.get(f"/api/v1/customers?limit=1&cursor={cursor}")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    selects = [s for s in statements if "FROM customers" in s]
    assert len(selects) == 2 and not any("OFFSET" in s.upper() for s in selects)
    assert "(customers.created_at, customers.id) <" in selects[1]


def test_custom_fields_are_validated_by_type(tenant_a):
    for definition in (
        {"key": "shop_size", "label": "Shop size", "type": "number"},
        {"key": "grade", "label": "Grade", "type": "choice", "choices": ["A", "B"]},
        {"key": "opened", "label": "Opened", "type": "date"},
        {"key": "franchise", "label": "Franchise", "type": "boolean"},
    ):
        assert tenant_a.post("/api/v1/custom-fields", json=definition).status_code == 201
    good = tenant_a.customer(custom_fields={"shop_size": 120, "grade": "A", "opened": "2019-03-01", "franchise": True})
    assert good["custom_fields"] == {"shop_size": "120", "grade": "A", "opened": "2019-03-01", "franchise": True}
    bad = tenant_a.post("/api/v1/customers", json={
        "name": "x", "custom_fields": {"shop_size": "big", "grade": "Z", "opened": "soon", "franchise": "yes", "nope": 1}})
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]["custom_fields"]) == {"shop_size", "grade", "opened", "franchise", "nope"}


def test_a_required_custom_field_must_be_given(tenant_a):
    tenant_a.post("/api/v1/custom-fields", json={"key": "vat_no", "label": "VAT", "type": "text", "required": True})
    missing = tenant_a.post("/api/v1/customers", json={"name": "x"})
    assert missing.status_code == 422
    assert tenant_a.post("/api/v1/customers", json={"name": "x", "custom_fields": {"vat_no": "91330"}}).status_code == 201


def test_a_custom_field_key_is_unique_and_well_formed(tenant_a):
    field = {"key": "grade", "label": "Grade", "type": "text"}
    assert tenant_a.post("/api/v1/custom-fields", json=field).status_code == 201
    assert tenant_a.post("/api/v1/custom-fields", json=field).status_code == 409
    assert tenant_a.post("/api/v1/custom-fields", json={**field, "key": "Bad Key"}).status_code == 422
    assert tenant_a.post("/api/v1/custom-fields", json={**field, "key": "c", "type": "choice"}).status_code == 422


def test_tags_are_listed_with_counts_renamed_and_deleted(tenant_a):
    tenant_a.customer(tags=["VIP"])
    tenant_a.customer(tags=["VIP", "批发"])
    tags = {t["name"]: t for t in tenant_a.get("/api/v1/tags").json["items"]}
    assert {n: t["customers"] for n, t in tags.items()} == {"VIP": 2, "批发": 1}
    assert tenant_a.post("/api/v1/tags", json={"name": "VIP"}).status_code == 409
    renamed = tenant_a.patch(f"/api/v1/tags/{tags['VIP']['id']}", json={"name": "核心", "color": "#aa0000"})
    assert renamed.status_code == 200 and renamed.json["name"] == "核心"
    assert tenant_a.delete(f"/api/v1/tags/{tags['批发']['id']}").status_code == 204
    remaining = tenant_a.get("/api/v1/customers").json["items"]
    assert sorted(t for c in remaining for t in c["tags"]) == ["核心", "核心"]


def test_a_cursor_only_fits_the_list_and_sort_it_came_from(tenant_a):
    import base64
    import json

    for name in ("a", "b", "c"):
        tenant_a.customer(name=name)
    by_name = tenant_a.get("/api/v1/customers?limit=1&sort=name").json["next_cursor"]
    assert tenant_a.get(f"/api/v1/customers?cursor={by_name}").status_code == 400
    assert tenant_a.get(f"/api/v1/purchases?cursor={by_name}").status_code == 400
    for forged in ({"k": ["created_at", "id"], "v": ["x", "y"]}, {"k": ["created_at", "id"], "v": [None, None]},
                   {"k": ["created_at", "id"], "v": ["2026-01-01T00:00:00+00:00", 5]}, ["x"], "nope"):
        token = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
        assert tenant_a.get(f"/api/v1/customers?cursor={token}").status_code == 400, forged


def test_an_external_id_belongs_to_one_customer_of_the_workspace(tenant_a, tenant_b):
    first = tenant_a.customer(external_id="SHOP-1")
    taken = tenant_a.post("/api/v1/customers", json={"name": "Twin", "external_id": "SHOP-1"})
    assert taken.status_code == 409 and taken.json["error"]["fields"] == {"external_id": ["Already used by another customer."]}
    other = tenant_a.customer()
    moved = tenant_a.patch(f"/api/v1/customers/{other['id']}", json={"external_id": "SHOP-1"})
    assert moved.status_code == 409
    assert tenant_b.customer(external_id="SHOP-1")["external_id"] == "SHOP-1"  # per workspace
    assert tenant_a.patch(f"/api/v1/customers/{first['id']}", json={"external_id": "SHOP-1"}).status_code == 200
