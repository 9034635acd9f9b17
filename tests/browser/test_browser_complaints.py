"""The complaints module's pages in a real browser: a member finds the customer, opens a complaint,
sees it in the queue with its clocks, and moves it along from its page (acknowledged, a plan agreed)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]


def test_a_complaint_is_opened_found_in_the_queue_and_moved_along(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    assert company.put("/api/v1/modules/complaints", json={"enabled": True}).status_code == 200
    company.customer(name="West Lake Tea House", phone="+8613800138000")
    sign_in(page, company.user["email"], company.password)

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Complaints").click()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="New complaint").first.click()
    page.get_by_label("Customer: name, phone or e-mail").fill("West Lake")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Find the customer").click()
    page.get_by_label("Complaint category").select_option("delivery")
    page.get_by_label("What happened").fill("The tea came two days late")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Open the complaint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Complaint of West Lake Tea House")
    screenshot(page, "complaints-case")

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#case-status")).to_contain_text("Acknowledged")
    page.get_by_label("The plan agreed with the customer").fill("Send a new box tomorrow")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Plan agreed").click()
    expect(page.locator("#case-status")).to_contain_text("Plan agreed")

    [case] = company.get("/api/v1/complaints").json["items"]
    assert case["status"] == "plan_agreed" and case["category"] == "delivery"
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Queue").first.click()
    expect(page.get_by_role("row", name="West Lake Tea House")).to_be_visible()
    screenshot(page, "complaints-queue")
