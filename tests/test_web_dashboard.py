"""The dashboard (``/`` for a signed-in member): its figures against the API's reports for the same
workspace and period, the period picker, the cards' links, a module's card, every role, isolation
and a number of SQL statements that does not grow with the customers."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal, format_percent

from saas import hookimpl
from saas.core.hooktypes import ModuleInfo, ReportCard
from saas.testing import CSRF_INPUT
from tests.conftest import make_app

PASSWORD = "a long enough password"
CARD = re.compile(r'<li class="kpi" data-card="([^"]+)">(.*?)</li>', re.S)
VALUE = re.compile(r'<span class="kpi-value">(.*?)</span>', re.S)
LINK = re.compile(r'<a class="kpi-link" href="([^"]+)">')
ROW = re.compile(r'<tr data-tier="([^"]*)">(.*?)</tr>', re.S)
CELL = re.compile(r"<td>(.*?)</td>", re.S)


def cards(page: str) -> dict[str, str]:
    return {key: html.unescape(VALUE.search(body).group(1).strip()) for key, body in CARD.findall(page)}


def links(page: str) -> dict[str, str]:
    return {key: html.unescape(LINK.search(body).group(1)) for key, body in CARD.findall(page) if LINK.search(body)}


def buy(tenant, customer_id: str, amount: str, days_ago: int) -> None:
    at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days_ago)
    response = tenant.post("/api/v1/purchases", json={"customer_id": customer_id, "product": "龙井", "amount": amount,
                                                      "purchased_at": at.isoformat()})
    assert response.status_code == 201, response.json


def money(amount) -> str:
    return format_currency(Decimal(amount), "CNY", locale="en")


def whole(amount) -> str:
    """A card's money: whole yuan (the tables keep the fen)."""
    return format_currency(Decimal(amount), "CNY", "¤#,##0", locale="en", currency_digits=False)


def percent(rate) -> str:
    return "—" if rate is None else format_percent(rate, "#,##0.0%", locale="en")


@pytest.fixture
def shop(sign_up):
    """An English workspace with a core, a basic and a general buyer, a lapsed one and a prospect."""
    tenant = sign_up(settings={"locale": "en", "currency": "CNY"})
    core, basic, general, lapsed = (tenant.customer(name=n, email=f"{n}@shop.example")
                                    for n in ("core", "basic", "general", "lapsed"))
    buy(tenant, core["id"], "60000.00", 20)
    buy(tenant, core["id"], "50000.00", 10)
    buy(tenant, basic["id"], "12000.00", 150)  # inside 12 months, outside 3
    buy(tenant, general["id"], "900.00", 5)
    buy(tenant, lapsed["id"], "500.00", 500)
    prospect = tenant.customer(name="prospect")
    asked = tenant.post("/api/v1/interactions", json={
        "customer_id": prospect["id"], "channel": "phone", "direction": "inbound", "subject": "price list",
        "occurred_at": dt.datetime.now(dt.timezone.utc).isoformat()})
    assert asked.status_code == 201, asked.json
    return tenant


def test_the_cards_and_tables_show_the_api_s_reports_for_the_same_period(shop):
    browser = shop.signed_in()
    for months, query in ((12, ""), (3, "?months=3")):
        page = browser.get(f"/{query}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        shown = cards(text)
        since = "" if months == 12 else "?from=" + (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=91)).isoformat(
            ).replace("+00:00", "Z")
        tiers = shop.get("/api/v1/reports/tiers").json["points"][-1]["counts"]
        assert {k: v for k, v in shown.items() if k.startswith("tier.")} == {
            f"tier.{tier}": format_decimal(count, locale="en") for tier, count in tiers.items()}
        stages = shop.get("/api/v1/reports/stages").json["points"][-1]["counts"]
        assert {k: v for k, v in shown.items() if k.startswith("stage.")} == {
            f"stage.{stage}": format_decimal(count, locale="en") for stage, count in stages.items()}
        value = shop.get(f"/api/v1/reports/customer-value{since}").json
        churn = shop.get(f"/api/v1/reports/churn{since}").json
        quality = shop.get("/api/v1/reports/data-quality").json  # every customer, whatever the period
        assert (shown["revenue"], shown["customer_value"], shown["churn"], shown["data_quality"]) == (
            whole(value["revenue"]), whole(value["average"]), percent(churn["rate"]), percent(quality["accuracy"]))
        revenue = {row["tier"]: row for row in shop.get(f"/api/v1/reports/revenue{since}").json["items"]}
        repurchase = {row["tier"]: row for row in shop.get(f"/api/v1/reports/repurchase{since}").json["items"]}
        rows = {tier: [html.unescape(c) for c in CELL.findall(body)] for tier, body in ROW.findall(text)}
        assert list(rows) == ["core", "important", "basic", "general"]
        for tier, cells in rows.items():
            bought = revenue.get(tier, {"revenue": "0", "orders": 0, "buyers": 0})
            again = repurchase.get(tier, {"repeat_buyers": 0, "rate": None})
            assert cells == [money(bought["revenue"]), str(bought["orders"]), str(bought["buyers"]),
                             str(again["repeat_buyers"]), percent(again["rate"])]
    assert whole("110900.00") == shown["revenue"] == "CN¥110,900"  # 3 months: the basic buyer's order is older
    assert rows["basic"][1] == "0" and rows["core"][-1] == "100.0%"


