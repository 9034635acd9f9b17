"""The surveys module's results and loop: NPS, CSAT and CES with their numbers of answers, by owner
and month, the response rate, the CSV and XLSX export, the profile panel, and every unhappy score
raising ``surveys.low_score`` (catalogued, with its example's keys), notifying the owner and
showing on their /today list, once however often the answer is posted."""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import pytest
import sqlalchemy as sa

from saas.core.db import db
from saas.core.outbox import OutboxEvent
from saas.core.tenancy import tenant_context
from tests.test_surveys import CSAT, NPS, answer, enable, links_for, make, question_ids


@pytest.mark.backend_independent
def test_nps_csat_and_ces_are_counted_as_the_issue_defines_them():
    from plugins.surveys import results

    assert results.nps([10, 9, 8, 7, 6, 0]) == 0.0  # 2 promoters, 2 detractors of 6
    assert results.nps([10, 9, 9, 3]) == 50.0
    assert results.nps([]) is None
    assert results.csat([5, 4, 3, 2]) == 50.0 and results.csat([1]) == 0.0 and results.csat([]) is None
    assert results.ces([7, 6, 2]) == 5.0 and results.ces([]) is None


def answered(tenant, survey, scores: list[dict], **customer) -> list[dict]:
    """Customers who answered ``survey`` with ``scores`` (one dict of kind -> score each)."""
    ids = dict(zip(("nps", "csat"), question_ids(tenant, survey)))
    customers = [tenant.customer(**customer) for _ in scores]
    for link, given in zip(links_for(tenant, survey, customers), scores):
        response = answer(tenant, link, action="finish", **{f"q-{ids[kind]}": str(score) for kind, score in given.items()})
        assert response.status_code == 200, response.get_data(as_text=True)
    return customers


def events(app, tenant) -> list[dict]:
    with app.app_context(), tenant_context(tenant.id):
        found = [row.data for row in db.session.scalars(sa.select(OutboxEvent).where(
            OutboxEvent.type == "surveys.low_score").order_by(OutboxEvent.occurred_at))]
        db.session.rollback()
    return found


def test_the_results_count_each_figure_with_its_answers_by_owner_and_month(tenant_a, sign_up):
    enable(tenant_a, throttle_days=0)
    survey = make(tenant_a, [NPS, {**CSAT, "required": False}], state="active")
    answered(tenant_a, survey, [{"nps": 10, "csat": 5}, {"nps": 9, "csat": 4}, {"nps": 5}],
             owner_id=tenant_a.user["id"])
    answered(tenant_a, survey, [{"nps": 7, "csat": 2}])
    links_for(tenant_a, survey, [tenant_a.customer()])  # sent, not answered
    results = tenant_a.get(f"/api/v1/surveys/{survey['id']}/results").json
    assert {key: results[key] for key in ("responses", "nps", "nps_answers", "csat", "csat_answers", "ces",
                                          "ces_answers", "sent", "response_rate")} == {
        "responses": 4, "nps": 25.0, "nps_answers": 4, "csat": 66.7, "csat_answers": 3, "ces": None,
        "ces_answers": 0, "sent": 5, "response_rate": 0.8}
    by_owner = {row["owner"]: (row["responses"], row["nps"]) for row in results["by_owner"]}
    assert by_owner == {tenant_a.user["id"]: (3, 33.3), None: (1, 0.0)}
    [month] = results["by_month"]
    assert month["responses"] == 4 and len(month["month"]) == 7
    assert sum(row["responses"] for row in results["by_tier"]) == 4
    empty = make(tenant_a, state="active")
    assert tenant_a.get(f"/api/v1/surveys/{empty['id']}/results").json["nps"] is None


