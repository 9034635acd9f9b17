"""The surveys module (plugins/surveys): surveys and their questions, versions once answered, the
states, bad input refused with nothing written, and a workspace without the module seeing nothing."""

from __future__ import annotations

import re

import pytest

from saas.testing import table_problems

NPS = {"kind": "nps", "text": {"en": "How likely are you to recommend us?", "zh-CN": "您有多大可能向朋友推荐我们？"}}
CSAT = {"kind": "csat", "text": {"en": "How satisfied are you?", "zh-CN": "您对我们的服务满意吗？"}}


def enable(tenant, **settings) -> None:
    response = tenant.put("/api/v1/modules/surveys", json={"enabled": True, "settings": settings})
    assert response.status_code == 200, response.json


def make(tenant, questions=(NPS,), **extra) -> dict:
    response = tenant.post("/api/v1/surveys", json={"title": {"en": "Satisfaction", "zh-CN": "客户满意度调查"},
                                                    "questions": list(questions), **extra})
    assert response.status_code == 201, response.json
    return response.json


def links_for(tenant, survey: dict, customers: list[dict]) -> list[str]:
    response = tenant.post(f"/api/v1/surveys/{survey['id']}/send",
                           json={"customer_ids": [c["id"] for c in customers], "links": True})
    assert response.status_code == 200, response.json
    return [re.sub(r"^https?://[^/]+", "", link["url"]) for link in response.json["links"]]


def answer(tenant, path: str, **fields):
    """Post the answer page's form (with its CSRF token) as the customer, in a browser of their own."""
    browser = tenant.client.application.test_client()
    page = browser.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return browser.post(path, data={"csrf_token": token, **fields})


def question_ids(tenant, survey: dict) -> list[str]:
    return [q["id"] for q in tenant.get(f"/api/v1/surveys/{survey['id']}").json["questions"]]


@pytest.mark.backend_independent
def test_its_tables_follow_the_rules_for_module_tables(app):
    assert table_problems(app, "surveys") == []


def test_a_survey_is_created_with_its_questions_in_both_languages(tenant_a):
    enable(tenant_a)
    made = tenant_a.post("/api/v1/surveys", json={"title": "Quarterly", "questions": [
        {"kind": "nps", "text": "How likely are you to recommend us?"}, CSAT, {"kind": "ces", "text": "How easy?"},
        {"kind": "single_choice", "text": "Which shop?", "choices": ["Hangzhou", {"en": "Shanghai", "zh-CN": "上海"}]},
        {"kind": "multiple_choice", "text": "What did you buy?", "choices": ["Tea", "Cups", "Gifts"]},
        {"kind": "text", "text": "Anything else?"}]})
    assert made.status_code == 201, made.json
    survey = made.json
    assert (survey["state"], survey["version"], survey["anonymous"]) == ("draft", 1, False)
    assert survey["title"] == {"en": "Quarterly"}
    assert [q["kind"] for q in survey["questions"]] == ["nps", "csat", "ces", "single_choice", "multiple_choice", "text"]
    assert survey["questions"][1]["text"] == CSAT["text"]
    assert survey["questions"][3]["choices"] == [{"en": "Hangzhou"}, {"en": "Shanghai", "zh-CN": "上海"}]
    assert [q["required"] for q in survey["questions"]] == [True, True, True, True, True, False]
    assert tenant_a.get(f"/api/v1/surveys/{survey['id']}").json == survey
    assert [s["id"] for s in tenant_a.get("/api/v1/surveys").json["items"]] == [survey["id"]]
    assert tenant_a.get("/api/v1/surveys?state=active").json["items"] == []


def test_bad_surveys_are_refused_and_nothing_is_written(tenant_a):
    enable(tenant_a)
    for bad in ({"questions": [NPS]}, {"title": "x"}, {"title": "", "questions": [NPS]},
                {"title": {"fr": "Bonjour"}, "questions": [NPS]}, {"title": {"en": 5}, "questions": [NPS]},
                {"title": "x", "questions": [{"kind": "stars", "text": "?"}]},
                {"title": "x", "questions": [{"kind": "nps"}]},
                {"title": "x", "questions": [{"kind": "nps", "text": "?", "choices": ["a", "b"]}]},
                {"title": "x", "questions": [{"kind": "single_choice", "text": "?", "choices": ["only one"]}]},
                {"title": "x", "questions": [{"kind": "text", "text": "x" * 501}]},
                {"title": "x", "questions": [NPS] * 51}, {"title": "x", "questions": [NPS], "state": "gone"},
                {"title": "x", "questions": "nps"}, [], "survey"):
        response = tenant_a.post("/api/v1/surveys", json=bad)
        assert response.status_code == 422, (bad, response.status_code)
    assert tenant_a.post("/api/v1/surveys", json={"title": "x", "questions": [], "state": "active"}).status_code == 422
    assert tenant_a.get("/api/v1/surveys").json["items"] == []


def test_the_states_move_draft_active_closed_and_back_to_active(tenant_a):
    enable(tenant_a)
    survey = make(tenant_a)
    path = f"/api/v1/surveys/{survey['id']}"
    assert tenant_a.patch(path, json={"state": "closed"}).status_code == 409
    assert tenant_a.patch(path, json={"state": "active"}).json["state"] == "active"
    assert tenant_a.patch(path, json={"state": "draft"}).status_code == 409
    assert tenant_a.patch(path, json={"state": "closed"}).json["state"] == "closed"
    assert tenant_a.patch(path, json={"state": "active"}).json["state"] == "active"
    assert tenant_a.patch(path, json={"state": "paused"}).status_code == 422
    assert tenant_a.get(path).json["state"] == "active"


