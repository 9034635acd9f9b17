"""The surveys module's answer page in a real browser, as a customer on a phone: without
JavaScript, the scales and choices found by their legends and labels, a partial answer kept and
resumed, the finished answer using the link up; and axe-core finding no serious or critical
violation on the answer, refused and unsubscribe pages."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import TIMEOUT_MS, expect, screenshot
from tests.browser.test_accessibility import AXE, FAILING, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]

PHONE = {"width": 390, "height": 844}


def links(company, count: int) -> list[str]:
    assert company.put("/api/v1/modules/surveys", json={"enabled": True}).status_code == 200
    survey = company.post("/api/v1/surveys", json={"title": {"en": "Satisfaction", "zh-CN": "客户满意度调查"}, "state": "active",
                                                   "questions": [
        {"kind": "nps", "text": {"en": "How likely are you to recommend us?", "zh-CN": "您有多大可能向朋友推荐我们？"}},
        {"kind": "csat", "text": {"en": "How satisfied are you?", "zh-CN": "您对我们的服务满意吗？"}},
        {"kind": "multiple_choice", "text": {"en": "What did you buy?", "zh-CN": "您买了什么？"},
         "choices": ["龙井", "茶具"], "required": False},
        {"kind": "text", "text": {"en": "Anything else?", "zh-CN": "还有什么想说的？"}}]}).json
    sent = company.post(f"/api/v1/surveys/{survey['id']}/send",
                        json={"customer_ids": [company.customer()["id"] for _ in range(count)], "links": True}).json
    return [re.sub(r"^https?://[^/]+", "", link["url"]) for link in sent["links"]]


def test_a_customer_answers_on_a_phone_without_javascript_in_two_sittings(chromium, live_server, sign_up, problems):
    [link] = links(sign_up(), 1)
    context = chromium.new_context(base_url=live_server, java_script_enabled=False, viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(link)
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(page.get_by_role("heading", level=1)).to_have_text("客户满意度调查")
        page.get_by_role("group", name="您有多大可能向朋友推荐我们？").get_by_role("radio", name="9", exact=True).check()
        page.get_by_role("group", name="您买了什么？").get_by_role("checkbox", name="茶具").check()
        screenshot(page, "survey-answer-phone")
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name="保存，稍后完成").click()
        expect(page.get_by_role("status")).to_contain_text("稍后打开同一链接")
        page.goto(link)  # later, the same link
        expect(page.get_by_role("radio", name="9", exact=True).first).to_be_checked()
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name="提交我的回答").click()
        expect(page.get_by_role("alert")).to_be_visible()  # the CSAT is required
        page.get_by_role("group", name="您对我们的服务满意吗？").get_by_role("radio", name="4", exact=True).check()
        page.get_by_label("还有什么想说的？").fill("茶很好")
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("button", name="提交我的回答").click()
        expect(page.get_by_role("status")).to_have_text("谢谢！您的回答已记录。")
        response = page.goto(link)
        assert response.status == 410
        expect(page.get_by_role("heading", level=1)).to_have_text("此问卷链接无法使用")
    finally:
        context.close()
    assert problems == []


def test_axe_finds_no_serious_or_critical_violation_on_the_survey_pages(page, sign_up, problems):
    first, second = links(sign_up(), 2)
    page.context.add_init_script(AXE)
    found = []
    page.set_viewport_size(PHONE)
    page.goto(first)
    found += axe_violations(page)
    page.get_by_role("button", name="提交我的回答").click()  # nothing chosen: every required question marked
    page.wait_for_load_state("load")
    expect(page.get_by_role("alert")).to_be_visible()
    found += axe_violations(page)
    page.goto(second)
    unsubscribe = page.get_by_role("link", name="不再接收我们的问卷").get_attribute("href")
    page.goto(re.sub(r"^https?://[^/]+", "", unsubscribe))
    found += axe_violations(page)
    page.goto("/s/forged")
    found += axe_violations(page)
    assert [v for v in found if v["impact"] in FAILING] == []
    assert problems == []


def test_a_manager_writes_a_survey_activates_and_sends_it_and_reads_its_results(page, live_server, sign_up, problems):
    from tests.browser.conftest import ENGLISH, sign_in

    company = sign_up(settings=ENGLISH)
    assert company.put("/api/v1/modules/surveys", json={"enabled": True}).status_code == 200
    for n in range(3):
        company.customer(name=f"Tea house {n}", email=f"house{n}@example.com", tags=["vip"])
    assert company.post("/api/v1/segments", json={"name": "VIP", "filter": {"tags": ["vip"]}}).status_code == 201
    sign_in(page, company.user["email"], company.password)

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Surveys").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Surveys")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="New survey").click()
    page.get_by_label("Title in English").fill("After the spring harvest")
    page.get_by_label("Title in Chinese").fill("春茶季回访")
    first = page.get_by_role("group", name="Question 1")
    first.get_by_label("Question in English").fill("How likely are you to recommend us?")
    first.get_by_label("Question in Chinese").fill("您有多大可能向朋友推荐我们？")
    page.get_by_label("Kind of the next question").select_option("single_choice")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Add a question").click()  # the form comes back with one more
    question = page.get_by_role("group", name="Question 2")
    expect(question.get_by_label("Kind of question", exact=True)).to_have_value("single_choice")
    question.get_by_label("Question in English").fill("Which tea?")
    question.get_by_label("Choices in English (one a line; choice questions only)").fill("Longjing\nBiluochun")
    screenshot(page, "surveys-editor")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save the survey", exact=True).last.click()
    expect(page.get_by_role("alert")).to_have_text("The survey is saved as a draft.")
    expect(page.locator("#survey-state")).to_have_text("Draft")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Activate").click()
    expect(page.locator("#survey-state")).to_have_text("Active")
    now = page.get_by_role("region", name="Send now")
    now.get_by_label("The customers of a segment").check()
    now.get_by_label("Segment to send to", exact=True).select_option(label="VIP")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Send the survey").click()
    expect(page.get_by_role("alert")).to_have_text("3 customers invited.")
    screenshot(page, "surveys-survey")

    survey = company.get("/api/v1/surveys").json["items"][0]
    links = company.post(f"/api/v1/surveys/{survey['id']}/send", json={
        "customer_ids": [company.customer(name="Lingyin Teahouse")["id"]], "links": True}).json["links"]
    customer = page.context.new_page()
    customer.goto(re.sub(r"^https?://[^/]+", "", links[0]["url"]))
    customer.get_by_role("group", name="How likely are you to recommend us?").get_by_role("radio", name="9", exact=True).check()
    customer.get_by_role("group", name="Which tea?").get_by_role("radio", name="Longjing").check()
    with customer.expect_navigation(wait_until="load"):
        customer.get_by_role("button", name="Send my answers").click()
    customer.close()

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Surveys").get_by_role("link", name="Results").click()
    expect(page.locator("#figure-nps")).to_have_text("100")
    expect(page.locator("[data-chart=months] svg")).to_be_visible()  # ECharts drew it
    screenshot(page, "surveys-results")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Surveys").get_by_role("link", name="Answers").click()
    expect(page.get_by_role("row", name=re.compile("Lingyin Teahouse"))).to_contain_text("NPS 9")
    screenshot(page, "surveys-answers")
    page.goto("/surveys/", wait_until="load")
    expect(page.get_by_role("row", name=re.compile("After the spring harvest"))).to_contain_text("Active")
    screenshot(page, "surveys-list")

    page.get_by_label("Language").select_option("zh_CN")  # the same pages in Chinese
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("问卷调查")
    screenshot(page, "surveys-list-zh")
    for path, heading, name in ((f"/surveys/{survey['id']}", "春茶季回访", "surveys-survey-zh"),
                                (f"/surveys/{survey['id']}/results", "结果：春茶季回访", "surveys-results-zh"),
                                (f"/surveys/{survey['id']}/answers", "回答：春茶季回访", "surveys-answers-zh"),
                                (f"/surveys/{survey['id']}/edit", "编辑问卷：春茶季回访", "surveys-editor-zh")):
        page.goto(path, wait_until="load")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        screenshot(page, name)
    assert problems == []
