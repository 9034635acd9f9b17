"""The surveys module's staff pages (``/surveys/...``): the list with states and answers, the editor
of a survey's questions of every kind in English and Chinese (without JavaScript: *Add a question*
and *Remove* send the form back), activating, closing and opening again, a new version once
answered, sending now to a tier or a segment, the schedule and the events sent after, the
shareable link, the results and the answers; each role as the module's permissions allow, 404
where the module is off or the survey is another workspace's, bad input shown again with field
errors and nothing written, never a 500.

Tests whose outcome cannot depend on the database run on SQLite only; isolation and what a
refused form leaves behind on both."""

from __future__ import annotations

import html
import re
import uuid

import pytest
import sqlalchemy as sa

from saas.testing import CSRF_INPUT
from tests.test_surveys import CSAT, NPS, answer, links_for, make, question_ids
from tests.test_web_dashboard import PASSWORD, signed_in_as

one_database = pytest.mark.one_database


@pytest.fixture
def shop(sign_up):
    tenant = sign_up(settings={"locale": "en"})
    tenant.enable("surveys", {"throttle_days": 0})
    return tenant


def text(response) -> str:
    return response.get_data(as_text=True)


def post(browser, path: str, data: dict, token_from: str = "/surveys/"):
    """POST ``data`` with the session's CSRF token, as the page's form sends it."""
    token = CSRF_INPUT.search(browser.get(token_from).get_data(as_text=True)).group(1)
    return browser.post(path, data={**data, "csrf_token": token})


def field_error(page: str, field: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(rf'<p class="field-error" id="{re.escape(field)}-error">(.*?)</p>', page)]


def alerts(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="field-error" role="alert">(.*?)</p>', page)]


def member(app, tenant, role: str):
    email = f"{role}-{uuid.uuid4().hex[:6]}@{tenant.tenant['slug']}.example"
    response = tenant.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role})
    assert response.status_code == 201, response.json
    return signed_in_as(app, email)


def rows(app, tenant, model) -> int:
    from saas.core.db import db
    from saas.core.tenancy import tenant_context

    with app.app_context(), tenant_context(tenant.id):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


EVERY_KIND = {
    "title.en": "Quarterly satisfaction", "title.zh-CN": "季度客户满意度调查",
    "questions.0.kind": "nps", "questions.0.text.en": "Recommend us?", "questions.0.text.zh-CN": "推荐我们吗？",
    "questions.0.required": "on",
    "questions.1.kind": "csat", "questions.1.text.en": "Satisfied?", "questions.1.text.zh-CN": "满意吗？",
    "questions.1.required": "on",
    "questions.2.kind": "ces", "questions.2.text.en": "Easy?", "questions.2.required": "on",
    "questions.3.kind": "single_choice", "questions.3.text.en": "Which shop?", "questions.3.text.zh-CN": "哪家店？",
    "questions.3.choices.en": "West Lake\nLingyin", "questions.3.choices.zh-CN": "西湖\n灵隐",
    "questions.4.kind": "multiple_choice", "questions.4.text.zh-CN": "买了什么？", "questions.4.choices.zh-CN": "龙井\n茶具\n礼盒",
    "questions.5.kind": "text", "questions.5.text.en": "Anything else?",
}


# -- the list --------------------------------------------------------------------------------------


@one_database
def test_the_list_shows_each_survey_with_its_state_links_and_answers_and_filters_by_state(shop):
    draft, active = make(shop), make(shop, [NPS, CSAT], state="active")
    links_for(shop, active, [shop.customer(), shop.customer()])
    browser = shop.signed_in()
    page = text(browser.get("/surveys/"))
    row = re.search(rf'<tr data-survey="{active["id"]}">(.*?)</tr>', page, re.S).group(1)
    assert "Active" in row and '<td class="number">2</td>' in row and ">0<span class" in row
    assert draft["id"] in page and '<a href="/surveys/" aria-current="page">Surveys</a>' in page  # the menu entry
    filtered = browser.get("/surveys/?state=draft", headers={"HX-Request": "true"})
    assert filtered.status_code == 200 and "<html" not in text(filtered)  # htmx: the table alone
    assert draft["id"] in text(filtered) and active["id"] not in text(filtered)
    assert active["id"] in text(browser.get("/surveys/?state=nonsense"))  # an unknown state filters nothing


# -- the editor ------------------------------------------------------------------------------------


