"""The customer list in a real browser: filtering and paging swap the results in place and push the
URL (so the back button works), and the ticked customers are tagged in one go."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in, url

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]


def buy(company, customer_id: str, amount: str) -> None:
    response = company.post("/api/v1/purchases", json={
        "customer_id": customer_id, "product": "龙井", "amount": amount,
        "purchased_at": (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3)).isoformat()})
    assert response.status_code == 201, response.json


def shop(company, extra: int = 0) -> None:
    """A core, an important and a basic customer, a tag to give, and ``extra`` customers more."""
    for name, amount in (("West Lake Tea House", "150000.00"), ("Hangzhou Hotel", "45000.00"),
                         ("Longjing Shop", "12000.00")):
        buy(company, company.customer(name=name, tags=["tea"])["id"], amount)
    for n in range(extra):
        company.customer(name=f"Prospect {n:02}")
    assert company.post("/api/v1/tags", json={"name": "gift"}).status_code == 201
    company.post("/api/v1/classification/recompute")


def table_rows(page):
    return page.locator("table.customers tbody tr")


def test_ticking_a_tier_filters_in_place_pushes_the_url_and_back_restores_the_list(page, live_server, sign_up,
                                                                                problems):
    company = sign_up(settings=ENGLISH)
    shop(company)
    sign_in(page, company.user["email"], company.password)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    expect(table_rows(page)).to_have_count(3)
    screenshot(page, "customer-list")

    page.get_by_role("checkbox", name="Core").check()  # htmx: the change swaps the results in
    expect(page).to_have_url(url(live_server, "/customers"))
    expect(table_rows(page)).to_have_count(1)
    expect(table_rows(page).first).to_contain_text("West Lake Tea House")
    assert "tier=core" in page.url
    expect(page.get_by_role("status")).to_have_text("Customers on this page: 1")

    page.go_back()
    expect(table_rows(page)).to_have_count(3)
    assert "tier=core" not in page.url
    page.go_forward()
    expect(table_rows(page)).to_have_count(1)
    assert problems == []


def test_the_next_page_comes_in_place_with_a_cursor_in_the_url(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    shop(company, extra=25)  # 28 customers: a page of 25 and one of 3
    sign_in(page, company.user["email"], company.password)
    page.goto("/customers?sort=name")
    page.get_by_label("Rows per page").select_option("25")
    expect(page).to_have_url(url(live_server, "/customers"))
    expect(table_rows(page)).to_have_count(25)
    assert "limit=25" in page.url and "sort=name" in page.url
    page.get_by_role("link", name="Next page").click()
    expect(table_rows(page)).to_have_count(3)
    assert "cursor=" in page.url
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    expect(table_rows(page).first).to_contain_text("Prospect 23")
    assert problems == []


def test_ticked_customers_are_tagged_in_one_go(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    shop(company)
    sign_in(page, company.user["email"], company.password)
    page.goto("/customers?sort=name")
    page.get_by_role("checkbox", name="Hangzhou Hotel").check()
    page.get_by_role("checkbox", name="Longjing Shop").check()
    page.get_by_label("Tag", exact=True).last.select_option("gift")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Add the tag").click()
    expect(page).to_have_url(url(live_server, "/customers"))
    expect(page.get_by_role("alert")).to_have_text("Added the tag “gift” to the ticked customers (2).")
    tagged = page.locator("table.customers tbody tr", has=page.locator(".tag", has_text="gift"))
    expect(tagged).to_have_count(2)
    screenshot(page, "customer-list-tagged")
    names = sorted(c["name"] for c in company.get("/api/v1/customers?tag=gift").json["items"])
    assert names == ["Hangzhou Hotel", "Longjing Shop"]

    page.locator("input.select-all").check()  # "tick all" ticks every row of the page
    expect(page.locator('input[name="ids"]:checked')).to_have_count(3)
    assert problems == []


def test_the_list_in_chinese(page, live_server, sign_up, problems):
    company = sign_up()  # a workspace speaks Chinese by default
    shop(company)
    sign_in(page, company.user["email"], company.password)
    page.goto("/customers")
    expect(page.get_by_role("heading", name="客户", exact=True)).to_be_visible()
    expect(page.locator(".tier-core")).to_have_text("核心客户")
    screenshot(page, "customer-list-zh")
    assert problems == []