def test_a_survey_without_answers_is_edited_in_place_and_one_with_answers_gets_a_new_version(tenant_a):
    enable(tenant_a)
    survey = make(tenant_a, state="active")
    path = f"/api/v1/surveys/{survey['id']}"
    edited = tenant_a.patch(path, json={"questions": [NPS, CSAT], "title": "Renamed"}).json
    assert (edited["version"], len(edited["questions"]), edited["title"]) == (1, 2, {"en": "Renamed"})
    customer = tenant_a.customer()
    [link] = links_for(tenant_a, survey, [customer])
    nps_id, csat_id = question_ids(tenant_a, survey)
    assert answer(tenant_a, link, action="finish", **{f"q-{nps_id}": "9", f"q-{csat_id}": "5"}).status_code == 200
    changed = tenant_a.patch(path, json={"questions": [{"kind": "nps", "text": "Would you recommend us?"}]}).json
    assert changed["version"] == 2 and [q["text"] for q in changed["questions"]] == [{"en": "Would you recommend us?"}]
    assert changed["questions"][0]["id"] not in (nps_id, csat_id)
    assert tenant_a.get(f"{path}/results").json["nps"] == 100.0  # the first version's answer still counts
    assert tenant_a.patch(path, json={"anonymous": True}).status_code == 409


def test_a_bad_change_writes_nothing(tenant_a):
    enable(tenant_a)
    survey = make(tenant_a)
    path = f"/api/v1/surveys/{survey['id']}"
    for bad in ({"questions": [{"kind": "nps"}]}, {"title": ""}, {"questions": [], "state": "active"}):
        assert tenant_a.patch(path, json=bad).status_code in (409, 422), bad
    assert tenant_a.get(path).json == survey


def test_another_workspace_and_a_workspace_without_the_module_see_nothing(tenant_a, tenant_b):
    enable(tenant_a)
    survey = make(tenant_a, state="active")
    customer = tenant_a.customer()
    assert tenant_b.get("/api/v1/surveys").status_code == 404  # not enabled there
    assert tenant_b.get(f"/api/v1/surveys/{survey['id']}").status_code == 404
    enable(tenant_b)
    for method, suffix, body in (("get", "", None), ("patch", "", {"title": "taken"}), ("get", "/results", None),
                                 ("get", "/export", None), ("post", "/send", {"customer_ids": [customer["id"]]})):
        response = tenant_b.open(method.upper(), f"/api/v1/surveys/{survey['id']}{suffix}",
                                 **({"json": body} if body else {}))
        assert response.status_code == 404, (method, suffix, response.status_code)
    theirs = make(tenant_b, state="active")
    sent = tenant_b.post(f"/api/v1/surveys/{theirs['id']}/send", json={"customer_ids": [customer["id"]]})
    assert sent.status_code == 422  # A's customer is no customer of B's
    assert tenant_b.get("/api/v1/surveys").json["items"][0]["id"] == theirs["id"]
    assert tenant_a.get(f"/api/v1/surveys/{survey['id']}").json["title"] == survey["title"]


def test_the_list_and_the_results_run_as_many_queries_for_many_surveys_and_answers_as_for_few(tenant_a, count_queries):
    enable(tenant_a, throttle_days=0)
    made = [make(tenant_a, [NPS, CSAT], state="active") for _ in range(2)]
    with count_queries() as few:
        assert len(tenant_a.get("/api/v1/surveys").json["items"]) == 2
    with count_queries() as few_results:
        tenant_a.get(f"/api/v1/surveys/{made[0]['id']}/results")
    made += [make(tenant_a, [NPS], state="active") for _ in range(4)]
    links = links_for(tenant_a, made[0], [tenant_a.customer() for _ in range(3)])
    nps_id, csat_id = question_ids(tenant_a, made[0])
    for link in links:
        assert answer(tenant_a, link, action="finish", **{f"q-{nps_id}": "9", f"q-{csat_id}": "4"}).status_code == 200
    assert tenant_a.get(f"/api/v1/surveys/{made[0]['id']}/results").json["responses"] == 3
    with count_queries() as many:
        assert len(tenant_a.get("/api/v1/surveys").json["items"]) == 6
    with count_queries() as many_results:
        tenant_a.get(f"/api/v1/surveys/{made[0]['id']}/results")
    assert many() == few() and many_results() == few_results()


def test_an_active_survey_cannot_be_left_without_questions(tenant_a):
    enable(tenant_a)
    survey = make(tenant_a, state="active")
    emptied = tenant_a.patch(f"/api/v1/surveys/{survey['id']}", json={"questions": []})
    assert emptied.status_code == 422 and "questions" in emptied.json["error"]["fields"], emptied.json
    assert len(tenant_a.get(f"/api/v1/surveys/{survey['id']}").json["questions"]) == 1
    draft = make(tenant_a)
    assert tenant_a.patch(f"/api/v1/surveys/{draft['id']}", json={"questions": []}).status_code == 200