@one_database
def test_a_draft_with_a_question_of_every_kind_in_both_languages_is_written_through_the_form(shop):
    browser = shop.signed_in()
    blank = browser.get("/surveys/new")
    assert blank.status_code == 200 and 'name="questions.0.kind"' in text(blank)
    added = post(browser, "/surveys/new", {**EVERY_KIND, "action": "add", "new_kind": "text"}, token_from="/surveys/new")
    assert added.status_code == 200 and 'name="questions.6.kind"' in text(added)  # shown again, one more, nothing saved
    assert shop.get("/api/v1/surveys").json["items"] == []
    saved = post(browser, "/surveys/new", {**EVERY_KIND, "action": "save"}, token_from="/surveys/new")
    assert saved.status_code == 303
    [survey] = shop.get("/api/v1/surveys").json["items"]
    assert saved.headers["Location"].endswith(f"/surveys/{survey['id']}")
    assert survey["title"] == {"en": "Quarterly satisfaction", "zh-CN": "季度客户满意度调查"} and survey["state"] == "draft"
    assert [(q["kind"], q["required"]) for q in survey["questions"]] == [
        ("nps", True), ("csat", True), ("ces", True), ("single_choice", False), ("multiple_choice", False),
        ("text", False)]
    assert survey["questions"][3]["choices"] == [{"en": "West Lake", "zh-CN": "西湖"}, {"en": "Lingyin", "zh-CN": "灵隐"}]
    assert survey["questions"][4]["text"] == {"zh-CN": "买了什么？"}
    page = text(browser.get(f"/surveys/{survey['id']}"))
    assert "Quarterly satisfaction" in page and "Which shop?" in page and "West Lake" in page


@one_database
def test_remove_takes_a_question_out_of_the_form_without_saving(shop):
    browser = shop.signed_in()
    removed = post(browser, "/surveys/new", {**EVERY_KIND, "action": "remove-1"}, token_from="/surveys/new")
    assert removed.status_code == 200
    page = text(removed)
    assert "Satisfied?" not in page and "Easy?" in page and 'name="questions.5.kind"' not in page
    assert shop.get("/api/v1/surveys").json["items"] == []


def test_a_bad_survey_is_the_form_again_with_its_errors_and_writes_nothing(app, shop):
    from plugins.surveys.models import Question, Survey

    browser = shop.signed_in()
    bad = {"title.en": "", "questions.0.kind": "single_choice", "questions.0.text.en": "Which?",
           "questions.0.choices.en": "Only one", "questions.1.kind": "nps", "questions.1.text.en": "Score?", "questions.1.choices.en": "A\nB",
           "questions.2.kind": "astrology", "questions.2.text.en": "x", "questions.3.kind": "text",
           "questions.3.text.en": "y" * 501, "questions.4.kind": "csat", "action": "save"}
    page = post(browser, "/surveys/new", bad, token_from="/surveys/new")
    assert page.status_code == 422
    body = text(page)
    assert field_error(body, "title") == ["Required."]
    assert field_error(body, "questions.0.choices") == ["A choice question has 2 to 20 choices."]
    assert field_error(body, "questions.1.choices") == ["Only a choice question has choices."]
    assert field_error(body, "questions.4.text") == ["Required."]
    assert field_error(body, "questions.2.kind") == ["Must be one of: nps, csat, ces, single_choice, multiple_choice, text."]
    assert field_error(body, "questions.3.text") == ["English: at most 500 characters."]
    assert 'value="Which?"' in body  # what was typed stays
    nul = post(browser, "/surveys/new", {**EVERY_KIND, "title.en": "a\x00b", "action": "save"}, token_from="/surveys/new")
    assert nul.status_code == 422 and field_error(text(nul), "title") == ["This cannot contain a NUL character."]
    assert rows(app, shop, Survey) == 0 and rows(app, shop, Question) == 0


