"""Purchases (idempotent on external_ref, refundable), interactions and the merged timeline."""

from __future__ import annotations

import uuid

import pytest

from saas import hookimpl
from saas.core.db import db
from saas.core.hooktypes import ModuleInfo, TimelineItem


def purchase(tenant, customer_id, **fields):
    body = {"customer_id": customer_id, "product": "西湖龙井 明前特级", "amount": "1280.00",
            "purchased_at": "2026-03-01T10:00:00+08:00", **fields}
    return tenant.post("/api/v1/purchases", json=body)


def test_a_purchase_is_recorded_in_the_tenants_currency(tenant_a):
    customer = tenant_a.customer()
    response = purchase(tenant_a, customer["id"], quantity="2.5", unit_price="512.00", category="green")
    assert response.status_code == 201
    body = response.json
    assert body["amount"] == "1280.00" and body["currency"] == "CNY" and body["quantity"] == "2.500"
    assert body["purchased_at"] == "2026-03-01T02:00:00+00:00"
    assert tenant_a.get(f"/api/v1/purchases/{body['id']}").json == body


def test_reposting_an_external_ref_returns_the_first_purchase(tenant_a):
    customer = tenant_a.customer()
    first = purchase(tenant_a, customer["id"], external_ref="SHOP-1001")
    again = purchase(tenant_a, customer["id"], external_ref="SHOP-1001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    assert len(tenant_a.get("/api/v1/purchases").json["items"]) == 1


def test_another_order_under_a_used_external_ref_is_a_409(tenant_a):
    customer, other = tenant_a.customer(), tenant_a.customer()
    purchase(tenant_a, customer["id"], external_ref="SHOP-1002")
    assert purchase(tenant_a, customer["id"], external_ref="SHOP-1002", amount="9999.00").status_code == 409
    assert purchase(tenant_a, other["id"], external_ref="SHOP-1002").status_code == 409
    assert len(tenant_a.get("/api/v1/purchases").json["items"]) == 1


def test_the_same_external_ref_may_exist_once_in_each_tenant(tenant_a, tenant_b):
    a, b = tenant_a.customer(), tenant_b.customer()
    assert purchase(tenant_a, a["id"], external_ref="ORDER-1").status_code == 201
    assert purchase(tenant_b, b["id"], external_ref="ORDER-1").status_code == 201


def test_a_refund_is_partial_or_whole_and_never_above_the_amount(tenant_a):
    customer = tenant_a.customer()
    bought = purchase(tenant_a, customer["id"], amount="100.00").json
    path = f"/api/v1/purchases/{bought['id']}/refund"
    assert tenant_a.post(path, json={"amount": "150.00"}).status_code == 422
    partial = tenant_a.post(path, json={"amount": "30.00", "reason": "damaged box"})
    assert partial.status_code == 200 and partial.json["refunded_amount"] == "30.00"
    rest = tenant_a.post(path, json={})
    assert rest.json["refunded_amount"] == "100.00" and rest.json["refund_reason"] is None
    assert tenant_a.post(path, json={}).status_code == 409


def test_a_purchase_for_an_unknown_customer_is_a_404(tenant_a):
    response = purchase(tenant_a, "01900000-0000-7000-8000-000000000000")
    assert response.status_code == 404


def test_an_interaction_is_logged_with_its_channel(tenant_a):
    customer = tenant_a.customer()
    response = tenant_a.post("/api/v1/interactions", json={
        "customer_id": customer["id"], "channel": "visit", "direction": "outbound", "subject": "季度回访",
        "occurred_at": "2026-03-02T09:00:00Z", "notes": "Tasted the new harvest", "outcome": "order next week"})
    assert response.status_code == 201
    assert response.json["channel"] == "visit" and response.json["staff_id"] is None
    listed = tenant_a.get(f"/api/v1/interactions?customer_id={customer['id']}").json["items"]
    assert [i["id"] for i in listed] == [response.json["id"]]


@pytest.mark.parametrize("channel", ["fax", "", None])
def test_an_unknown_channel_is_refused(tenant_a, channel):
    customer = tenant_a.customer()
    response = tenant_a.post("/api/v1/interactions", json={
        "customer_id": customer["id"], "channel": channel, "subject": "x", "occurred_at": "2026-03-02T09:00:00Z"})
    assert response.status_code == 422 and "channel" in response.json["error"]["fields"]


def test_the_timeline_merges_purchases_and_interactions_newest_first_across_pages(tenant_a):
    customer = tenant_a.customer()
    other = tenant_a.customer()
    expected = []
    for day in range(1, 8):
        at = f"2026-04-{day:02d}T10:00:00+00:00"
        if day % 2:
            made = purchase(tenant_a, customer["id"], purchased_at=at).json
            expected.append(("purchase", made["id"]))
        else:
            made = tenant_a.post("/api/v1/interactions", json={
                "customer_id": customer["id"], "channel": "phone", "subject": f"call {day}", "occurred_at": at}).json
            expected.append(("interaction", made["id"]))
    purchase(tenant_a, other["id"])
    seen, cursor = [], None
    while True:
        page = tenant_a.get(f"/api/v1/customers/{customer['id']}/timeline?limit=3"
                            + (f"&cursor={cursor}" if cursor else "")).json
        seen += [(e["type"], e["id"]) for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(expected))


def test_the_timeline_entries_carry_the_full_item(tenant_a):
    customer = tenant_a.customer()
    purchase(tenant_a, customer["id"], external_ref="T-1")
    entry = tenant_a.get(f"/api/v1/customers/{customer['id']}/timeline").json["items"][0]
    assert entry["type"] == "purchase" and entry["interaction"] is None
    assert entry["purchase"]["external_ref"] == "T-1"
    assert entry["summary"] == "西湖龙井 明前特级: 1280.00 CNY"


class Diary:
    """A module whose timeline entries are notes kept in memory: ``notes[customer_id]``, (at, id, text)."""

    def __init__(self):
        self.notes = {}
        self.asked = []

    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="diary", title="Diary")

    @hookimpl
    def saas_timeline_items(self, tenant, customer_id, before, limit):
        self.asked.append((before, limit))
        notes = sorted(self.notes.get(customer_id, []), reverse=True)
        if before is not None:
            notes = [note for note in notes if (note[0], note[1]) < tuple(before)]
        return [TimelineItem(note_id, at, "diary.note", text, "body", "/diary") for at, note_id, text in notes[:limit]]


