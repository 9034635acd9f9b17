"""Customers at risk as segments: the condition ``churn.level`` that the churn module adds to the
core's segment filters (through ``saas_segment_conditions``), the segments it saves when turned on,
checking a filter's module conditions, and what such a segment holds once the module is off."""

from __future__ import annotations

import re

from tests.churn_helpers import enable
from tests.test_churn import drifting, rescore, steady

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def segments_by_name(tenant) -> dict[str, dict]:
    return {s["name"]: s for s in tenant.get("/api/v1/segments").json["items"]}


def starting(tenant) -> dict[str, dict]:
    """The segments the module saved, by the tier they keep to ("" for every tier)."""
    saved = [s for s in tenant.get("/api/v1/segments").json["items"]
             if s["filter"]["modules"] == {"churn.level": ["high"]}]
    by_tier = {",".join(s["filter"]["tiers"]): s for s in saved}
    assert len(by_tier) == len(saved)
    return by_tier


def members(tenant, segment: dict) -> set[str]:
    return {c["id"] for c in tenant.get(f"/api/v1/segments/{segment['id']}/customers").json["items"]}


def test_turning_the_module_on_saves_the_at_risk_segments_which_hold_the_customers_at_high_risk(tenant_a):
    big, small, fine = drifting(tenant_a, "90000.00"), drifting(tenant_a, "1.00"), steady(tenant_a)
    enable(tenant_a)
    rescore(tenant_a)
    saved = starting(tenant_a)
    assert set(saved) == {"", "core", "important"}
    assert saved["core"]["name"] == "流失风险高：核心客户"  # in the workspace's language
    assert members(tenant_a, saved[""]) == {big["id"], small["id"]}
    assert members(tenant_a, saved["core"]) == {big["id"]}
    assert saved[""]["count"] == 2 and saved["core"]["count"] == 1
    assert fine["id"] not in members(tenant_a, saved[""])
    exported = tenant_a.get(f"/api/v1/segments/{saved['core']['id']}/export")
    assert exported.status_code == 200 and big["id"] in exported.get_data(as_text=True)


def test_the_conditions_are_listed_and_combine_with_the_core_s_filters(tenant_a):
    big, small = drifting(tenant_a, "90000.00"), drifting(tenant_a, "1.00")
    tenant_a.customer()
    enable(tenant_a)
    rescore(tenant_a)
    [level] = tenant_a.get("/api/v1/segments/conditions").json["items"]
    assert level["key"] == "churn.level" and level["module"] == "churn"
    assert [c["value"] for c in level["choices"]] == ["low", "medium", "high"]
    preview = tenant_a.post("/api/v1/segments/preview", json={"filter": {"modules": {"churn.level": ["high"]}}})
    assert preview.status_code == 200 and preview.json["count"] == 2
    made = tenant_a.post("/api/v1/segments", json={"name": "Rich and leaving", "filter": {
        "spend_min": "1000.00", "modules": {"churn.level": ["high", "medium"]}}})
    assert made.status_code == 201, made.json
    assert members(tenant_a, made.json) == {big["id"]}
    assert small["id"] not in members(tenant_a, made.json)


def test_a_condition_no_enabled_module_offers_or_a_value_it_does_not_know_is_refused_and_nothing_saved(tenant_a):
    before = set(segments_by_name(tenant_a))
    for modules in ({"churn.level": ["high"]},  # the module is off
                    {"nosuch.thing": ["x"]}):
        refused = tenant_a.post("/api/v1/segments", json={"name": "bad", "filter": {"modules": modules}})
        assert refused.status_code == 422 and "modules" in refused.json["error"]["fields"]["filter"], refused.json
    enable(tenant_a)
    for modules in ({"churn.level": ["extreme"]}, {"churn.level": []}, {"churn.level": "high"}):
        refused = tenant_a.post("/api/v1/segments", json={"name": "bad", "filter": {"modules": modules}})
        assert refused.status_code == 422, refused.json
        refused = tenant_a.post("/api/v1/segments/preview", json={"filter": {"modules": modules}})
        assert refused.status_code == 422, refused.json
    assert len(segments_by_name(tenant_a)) == len(before) + 3 and len(starting(tenant_a)) == 3