@one_database
def test_new_questions_on_an_answered_survey_make_a_version_and_a_new_title_alone_does_not(shop):
    survey = make(shop, [NPS, CSAT], state="active")
    [link] = links_for(shop, survey, [shop.customer()])
    nps_id, csat_id = question_ids(shop, survey)
    assert answer(shop, link, action="finish", **{f"q-{nps_id}": "9", f"q-{csat_id}": "4"}).status_code == 200
    browser = shop.signed_in()
    path = f"/surveys/{survey['id']}/edit"
    form = text(browser.get(path))
    assert "new questions are saved as version 2" in form
    values = {"title.en": "Satisfaction 2027", "title.zh-CN": "客户满意度调查",
              "questions.0.kind": "nps", "questions.0.text.en": NPS["text"]["en"],
              "questions.0.text.zh-CN": NPS["text"]["zh-CN"], "questions.0.required": "on",
              "questions.1.kind": "csat", "questions.1.text.en": CSAT["text"]["en"],
              "questions.1.text.zh-CN": CSAT["text"]["zh-CN"], "questions.1.required": "on", "action": "save"}
    assert post(browser, path, values, token_from=path).status_code == 303
    after = shop.get(f"/api/v1/surveys/{survey['id']}").json
    assert (after["version"], after["title"]["en"]) == (1, "Satisfaction 2027")
    values.update({"questions.2.kind": "text", "questions.2.text.en": "Why?"})
    assert post(browser, path, values, token_from=path).status_code == 303
    after = shop.get(f"/api/v1/surveys/{survey['id']}").json
    assert after["version"] == 2 and [q["kind"] for q in after["questions"]] == ["nps", "csat", "text"]
    assert shop.get(f"/api/v1/surveys/{survey['id']}/results").json["responses"] == 1  # the answer kept
    refused = post(browser, path, {**values, "anonymous": "on"}, token_from=path)
    assert refused.status_code == 409
    assert field_error(text(refused), "anonymous") == ["The survey has answers: whether it is anonymous cannot change."]
    assert shop.get(f"/api/v1/surveys/{survey['id']}").json["anonymous"] is False


# -- states, sending -------------------------------------------------------------------------------


@one_database
def test_a_draft_is_activated_closed_and_opened_again_and_a_move_not_allowed_is_a_409(shop):
    survey = make(shop)
    browser = shop.signed_in()
    path = f"/surveys/{survey['id']}"
    assert post(browser, f"{path}/state", {"state": "closed"}, token_from=path).status_code == 409
    assert shop.get(f"/api/v1/surveys/{survey['id']}").json["state"] == "draft"
    done = post(browser, f"{path}/state", {"state": "active"}, token_from=path)
    assert done.status_code == 303
    assert "The survey is active" in text(browser.get(path))
    assert post(browser, f"{path}/state", {"state": "closed"}, token_from=path).status_code == 303
    assert post(browser, f"{path}/state", {"state": "active"}, token_from=path).status_code == 303
    assert shop.get(f"/api/v1/surveys/{survey['id']}").json["state"] == "active"
    assert post(browser, f"{path}/state", {"state": "gone"}, token_from=path).status_code == 422
    empty = make(shop, [])
    refused = post(browser, f"/surveys/{empty['id']}/state", {"state": "active"}, token_from=path)
    assert refused.status_code == 422 and "Add at least one question." in text(refused)


def test_sending_to_a_segment_invites_its_customers_and_bad_sends_write_nothing(app, shop):
    from plugins.surveys.models import Invitation

    survey = make(shop)
    browser = shop.signed_in()
    path = f"/surveys/{survey['id']}"
    draft = post(browser, f"{path}/send", {"target": "tier", "tier": "potential"}, token_from=path)
    assert draft.status_code == 409 and "Activate the survey first." in text(draft)
    shop.patch(f"/api/v1/surveys/{survey['id']}", json={"state": "active"})
    shop.customer(email="a@example.com", tags=["vip"])
    shop.customer(tags=["vip"])  # no e-mail address
    shop.customer(email="b@example.com")  # not in the segment
    segment = shop.post("/api/v1/segments", json={"name": "VIP", "filter": {"tags": ["vip"]}}).json
    no_tier = post(browser, f"{path}/send", {"target": "tier", "tier": ""}, token_from=path)
    assert no_tier.status_code == 422 and "Choose a tier or a segment." in text(no_tier)
    unknown = post(browser, f"{path}/send", {"target": "segment", "segment_id": str(uuid.uuid4())}, token_from=path)
    assert unknown.status_code == 422 and field_error(text(unknown), "send.segment_id") == ["No such segment."]
    not_an_id = post(browser, f"{path}/send", {"target": "segment", "segment_id": "x"}, token_from=path)
    assert not_an_id.status_code == 422 and field_error(text(not_an_id), "send.segment_id") == ["Not a valid id."]
    assert rows(app, shop, Invitation) == 0
    sent = post(browser, f"{path}/send", {"target": "segment", "segment_id": segment["id"]}, token_from=path)
    assert sent.status_code == 303
    assert "1 customer invited. Not asked: 1 no e-mail address." in html.unescape(text(browser.get(path)))
    assert rows(app, shop, Invitation) == 1