def test_the_period_picker_swaps_the_figures_in_with_htmx_and_refuses_a_period_it_does_not_offer(shop):
    browser = shop.signed_in()
    page = browser.get("/").get_data(as_text=True)
    picker = re.search(r'<form method="get" action="/" class="period"(.*?)</form>', page, re.S).group(1)
    assert 'hx-get="/"' in picker and 'hx-target="#dashboard"' in picker and 'hx-push-url="true"' in picker
    assert '<label for="months">Period</label>' in picker and '<option value="12" selected>' in picker
    swapped = browser.get("/?months=3", headers={"HX-Request": "true"})
    assert swapped.status_code == 200
    part = swapped.get_data(as_text=True)
    assert part.lstrip().startswith("{#") is False and part.lstrip().startswith('<div id="dashboard"')
    assert "<html" not in part and cards(part)["revenue"] == whole("110900.00")
    assert cards(page)["revenue"] == whole("122900.00")
    refused = browser.get("/?months=5")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="months-error"' in text and 'aria-invalid="true"' in text and "Choose one of the periods" in text


def test_each_card_links_to_the_customer_list_filtered_to_what_it_counts(shop):
    page = shop.signed_in().get("/").get_data(as_text=True)
    found = links(page)
    assert found["tier.core"] == "/customers?tier=core"
    assert found["tier.potential"] == "/customers?tier=potential"
    assert found["stage.dormant"] == "/customers?lifecycle_stage=dormant"
    assert found["churn"] == "/customers?lifecycle_stage=churned"
    assert found["revenue"] == "/customers?tier=core%2Cimportant%2Cbasic%2Cgeneral"
    assert found["data_quality"] == "/customers"
    assert set(found) == set(cards(page))  # every card links somewhere
    assert '<th scope="row"><a href="/customers?tier=core">Core</a></th>' in page


class Stamps:
    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="stamps", title="Stamp cards")

    @hookimpl
    def saas_report_cards(self, tenant):
        return [ReportCard("given", "Stamps given", 42, "stamps", previous=40), ReportCard("best", "Best shop", "西湖")]


class Broken:
    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="broken", title="Broken")

    @hookimpl
    def saas_report_cards(self, tenant):
        raise RuntimeError("report service down")


def test_an_enabled_module_s_cards_show_with_their_delta_and_a_failing_one_does_not_break_the_page(database):
    app = make_app(database, plugins=[("stamps", Stamps()), ("broken", Broken())])
    client = app.test_client()
    signed_up = client.post("/api/v1/tenants", json={
        "company_name": "Stamp shop", "slug": "stamp-shop", "admin_email": "owner@stamp.example",
        "admin_password": PASSWORD, "settings": {"locale": "en"}}).json
    headers = {"Authorization": f"Bearer {signed_up['api_key']}"}
    browser = signed_in_as(app, "owner@stamp.example")
    assert "From your modules" not in browser.get("/").get_data(as_text=True)
    for name in ("stamps", "broken"):
        assert client.put(f"/api/v1/modules/{name}", headers=headers, json={"enabled": True}).status_code == 200
    page = browser.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    shown = dict(CARD.findall(text))
    assert VALUE.search(shown["stamps.given"]).group(1).strip() == "42 stamps"
    assert '<span class="kpi-delta up">+2 since before</span>' in shown["stamps.given"]
    assert VALUE.search(shown["stamps.best"]).group(1).strip() == "西湖" and "kpi-delta" not in shown["stamps.best"]
    errors = client.get("/api/v1/modules/errors", headers=headers).json["items"]
    assert [(e["module"], e["hook"]) for e in errors] == [("broken", "saas_report_cards")]


def signed_in_as(app, email, password=PASSWORD):
    browser = app.test_client()
    token = CSRF_INPUT.search(browser.get("/login").get_data(as_text=True)).group(1)
    assert browser.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code == 302
    return browser


@pytest.mark.parametrize("role", ["admin", "manager", "agent", "viewer"])
def test_every_member_sees_the_dashboard_of_their_workspace(app, shop, role):
    email = f"{role}@shop.example"
    assert shop.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role}).status_code == 201
    page = signed_in_as(app, email).get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1>Dashboard</h1>" in text and cards(text)["revenue"] == whole("122900.00")


def test_a_workspace_sees_only_its_own_figures_and_a_visitor_the_welcome(client, shop, sign_up):
    other = sign_up(settings={"locale": "en"})
    buy(other, other.customer()["id"], "999999.00", 1)
    mine, theirs = cards(shop.signed_in().get("/").get_data(as_text=True)), cards(
        other.signed_in().get("/").get_data(as_text=True))
    assert mine["revenue"] == whole("122900.00") and theirs["revenue"] == whole("999999.00")
    assert mine["tier.core"] == "1" and theirs["tier.core"] == "1" and theirs["tier.basic"] == "0"
    visitor = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Keep the customers who matter." in visitor and 'id="dashboard"' not in visitor


def test_a_chinese_workspace_sees_the_dashboard_in_chinese_with_the_glossary_s_labels(sign_up):
    tenant = sign_up()  # the default locale: zh_CN
    tenant.customer(name="客户")
    text = tenant.signed_in().get("/").get_data(as_text=True)
    assert "<h1>仪表盘</h1>" in text and '<html lang="zh-CN">' in text
    for label in ("核心客户", "重要客户", "基础客户", "一般客户", "休眠客户", "流失客户", "复购率", "信息管理准确率"):
        assert label in text


def test_the_dashboard_runs_as_many_sql_statements_for_50_customers_as_for_5(shop, sign_up, count_queries):
    counts = []
    for many in (5, 50):
        tenant = sign_up(settings={"locale": "en"})
        for n in range(many):
            customer = tenant.customer(email=f"c{n}@shop.example", phone=f"+86 138 0000 {n:04d}")
            buy(tenant, customer["id"], f"{1000 * (n + 1)}.00", n % 300 + 1)
        browser = tenant.signed_in()
        browser.get("/")  # warm: a first request may load what later ones reuse
        with count_queries() as statements:
            assert browser.get("/").status_code == 200
        counts.append(statements())
    assert counts[0] == counts[1]
