"""The loyalty module's pages in a real browser: a manager adds a reward to the catalogue, opens a
customer's points from the profile's panel, finds the balance short, and redeems the reward once
the customer has the points; then the same pages in Chinese."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in, url

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]


def test_a_reward_is_added_to_the_catalogue_and_redeemed_on_a_customer(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    assert company.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
    customer = company.customer(name="West Lake Tea House")
    assert company.post(f"/api/v1/loyalty/customers/{customer['id']}/adjustments",
                        json={"points": 300, "reason": "welcome"}).status_code == 201
    sign_in(page, company.user["email"], company.password)

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Loyalty points").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Loyalty points")
    screenshot(page, "loyalty-overview")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Loyalty points").get_by_role("link", name="Rewards").click()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="New reward").click()
    page.get_by_label("Name").fill("Longjing tasting set")
    page.get_by_label("Points it costs").fill("500")
    page.get_by_label("Stock").fill("10")
    screenshot(page, "loyalty-reward-new")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(url(live_server, "/loyalty/rewards"))
    expect(page.get_by_role("alert")).to_have_text("Longjing tasting set is in the catalogue.")
    expect(page.get_by_role("row", name="Longjing tasting set")).to_contain_text("500")
    screenshot(page, "loyalty-rewards")

    page.goto(f"/customers/{customer['id']}", wait_until="load")
    with page.expect_navigation(wait_until="load"):
        page.locator(".panel").get_by_role("link", name="More").click()
    expect(page).to_have_url(url(live_server, f"/loyalty/customers/{customer['id']}"))
    page.get_by_label("Reward", exact=True).select_option(label="Longjing tasting set (500 points) · 10 left")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Redeem", exact=True).click()
    expect(page.locator(".field-error")).to_have_text(
        "Not enough points: the customer has 300, Longjing tasting set costs 500.")
    expect(page.locator("#balance")).to_have_text("300")

    page.locator("#adjust-heading + form").get_by_label("Points").fill("200")
    page.get_by_label("Reason", exact=True).fill("tasting event")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Adjust", exact=True).click()
    expect(page.locator("#balance")).to_have_text("500")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Redeem", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Longjing tasting set redeemed for 500 points.")
    expect(page.locator("#balance")).to_have_text("0")
    expect(page.get_by_role("table").locator("tbody tr").first).to_contain_text("Redeemed")
    screenshot(page, "loyalty-account")

    page.get_by_label("Language").select_option("zh_CN")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=2, name="积分明细")).to_be_visible()
    screenshot(page, "loyalty-account-zh")
    page.goto("/loyalty/", wait_until="load")
    expect(page.get_by_role("heading", level=1)).to_have_text("会员积分")
    screenshot(page, "loyalty-overview-zh")
    page.goto("/loyalty/admin", wait_until="load")
    expect(page.get_by_role("heading", level=1)).to_have_text("积分维护")
    screenshot(page, "loyalty-admin-zh")
    assert problems == []