def test_the_schedule_and_the_events_are_saved_and_bad_ones_write_nothing(shop):
    survey = make(shop, state="active")
    browser = shop.signed_in()
    path = f"/surveys/{survey['id']}"
    saved = post(browser, f"{path}/sending", {"every_months": "3", "schedule_target": "tier", "schedule_tier": "important",
                                              "after.purchase.recorded": "on", "delay.purchase.recorded": "24"},
                 token_from=path)
    assert saved.status_code == 303
    after = shop.get(f"/api/v1/surveys/{survey['id']}").json
    assert after["schedule"] == {"every_months": 3, "tier": "important"}
    assert after["send_after"] == [{"event": "purchase.recorded", "delay_hours": 24}]
    page = text(browser.get(path))
    assert 'id="every_months" name="every_months" min="1" max="12" step="1" value="3"' in page
    for bad in ({"every_months": "13", "schedule_tier": "core"}, {"every_months": "3", "schedule_tier": ""},
                {"every_months": "x"}, {"every_months": "3", "schedule_target": "segment",
                                        "schedule_segment_id": str(uuid.uuid4())},
                {"after.purchase.recorded": "on", "delay.purchase.recorded": "-1"}):
        refused = post(browser, f"{path}/sending", bad, token_from=path)
        assert refused.status_code == 422, (bad, refused.status_code)
        assert alerts(text(refused)), bad
    assert shop.get(f"/api/v1/surveys/{survey['id']}").json["schedule"] == {"every_months": 3, "tier": "important"}
    cleared = post(browser, f"{path}/sending", {"every_months": ""}, token_from=path)
    assert cleared.status_code == 303
    after = shop.get(f"/api/v1/surveys/{survey['id']}").json
    assert after["schedule"] is None and after["send_after"] == []


# -- results and answers ---------------------------------------------------------------------------


def answered(shop, survey: dict, scores: list[tuple[int, int]], **customer) -> None:
    nps_id, csat_id = question_ids(shop, survey)[:2]
    links = links_for(shop, survey, [shop.customer(**customer) for _ in scores])
    for link, (nps, csat) in zip(links, scores):
        assert answer(shop, link, action="finish", **{f"q-{nps_id}": str(nps), f"q-{csat_id}": str(csat)}).status_code == 200


@one_database
def test_the_results_give_nps_and_csat_with_their_answers_by_tier_owner_and_month_and_the_export_links(shop):
    survey = make(shop, [NPS, CSAT], state="active")
    answered(shop, survey, [(10, 5), (9, 4), (3, 2)], owner_id=shop.user["id"])
    links_for(shop, survey, [shop.customer()])  # sent, not answered
    page = text(shop.signed_in().get(f"/surveys/{survey['id']}/results"))
    assert re.search(r'id="figure-nps">33\.3<', page) and re.search(r'id="figure-csat">66\.7%<', page)
    assert re.search(r'id="figure-rate">75%<', page) and "3 of 4 links" in page
    assert "3 answers" in page
    owner_row = re.search(r"By the customer's account manager.*?<tbody>(.*?)</tbody>", page, re.S).group(1)
    assert (shop.user.get("name") or shop.user["email"]) in owner_row
    assert f'/api/v1/surveys/{survey["id"]}/export?format=csv' in page and "format=xlsx" in page
    assert 'data-chart="months"' in page


@one_database
def test_the_answers_list_shows_each_answer_with_its_customer_scores_and_comments(shop):
    survey = make(shop, [NPS, {"kind": "single_choice", "text": "Shop?", "choices": ["West Lake", "Lingyin"]},
                         {"kind": "text", "text": "Anything else?"}], state="active")
    nps_id, choice_id, text_id = question_ids(shop, survey)
    [link] = links_for(shop, survey, [shop.customer(name="Ms Long")])
    answer(shop, link, action="finish", **{f"q-{nps_id}": "6", f"q-{choice_id}": "1", f"q-{text_id}": "Too dear"})
    page = text(shop.signed_in().get(f"/surveys/{survey['id']}/answers"))
    row = re.search(r'<tr data-response="[^"]+">(.*?)</tr>', page, re.S).group(1)
    assert "Ms Long" in row and "NPS 6" in row and "Lingyin / Too dear" in row


def test_a_page_of_answers_takes_as_many_statements_for_many_answers_as_for_few(shop, count_queries):
    survey = make(shop, [NPS, CSAT], state="active")
    answered(shop, survey, [(9, 4)])
    browser = shop.signed_in()
    with count_queries() as few:
        assert browser.get(f"/surveys/{survey['id']}/answers").status_code == 200
    answered(shop, survey, [(3, 1), (8, 3), (10, 5)])
    with count_queries() as many:
        assert browser.get(f"/surveys/{survey['id']}/answers").status_code == 200
    assert many() == few()


# -- who may do what, and whose ---------------------------------------------------------------------