def test_the_answers_export_as_csv_and_xlsx(tenant_a):
    enable(tenant_a)
    survey = make(tenant_a, [NPS, {"kind": "text", "text": "Why?"}], state="active")
    [customer] = answered(tenant_a, survey, [{"nps": 8}])
    ids = question_ids(tenant_a, survey)
    [link] = links_for(tenant_a, make(tenant_a, state="active"), [tenant_a.customer()])  # another survey's
    assert answer(tenant_a, link, action="finish", **{f"q-{question_ids(tenant_a, survey)[0]}": "1"}).status_code == 422
    csv = tenant_a.get(f"/api/v1/surveys/{survey['id']}/export")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").strip().splitlines()
    assert lines[0].startswith("response_id,submitted_at,customer_id") and len(lines) == 2
    assert customer["id"] in lines[1] and ids[0] in lines[1] and ",nps,8," in lines[1]
    xlsx = tenant_a.get(f"/api/v1/surveys/{survey['id']}/export?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("response_id", "submitted_at", "customer_id") and rows[1][8] == 8
    assert tenant_a.get(f"/api/v1/surveys/{survey['id']}/export?format=pdf").status_code == 400


def test_an_unhappy_score_raises_low_score_notifies_the_owner_and_shows_on_today(app, tenant_a):
    enable(tenant_a, throttle_days=0)
    survey = make(tenant_a, [NPS, CSAT], state="active")
    catalogue = {t["name"]: t for t in tenant_a.get("/api/v1/event-types").json["items"]}
    assert "surveys.low_score" in catalogue
    [happy] = answered(tenant_a, survey, [{"nps": 9, "csat": 3}], owner_id=tenant_a.user["id"])
    assert events(app, tenant_a) == []
    [unhappy] = answered(tenant_a, survey, [{"nps": 6, "csat": 2}], owner_id=tenant_a.user["id"], name="王芳")
    raised = events(app, tenant_a)
    assert sorted((e["kind"], e["score"]) for e in raised) == [("csat", 2), ("nps", 6)]
    assert all(set(e) == set(catalogue["surveys.low_score"]["example"]) for e in raised)
    assert {e["customer_id"] for e in raised} == {unhappy["id"]} and {e["survey_id"] for e in raised} == {survey["id"]}
    notes = tenant_a.get("/api/v1/notifications").json["items"]
    assert [n["title"] for n in notes if n["kind"] == "surveys.low_score"] == ["王芳: NPS 6, CSAT 2"]
    todo = [item for item in tenant_a.get("/api/v1/todo").json["items"] if item["kind"] == "surveys.low_score"]
    assert len(todo) == 2 and {item["customer_id"] for item in todo} == {unhappy["id"]}
    assert all(item["link"] == f"/customers/{unhappy['id']}" for item in todo)
    panels = {p["key"]: p for p in tenant_a.get(f"/api/v1/customers/{unhappy['id']}/panels").json["items"]}
    assert [row[1].split(" ")[0] for row in panels["surveys"]["rows"]] == ["6", "2"]
    happy_panel = {p["key"]: p for p in tenant_a.get(f"/api/v1/customers/{happy['id']}/panels").json["items"]}["surveys"]
    assert [row[1].split(" ")[0] for row in happy_panel["rows"]] == ["9", "3"]


@pytest.mark.postgres  # the invitation's row lock makes racers take turns (SQLite is not raced, as in test_loyalty)
def test_an_answer_posted_twice_at_once_is_recorded_once(app, tenant_a):
    enable(tenant_a)
    survey = make(tenant_a, state="active")
    [link] = links_for(tenant_a, survey, [tenant_a.customer(owner_id=tenant_a.user["id"])])
    [nps_id] = question_ids(tenant_a, survey)
    browser = tenant_a.client.application.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(link).get_data(as_text=True)).group(1)
    cookie = browser.get_cookie("session")

    def post(_):
        other = tenant_a.client.application.test_client()
        other.set_cookie("session", cookie.value)
        return other.post(link, data={"csrf_token": token, "action": "finish", f"q-{nps_id}": "1"}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sorted(pool.map(post, range(4))) == [200, 410, 410, 410]
    assert tenant_a.get(f"/api/v1/surveys/{survey['id']}/results").json["responses"] == 1
    assert len(events(app, tenant_a)) == 1


def test_each_answer_is_in_the_customer_s_timeline_and_an_anonymous_one_is_not(tenant_a):
    enable(tenant_a, throttle_days=0)
    survey = make(tenant_a, [NPS, {"kind": "single_choice", "text": "Shop?", "choices": ["Hangzhou", {"en": "Shanghai",
                                                                                                      "zh-CN": "上海"}]},
                             {"kind": "text", "text": "Why?", "required": False}], state="active")
    customer = tenant_a.customer()
    [link] = links_for(tenant_a, survey, [customer])
    nps_id, shop_id, why_id = question_ids(tenant_a, survey)
    assert answer(tenant_a, link, action="finish", **{f"q-{nps_id}": "9", f"q-{shop_id}": "1",
                                                     f"q-{why_id}": "好茶"}).status_code == 200
    anonymous = make(tenant_a, anonymous=True, state="active")
    [hidden] = links_for(tenant_a, anonymous, [customer])
    assert answer(tenant_a, hidden, action="finish", **{f"q-{question_ids(tenant_a, anonymous)[0]}": "1"}).status_code == 200
    entries = [e for e in tenant_a.get(f"/api/v1/customers/{customer['id']}/timeline").json["items"]
               if e["type"] == "surveys.answer"]
    assert [(e["entry"]["title"], e["entry"]["body"]) for e in entries] == [("Satisfaction: NPS 9", "Shanghai / 好茶")]
    profile = tenant_a.signed_in().get(f"/customers/{customer['id']}").get_data(as_text=True)
    assert "客户满意度调查: NPS 9" in profile and "上海 / 好茶" in profile


def test_a_merged_customer_s_answers_and_opt_out_go_to_the_survivor(tenant_a):
    enable(tenant_a, throttle_days=0)
    survey = make(tenant_a, state="active")
    survivor, merged = tenant_a.customer(), tenant_a.customer()
    answered_by = answered(tenant_a, survey, [{"nps": 4}])[0]
    assert tenant_a.post(f"/api/v1/customers/{survivor['id']}/merge", json={"merged_id": answered_by["id"]}).status_code == 200
    panel = {p["key"]: p for p in tenant_a.get(f"/api/v1/customers/{survivor['id']}/panels").json["items"]}["surveys"]
    assert panel["rows"][0][1].startswith("4 ")
    assert [e["type"] for e in tenant_a.get(f"/api/v1/customers/{survivor['id']}/timeline").json["items"]] == ["surveys.answer"]
    [link] = links_for(tenant_a, survey, [merged])
    browser = tenant_a.client.application.test_client()
    page = browser.get(link).get_data(as_text=True)
    unsubscribe = re.sub(r"^https?://[^/]+", "", re.search(r'href="([^"]*/s/unsubscribe/[^"]+)"', page).group(1))
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(unsubscribe).get_data(as_text=True)).group(1)
    assert browser.post(unsubscribe, data={"csrf_token": token}).status_code == 200
    assert tenant_a.post(f"/api/v1/customers/{survivor['id']}/merge", json={"merged_id": merged["id"]}).status_code == 200
    sent = tenant_a.post(f"/api/v1/surveys/{survey['id']}/send", json={"customer_ids": [survivor["id"]]}).json
    assert sent["skipped"] == [{"customer_id": survivor["id"], "reason": "unsubscribed"}]


def test_a_low_score_goes_to_a_webhook_subscribed_to_it(tenant_a):
    enable(tenant_a)
    endpoint = tenant_a.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "event_types": ["surveys.low_score"]})
    assert endpoint.status_code == 201, endpoint.json
    survey = make(tenant_a, state="active")
    answered(tenant_a, survey, [{"nps": 2}])
    deliveries = tenant_a.get(f"/api/v1/webhooks/{endpoint.json['id']}/deliveries").json["items"]
    assert [d["event_type"] for d in deliveries] == ["surveys.low_score"]