def test_a_module_s_timeline_items_are_merged_newest_first_across_pages(app, database):
    import datetime as dt

    from saas.testing import sign_up
    from tests.conftest import make_app

    diary = Diary()
    diary_app = make_app(database, plugins=[("diary", diary)])
    tenant = sign_up(diary_app.test_client())
    customer = tenant.customer()
    expected = []
    for day in range(1, 8):
        at = f"2026-04-{day:02d}T10:00:00+00:00"
        if day % 2:
            expected.append(("purchase", purchase(tenant, customer["id"], purchased_at=at).json["id"]))
        else:
            note_id = uuid.uuid4()
            diary.notes.setdefault(uuid.UUID(customer["id"]), []).append((dt.datetime.fromisoformat(at), note_id, f"n{day}"))
            expected.append(("diary.note", str(note_id)))
    path = f"/api/v1/customers/{customer['id']}/timeline?limit=3"
    assert tenant.get(path).json["items"][0]["type"] == "purchase"  # the module is off: no notes
    tenant.enable("diary")
    seen, cursor = [], None
    while True:
        page = tenant.get(path + (f"&cursor={cursor}" if cursor else "")).json
        seen += [(e["type"], e["id"]) for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(expected))
    assert all(limit == 4 for _, limit in diary.asked)  # one more than the page, to know of a next one
    note = next(e for e in tenant.get(path).json["items"] if e["type"] == "diary.note")
    assert note["summary"] == "n6: body" and note["entry"] == {"title": "n6", "body": "body", "link": "/diary"}
    assert note["purchase"] is None and note["interaction"] is None
    with diary_app.app_context():
        db.engine.dispose()