@one_database
def test_an_agent_reads_the_surveys_and_their_results_but_changes_and_sends_none(app, shop):
    survey = make(shop, state="active")
    agent = member(app, shop, "agent")
    page = text(agent.get(f"/surveys/{survey['id']}"))
    assert "Edit the survey" not in page and "Send the survey" not in page and "New survey" not in text(agent.get("/surveys/"))
    assert agent.get(f"/surveys/{survey['id']}/results").status_code == 200
    path = f"/surveys/{survey['id']}"
    assert agent.get("/surveys/new").status_code == 403
    for action, body in (("state", {"state": "closed"}), ("send", {"target": "tier", "tier": "core"}),
                         ("sending", {"every_months": "3", "schedule_tier": "core"}), ("share", {"shareable": "on"}),
                         ("edit", {"title.en": "Taken", "action": "save"})):
        assert post(agent, f"{path}/{action}", body, token_from=path).status_code == 403, action
    after = shop.get(f"/api/v1/surveys/{survey['id']}").json
    assert (after["state"], after["schedule"], after["shareable"], after["title"]["en"]) == (
        "active", None, False, "Satisfaction")


def test_another_workspace_s_survey_is_a_404_on_every_page_and_stays_as_it_was(app, shop, sign_up):
    other = sign_up(settings={"locale": "en"})
    other.enable("surveys")
    theirs = make(other, state="active")
    mine = make(shop, state="active")
    browser = shop.signed_in()
    for path in ("", "/edit", "/results", "/answers"):
        assert browser.get(f"/surveys/{theirs['id']}{path}").status_code == 404, path
    for action, body in (("state", {"state": "closed"}), ("send", {"target": "tier", "tier": "core"}),
                         ("sending", {"every_months": "3", "schedule_tier": "core"}), ("share", {"shareable": "on"}),
                         ("edit", {"title.en": "Taken", "questions.0.kind": "nps", "questions.0.text.en": "x",
                                   "action": "save"})):
        assert post(browser, f"/surveys/{theirs['id']}/{action}", body).status_code == 404, action
    after = other.get(f"/api/v1/surveys/{theirs['id']}").json
    assert (after["state"], after["schedule"], after["shareable"], after["title"]["en"]) == (
        "active", None, False, "Satisfaction")
    listing = text(browser.get("/surveys/"))
    assert mine["id"] in listing and theirs["id"] not in listing


def test_the_pages_are_404_where_the_module_is_off(sign_up):
    off = sign_up(settings={"locale": "en"})
    browser = off.signed_in()
    for path in ("/surveys/", "/surveys/new", f"/surveys/{uuid.uuid4()}"):
        assert browser.get(path).status_code == 404
    assert "/surveys/" not in text(browser.get("/"))  # no menu entry


@one_database
def test_a_form_without_the_csrf_token_is_refused(shop):
    survey = make(shop)
    browser = shop.signed_in()
    assert browser.post(f"/surveys/{survey['id']}/state", data={"state": "active"}).status_code == 400
    assert shop.get(f"/api/v1/surveys/{survey['id']}").json["state"] == "draft"


# -- the dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_cards_give_nps_and_csat_of_the_last_90_days_beside_the_90_before(app, shop, sign_up):
    from plugins.surveys.models import Response
    from saas.core.db import db
    from saas.core.tenancy import tenant_context
    from saas.core.types import utcnow
    import datetime as dt

    survey = make(shop, [NPS, CSAT], state="active")
    answered(shop, survey, [(10, 5), (9, 4), (3, 2)])
    answered(shop, survey, [(2, 1)])
    with app.app_context(), tenant_context(shop.id):  # the last answer was given four months ago
        last = db.session.scalars(sa.select(Response).order_by(Response.submitted_at.desc())).first()
        last.submitted_at = utcnow() - dt.timedelta(days=120)
        db.session.commit()
    cards = {card["key"]: card for card in shop.get("/api/v1/reports/cards").json["items"] if card["module"] == "surveys"}
    assert (cards["nps"]["value"], cards["nps"]["previous"]) == (33.3, -100.0)
    assert (cards["csat"]["value"], cards["csat"]["unit"], cards["csat"]["previous"]) == (0.667, "percent", 0.0)
    assert (cards["answers"]["value"], cards["answers"]["previous"]) == (3, 1)
    assert cards["nps"]["title"] == "NPS, last 90 days (3 answers)"
    page = text(shop.signed_in().get("/"))
    assert "NPS, last 90 days (3 answers)" in page and "Survey answers, last 90 days" in page
    other = sign_up()
    other.enable("surveys")
    theirs = {card["key"]: card["value"] for card in other.get("/api/v1/reports/cards").json["items"]
              if card["module"] == "surveys"}
    assert theirs == {"nps": None, "csat": None, "answers": 0}  # another workspace's answers count nowhere else
