"""The dashboard in a real browser: its charts are drawn (ECharts' SVG in each chart), in English
and Chinese, without a script error or a failed asset, and the period picker redraws them."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in, url

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]

CHARTS = ("tierTrend", "tierMix", "stageMix", "revenue")


def with_buyers(company):
    now = dt.datetime.now(dt.timezone.utc)
    for n, (amount, days_ago) in enumerate((("120000.00", 20), ("40000.00", 60), ("12000.00", 150), ("800.00", 5))):
        customer = company.customer(name=f"Buyer {n}")
        response = company.post("/api/v1/purchases", json={
            "customer_id": customer["id"], "product": "龙井", "amount": amount,
            "purchased_at": (now - dt.timedelta(days=days_ago)).isoformat()})
        assert response.status_code == 201, response.json
    return company


def charts_drawn(page):
    for name in CHARTS:
        expect(page.locator(f'[data-chart="{name}"] svg')).to_have_count(1)


def test_the_charts_render_and_the_period_picker_redraws_them(page, live_server, sign_up, problems):
    company = with_buyers(sign_up(settings=ENGLISH))
    sign_in(page, company.user["email"], company.password)
    expect(page).to_have_url(url(live_server, "/"))
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    charts_drawn(page)
    expect(page.locator('[data-chart="revenue"] svg')).to_contain_text("Repurchase rate")
    screenshot(page, "dashboard-en")

    with page.expect_response(lambda r: "months=3" in r.url and r.status == 200):
        page.get_by_label("Period", exact=True).select_option("3")
    expect(page).to_have_url(url(live_server, "/?months=3"))
    expect(page.locator('[data-card="tier.core"] .kpi-value')).to_have_text("1")
    charts_drawn(page)
    expect(page.locator('[data-card="revenue"] .kpi-value')).to_have_text("CN¥160,800")  # the order of 150 days ago is outside
    assert problems == []


def test_a_chinese_workspace_sees_its_charts_in_chinese(page, live_server, sign_up, problems):
    company = with_buyers(sign_up())  # the default locale: zh_CN
    sign_in(page, company.user["email"], company.password)
    expect(page.get_by_role("heading", name="仪表盘", level=1)).to_be_visible()
    charts_drawn(page)
    expect(page.locator('[data-chart="tierMix"] svg')).to_contain_text("核心客户")
    expect(page.locator('[data-chart="revenue"] svg')).to_contain_text("复购率")
    screenshot(page, "dashboard-zh")
    assert problems == []
