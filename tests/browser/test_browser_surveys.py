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
