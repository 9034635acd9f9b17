"""Adding a customer, recording a purchase that changes its tier, a module's panel, and the same
profile in Chinese: the customer profile in a real browser."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in, url

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]


def test_a_customer_is_added_buys_enough_to_become_core_and_shows_the_loyalty_panel_in_english_and_chinese(
        page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    sign_in(page, company.user["email"], company.password)

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="New customer").click()
    expect(page).to_have_url(url(live_server, "/customers/new"))
    page.get_by_label("Name").fill("Hangzhou Tea House")
    page.get_by_label("E-mail").fill(" Orders@TeaHouse.Example ")
    page.get_by_label("Phone").fill("0571 8888 6666")
    page.get_by_label("Tags").fill("wholesale, west lake")
    screenshot(page, "customer-new")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Add customer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hangzhou Tea House")
    expect(page.get_by_role("alert")).to_have_text("Customer Hangzhou Tea House added.")
    expect(page.get_by_text("orders@teahouse.example")).to_be_visible()
    expect(page.get_by_text("+8657188886666")).to_be_visible()
    expect(page.locator(".profile-head .badge").first).to_have_text("No tier yet")
    customer_id = page.url.rsplit("/", 1)[1]

    purchase = page.locator("#record-purchase")
    purchase.get_by_label("Product").fill("Longjing, first flush, 20 kg")
    purchase.get_by_label("Amount (CNY)").fill("128000")
    purchase.get_by_role("button", name="Record purchase").click()  # htmx: the answer swaps in, no page load

    expect(page.get_by_role("alert")).to_have_text("Purchase recorded.")
    expect(page.locator(".profile-head .badge").first).to_have_text("Core")
    expect(page.locator(".tier-value")).to_have_text("Core")
    expect(page.get_by_text("spend in the last 12 months 128,000.00 >= 100,000.00 (core)")).to_be_visible()
    expect(page.locator(".timeline .entry.purchase")).to_contain_text("Longjing, first flush, 20 kg")
    expect(page.locator(".panel")).to_have_count(0)

    assert company.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
    page.reload(wait_until="load")
    panel = page.locator(".panel")
    expect(panel.get_by_role("heading")).to_have_text("Loyalty points")
    expect(panel).to_contain_text("Balance")
    screenshot(page, "customer-profile")

    page.get_by_label("Language").select_option("zh_CN")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Change").click()
    expect(page).to_have_url(url(live_server, f"/customers/{customer_id}"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".profile-head .badge").first).to_have_text("核心客户")
    expect(page.get_by_role("heading", name="联系资料")).to_be_visible()
    expect(page.get_by_role("heading", name="记录购买")).to_be_visible()
    expect(page.get_by_role("button", name="记录互动")).to_be_visible()
    expect(page.locator(".panel")).to_have_count(1)
    screenshot(page, "customer-profile-zh")
    assert problems == []


def test_older_timeline_entries_load_in_place(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    customer = company.customer(name="Chatty")
    for number in range(55):
        company.post("/api/v1/interactions", json={"customer_id": customer["id"], "channel": "chat",
                                                   "subject": f"message {number:02}",
                                                   "occurred_at": f"2026-10-01T08:{number:02}:00+00:00"})
    sign_in(page, company.user["email"], company.password)
    page.goto(f"/customers/{customer['id']}", wait_until="load")
    entries = page.locator(".timeline .entry")
    expect(entries).to_have_count(50)
    page.get_by_role("link", name="Older entries").click()
    expect(entries).to_have_count(55)
    expect(page).to_have_url(url(live_server, f"/customers/{customer['id']}"))  # in place: no navigation
    expect(page.get_by_role("link", name="Older entries")).to_have_count(0)
    assert problems == []


def test_the_profile_s_forms_answer_in_place_with_their_errors_and_then_the_new_entry(page, live_server, sign_up,
                                                                                       problems):
    company = sign_up(settings=ENGLISH)
    customer = company.customer(name="In place")
    sign_in(page, company.user["email"], company.password)
    page.goto(f"/customers/{customer['id']}", wait_until="load")
    page.evaluate("window.notReloaded = true")
    form = page.locator("#log-interaction")

    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        form.get_by_role("button", name="Log interaction").click()
    assert refused.value.status == 422
    expect(page.locator("#log-interaction .field-error")).to_have_text("Required.")
    expect(page.locator("#interaction-subject")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "customer-profile-form-error")

    page.locator("#interaction-subject").fill("Called about the spring harvest")
    page.locator("#log-interaction").get_by_role("button", name="Log interaction").click()
    expect(page.get_by_role("alert")).to_have_text("Interaction logged.")
    expect(page.locator(".timeline .entry.interaction")).to_contain_text("Called about the spring harvest")
    expect(page).to_have_url(url(live_server, f"/customers/{customer['id']}"))
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the answer in, no page load
    assert problems == []