def test_once_the_module_is_off_its_segments_hold_nobody_and_turning_it_on_again_saves_nothing_twice(tenant_a):
    drifting(tenant_a)
    enable(tenant_a)
    rescore(tenant_a)
    assert starting(tenant_a)[""]["count"] == 1
    assert tenant_a.put("/api/v1/modules/churn", json={"enabled": False}).status_code == 200
    at_risk = starting(tenant_a)[""]
    assert at_risk["count"] == 0 and members(tenant_a, at_risk) == set()  # not "every customer"
    assert tenant_a.get("/api/v1/segments/conditions").json["items"] == []
    enable(tenant_a)
    assert len(tenant_a.get("/api/v1/segments").json["items"]) == 3 and starting(tenant_a)[""]["count"] == 1


def test_the_segment_page_offers_the_condition_and_saving_from_it_keeps_it(tenant_a):
    enable(tenant_a)
    segment = starting(tenant_a)["core"]
    page = tenant_a.signed_in()
    form = page.get(f"/segments/{segment['id']}/edit").get_data(as_text=True)
    assert re.search(r'name="module-churn\.level" value="high" checked', form), form
    assert 'name="module-churn.level" value="medium">' in form
    saved = page.post(f"/segments/{segment['id']}/edit", data={
        "csrf_token": CSRF.search(form).group(1), "name": segment["name"], "tiers": "core",
        "module-churn.level": ["high", "medium"]})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    again = tenant_a.get(f"/api/v1/segments/{segment['id']}").json["filter"]
    assert again["modules"] == {"churn.level": ["high", "medium"]} and again["tiers"] == ["core"]
    refused = page.post(f"/segments/{segment['id']}/edit", data={
        "csrf_token": CSRF.search(form).group(1), "name": segment["name"], "module-churn.level": "extreme"})
    assert refused.status_code == 422 and "extreme" in refused.get_data(as_text=True)
    assert tenant_a.get(f"/api/v1/segments/{segment['id']}").json["filter"] == again


def test_saving_a_segment_from_its_page_while_the_module_is_off_keeps_its_condition(tenant_a):
    drifting(tenant_a), steady(tenant_a)
    enable(tenant_a)
    rescore(tenant_a)
    segment = starting(tenant_a)[""]
    assert tenant_a.put("/api/v1/modules/churn", json={"enabled": False}).status_code == 200
    page = tenant_a.signed_in()
    form = page.get(f"/segments/{segment['id']}/edit").get_data(as_text=True)
    assert '<input type="hidden" name="module-churn.level" value="high">' in form
    token = CSRF.search(form).group(1)
    counted = page.post("/segments/count", data={"csrf_token": token, "module-churn.level": "high"})
    assert "<strong>0</strong>" in counted.get_data(as_text=True), counted.get_data(as_text=True)  # not everyone
    saved = page.post(f"/segments/{segment['id']}/edit", data={
        "csrf_token": token, "name": segment["name"], "description": "renamed while off", "module-churn.level": "high"})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    again = tenant_a.get(f"/api/v1/segments/{segment['id']}").json
    assert again["filter"]["modules"] == {"churn.level": ["high"]} and again["count"] == 0
    widened = page.post(f"/segments/{segment['id']}/edit", data={
        "csrf_token": token, "name": segment["name"], "module-churn.level": ["high", "low"]})
    assert widened.status_code == 422  # kept as it was, never changed while its module is off
    patched = tenant_a.patch(f"/api/v1/segments/{segment['id']}", json={"filter": {"modules": {"churn.level": ["high"]},
                                                                                   "tiers": ["core"]}})
    assert patched.status_code == 200 and patched.json["count"] == 0
    listed = tenant_a.get(f"/api/v1/customers?segment_id={segment['id']}").json["items"]
    assert listed == []
