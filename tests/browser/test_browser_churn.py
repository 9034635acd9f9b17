"""The churn module's pages in a real browser: an owner finds a drifting customer among the customers
at risk (the filter swapped in place, the URL pushed), opens its win-back task from the task list,
records the churn reason and the offer, and sees the task won back once the customer buys again;
the backtest, the win-back figures and the same pages in Chinese, with their charts drawn."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in, url

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]
NOW = dt.datetime.now(dt.timezone.utc)


def buy(company, customer: dict, amount: str, days_ago: float) -> None:
    response = company.post("/api/v1/purchases", json={
        "customer_id": customer["id"], "product": "龙井", "amount": amount,
        "purchased_at": (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days_ago)).isoformat()})
    assert response.status_code == 201, response.json


def test_a_drifting_customer_s_win_back_task_is_worked_until_the_customer_buys_again(page, live_server, sign_up,
                                                                                      problems):
    company = sign_up(settings=ENGLISH)
    assert company.put("/api/v1/modules/churn", json={"enabled": True}).status_code == 200
    drifting = company.customer(name="West Lake Tea House")
    for days in range(660, 299, -30):  # every 30 days for a year, then nothing for 300 days
        buy(company, drifting, "200.00", days)
    steady = company.customer(name="Lingyin Teahouse")
    for days in range(245, 4, -20):
        buy(company, steady, "100.00", days)
    assert company.post("/api/v1/churn/score").status_code == 202  # the embedded queue runs it
    cutoff = (NOW - dt.timedelta(days=200)).date().isoformat()
    assert company.post("/api/v1/churn/backtests", json={"cutoff": cutoff, "horizon_days": 90}).status_code == 202
    sign_in(page, company.user["email"], company.password)

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Churn warnings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Customers at risk")
    row = page.get_by_role("row", name="West Lake Tea House")
    expect(row).to_contain_text("High risk")
    expect(row).to_contain_text("No purchase for 300 days; usually every 30 days")
    page.get_by_label("Level").select_option("high")  # htmx: the results swapped in, the URL pushed
    expect(page).to_have_url(url(live_server, "/churn/?level=high"))
    expect(page.get_by_role("status")).to_have_text("Customers on this page: 1")
    screenshot(page, "churn-at-risk")

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Churn warnings").get_by_role("link", name="Win-back tasks").click()
    expect(page.get_by_role("row", name="West Lake Tea House")).to_contain_text("Open")
    screenshot(page, "churn-tasks")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Open the task of West Lake Tea House").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Win-back task: West Lake Tea House")
    page.get_by_label("Status").select_option("offer_made")
    page.get_by_label("Churn reason").select_option("price_competition")
    page.get_by_label("What the customer said").fill("A competitor offered 8% less")
    page.get_by_label("Offer made").fill("9% off the next order")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save the task").click()
    expect(page.get_by_role("alert")).to_have_text("The task is saved.")
    expect(page.locator("#task-status")).to_have_text("Offer made")
    expect(page.locator("#task-reason")).to_have_text("Price or competition: A competitor offered 8% less")
    screenshot(page, "churn-task")

    buy(company, drifting, "388.00", days_ago=0)  # now, after the task opened
    page.reload(wait_until="load")
    expect(page.locator("#task-status")).to_have_text("Won back")
    expect(page.locator("#task-won-back")).to_have_text("CN¥388.00")
    expect(page.get_by_role("heading", name="Work the task")).to_have_count(0)  # closed: nothing to change
    screenshot(page, "churn-task-won-back")

    page.goto("/churn/backtest", wait_until="load")
    expect(page.locator("#verdict")).to_contain_text("Too little data to trust")
    page.goto("/churn/kpis", wait_until="load")
    expect(page.locator("[data-chart=kpis] svg")).to_be_visible()  # ECharts drew it
    expect(page.get_by_role("table")).to_contain_text("CN¥388.00")
    screenshot(page, "churn-kpis")

    page.get_by_label("Language").select_option("zh_CN")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("客户挽回数据")
    screenshot(page, "churn-kpis-zh")
    page.goto("/churn/?level=low", wait_until="load")
    expect(page.get_by_role("heading", level=1)).to_have_text("流失风险客户")
    screenshot(page, "churn-at-risk-zh")
    page.goto("/churn/tasks?status=won_back", wait_until="load")
    expect(page.get_by_role("row", name="West Lake Tea House")).to_contain_text("挽回成功")
    screenshot(page, "churn-tasks-zh")
    page.goto("/churn/backtest", wait_until="load")
    expect(page.locator("#verdict")).to_contain_text("数据太少")
    screenshot(page, "churn-backtest-zh")
    assert problems == []
