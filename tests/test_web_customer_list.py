"""The customer list page (/customers): filters, sort, keyset pages, bulk actions, segments,
columns, roles, isolation and a number of SQL statements that does not grow with the rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid

import pytest
from openpyxl import load_workbook

from saas.testing import CSRF_INPUT

NOW = dt.datetime.now(dt.timezone.utc)
PASSWORD = "a long enough password"
ROW_LINK = re.compile(r'<th scope="row"[^>]*><a href="/customers/([0-9a-f-]{36})">([^<]*)</a>')


@pytest.fixture
def shop(sign_up):
    return sign_up(settings={"locale": "en"})


def signed_in(client_app, email: str, password: str = PASSWORD):
    browser = client_app.test_client()
    token = CSRF_INPUT.search(browser.get("/login").get_data(as_text=True)).group(1)
    assert browser.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code == 302
    return browser


def member(tenant, role: str, team: str | None = None, name: str = "") -> dict:
    email = f"{role}-{uuid.uuid4().hex[:6]}@{tenant.tenant['slug']}.example"
    response = tenant.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role,
                                                    "team": team, "name": name or role.title()})
    assert response.status_code == 201, response.json
    return {"email": email, **response.json}


def token_of(page) -> str:
    return CSRF_INPUT.search(page.get_data(as_text=True)).group(1)


def rows(page, status: int = 200) -> list[str]:
    """The names in the list's rows, in order."""
    assert page.status_code == status, page.get_data(as_text=True)[:500]
    return [name for _, name in ROW_LINK.findall(page.get_data(as_text=True))]


def buy(tenant, customer_id: str, amount: str, days_ago: int = 3) -> None:
    response = tenant.post("/api/v1/purchases", json={
        "customer_id": customer_id, "product": "龙井", "amount": amount,
        "purchased_at": (NOW - dt.timedelta(days=days_ago)).isoformat()})
    assert response.status_code == 201, response.json


def classified(tenant) -> dict[str, dict]:
    """Four customers in different tiers and stages, tags, owners and teams."""
    manager = member(tenant, "manager", team="sales", name="Wang Fang")
    made = {
        "Core Tea House": tenant.customer(name="Core Tea House", tags=["vip"], team="sales",
                                          owner_id=manager["user_id"], email="core@tea.example"),
        "Basic Hotel": tenant.customer(name="Basic Hotel", team="service"),
        "Dormant Shop": tenant.customer(name="Dormant Shop", tags=["vip", "gift"]),
        "Nobody Yet": tenant.customer(name="Nobody Yet", company="Acme"),
    }
    buy(tenant, made["Core Tea House"]["id"], "150000.00")
    buy(tenant, made["Basic Hotel"]["id"], "12000.00")
    buy(tenant, made["Dormant Shop"]["id"], "45000.00", days_ago=200)
    assert tenant.post("/api/v1/classification/recompute").json == {"queued": True}
    return {"manager": manager, **made}


def test_the_list_shows_tier_stage_and_spend_with_the_glossary_s_labels_and_the_workspace_s_currency(shop):
    made = classified(shop)
    page = shop.signed_in().get("/customers")
    html = page.get_data(as_text=True)
    assert sorted(rows(page)) == ["Basic Hotel", "Core Tea House", "Dormant Shop", "Nobody Yet"]
    assert f'href="/customers/{made["Core Tea House"]["id"]}"' in html
    assert '<span class="tier tier-core">Core</span>' in html and '<span class="stage stage-dormant">Dormant</span>' in html
    assert "CN¥150,000.00" in html  # the workspace's currency, formatted for English
    assert "Wang Fang" in html and "<caption>" in html and 'scope="col"' in html
    assert 'aria-current="page"' in html and ">Customers</a>" in html  # in the main menu


def test_the_list_speaks_chinese_in_a_default_workspace(sign_up):
    tenant = sign_up()
    tenant.customer(name="龙井茶庄")
    buy(tenant, tenant.customer(name="核心茶庄")["id"], "150000.00")
    tenant.post("/api/v1/classification/recompute")
    html = tenant.signed_in().get("/customers").get_data(as_text=True)
    assert "<h1>客户</h1>" in html and "核心客户" in html and "¥150,000.00" in html
    assert "龙井茶庄" in html and "搜索" in html


def test_the_labels_kept_per_language_follow_each_person_s_language(shop):
    """The tier, sort and column labels are translated once per language and kept: a person who
    reads Chinese and one who reads English, in turn, each get their own language."""
    buy(shop, shop.customer(name="Core Tea House")["id"], "150000.00")
    shop.post("/api/v1/classification/recompute")
    english = shop.signed_in()
    chinese = signed_in(shop.client.application, member(shop, "agent", name="Wang")["email"])
    chinese.post("/language", data={"locale": "zh_CN", "next": "/", "csrf_token": token_of(chinese.get("/customers"))})
    for _ in range(2):
        ours, theirs = english.get("/customers").get_data(as_text=True), chinese.get("/customers").get_data(as_text=True)
        assert all(text in ours for text in (">Core<", "Newest first", "Account manager")), ours
        assert all(text in theirs for text in ("核心客户", "最新创建")) and "Newest first" not in theirs


@pytest.mark.parametrize("query, expected", [
    ("q=tea.example", ["Core Tea House"]),
    ("q=acme", ["Nobody Yet"]),
    ("tier=core", ["Core Tea House"]),
    ("tier=core&tier=basic", ["Basic Hotel", "Core Tea House"]),
    ("tier=core,basic", ["Basic Hotel", "Core Tea House"]),  # the API's comma-separated form
    ("lifecycle_stage=dormant", ["Dormant Shop"]),
    ("tag=vip", ["Core Tea House", "Dormant Shop"]),
    ("tag=gift&tier=", ["Dormant Shop"]),  # an empty field, as a form sends it, is no condition
    ("team=service", ["Basic Hotel"]),
    ("created_before=2000-01-01", []),
    ("created_after=2000-01-01&q=hotel", ["Basic Hotel"]),
])
def test_filters_narrow_the_list_as_the_api_s_parameters_do(shop, query, expected):
    classified(shop)
    assert sorted(rows(shop.signed_in().get(f"/customers?{query}"))) == expected
    api = shop.get(f"/api/v1/customers?{query.replace('tier=core&tier=basic', 'tier=core,basic').replace('&tier=', '')}")
    if "created_" not in query:  # the API takes timestamps, the page also dates
        assert sorted(c["name"] for c in api.json["items"]) == expected


def test_the_owner_and_segment_filters_narrow_the_list(shop):
    made = classified(shop)
    browser = shop.signed_in()
    assert rows(browser.get(f"/customers?owner_id={made['manager']['user_id']}")) == ["Core Tea House"]
    segment = shop.post("/api/v1/segments", json={"name": "VIPs", "filter": {"tags": ["vip"]}}).json
    assert sorted(rows(browser.get(f"/customers?segment_id={segment['id']}"))) == ["Core Tea House", "Dormant Shop"]
    assert rows(browser.get(f"/customers?segment_id={segment['id']}&tier=core")) == ["Core Tea House"]


def test_the_list_sorts_and_pages_by_keyset_to_the_last_page(shop):
    for name in ("delta", "alpha", "echo", "charlie", "bravo"):
        shop.customer(name=name)
    browser = shop.signed_in()
    first = browser.get("/customers?sort=name&limit=2")
    assert rows(first) == ["alpha", "bravo"]
    html = first.get_data(as_text=True)
    assert 'aria-sort="ascending"' in html
    next_link = re.search(r'<a href="([^"]+)"[^>]*rel="next"', html).group(1).replace("&amp;", "&")
    assert "cursor=" in next_link and "sort=name" in next_link and "offset" not in next_link
    second = browser.get(next_link)
    assert rows(second) == ["charlie", "delta"]
    third = browser.get(re.search(r'<a href="([^"]+)"[^>]*rel="next"', second.get_data(as_text=True)).group(1)
                        .replace("&amp;", "&"))
    assert rows(third) == ["echo"] and 'rel="next"' not in third.get_data(as_text=True)
    assert "First page" in third.get_data(as_text=True)
    assert rows(browser.get("/customers?sort=-name&limit=2")) == ["echo", "delta"]


def test_an_htmx_request_gets_the_results_alone_and_a_plain_request_the_whole_page(shop):
    shop.customer(name="only one")
    browser = shop.signed_in()
    partial = browser.get("/customers?q=only", headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert body.startswith('<div id="customer-results">') and "<html" not in body and rows(partial) == ["only one"]
    assert "HX-Request" in partial.headers["Vary"]  # a cached fragment is never shown as the page
    restored = browser.get("/customers?q=only", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restored.get_data(as_text=True)
    full = browser.get("/customers?q=only").get_data(as_text=True)
    assert "<html" in full and 'hx-push-url="true"' in full and 'method="get"' in full  # works without JavaScript


@pytest.mark.parametrize("query", ["tier=gold", "owner_id=nobody", "sort=shoe_size", "limit=5000",
                                   "created_after=2026-02-31", "cursor=not-a-cursor", "q=" + "x" * 201])
def test_a_bad_filter_answers_400_with_what_is_wrong_never_a_500(shop, query):
    shop.customer(name="kept")
    page = shop.signed_in().get(f"/customers?{query}")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "The filter is not valid" in html and ": this value is not valid." in html
    assert 'class="brand"' in html  # the layout, not a bare error


def bulk(browser, action: str | None, ids: list[str], **fields):
    page = browser.get("/customers")
    data = {"csrf_token": token_of(page), "ids": ids, "next": "/customers?sort=name", **fields}
    if action:
        data["action"] = action
    return browser.post("/customers/bulk", data=data)


def api_customer(tenant, customer_id: str) -> dict:
    return tenant.get(f"/api/v1/customers/{customer_id}").json


def test_bulk_tagging_and_assigning_change_every_ticked_customer_and_only_those(shop):
    made = classified(shop)
    ticked = [made["Basic Hotel"]["id"], made["Nobody Yet"]["id"]]
    browser = shop.signed_in()
    answer = bulk(browser, "tag", ticked, tag="gift")
    assert answer.status_code == 303 and answer.headers["Location"] == "/customers?sort=name"
    assert all(api_customer(shop, i)["tags"] == ["gift"] for i in ticked)
    assert api_customer(shop, made["Core Tea House"]["id"])["tags"] == ["vip"]
    assert "Added the tag “gift” to the ticked customers (2)." in browser.get("/customers").get_data(as_text=True)
    owner = made["manager"]["user_id"]
    assert bulk(browser, "assign", ticked, owner_id=owner).status_code == 303
    assert all(api_customer(shop, i)["owner_id"] == owner for i in ticked)
    assert api_customer(shop, made["Dormant Shop"]["id"])["owner_id"] is None


@pytest.mark.parametrize("action, fields, message", [
    ("tag", {"tag": "no-such-tag"}, "Choose one of the workspace&#39;s tags."),
    ("assign", {"owner_id": str(uuid.uuid4())}, "Choose a member of this workspace."),
    ("assign", {"owner_id": "not-an-id"}, "Choose a member of this workspace."),
    ("shred", {}, "Choose an action."),
])
def test_a_bulk_action_with_bad_input_is_a_422_that_shows_why_and_writes_nothing(shop, action, fields, message):
    made = classified(shop)
    before = api_customer(shop, made["Basic Hotel"]["id"])
    answer = bulk(shop.signed_in(), action, [made["Basic Hotel"]["id"]], **fields)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert message in html and "<h1>Customers</h1>" in html
    assert rows(answer, 422) == [
        "Basic Hotel", "Core Tea House", "Dormant Shop", "Nobody Yet"]  # the list of ``next`` (by name)
    assert api_customer(shop, made["Basic Hotel"]["id"]) == before


def test_a_bulk_action_without_a_selection_or_with_too_many_is_a_422(shop):
    shop.customer(name="kept")
    browser = shop.signed_in()
    assert bulk(browser, "tag", [], tag="x").status_code == 422
    assert bulk(browser, "tag", [str(uuid.uuid4()) for _ in range(201)], tag="x").status_code == 422


def test_a_bulk_action_naming_another_workspace_s_customer_is_a_404_and_writes_nothing(shop, sign_up):
    made = classified(shop)
    other = sign_up()
    stranger = other.customer(name="not yours", tags=["theirs"])
    browser = shop.signed_in()
    answer = bulk(browser, "tag", [made["Basic Hotel"]["id"], stranger["id"]], tag="vip")
    assert answer.status_code == 404 and "This page does not exist" in answer.get_data(as_text=True)
    assert api_customer(shop, made["Basic Hotel"]["id"])["tags"] == []  # the first one was not tagged either
    assert api_customer(other, stranger["id"])["tags"] == ["theirs"]
    assert bulk(browser, "tag", ["not-an-id"], tag="vip").status_code == 404
    export = browser.post("/customers/export", data={"csrf_token": token_of(browser.get("/customers")),
                                                     "ids": [stranger["id"]], "format": "csv"})
    assert export.status_code == 404


def test_the_selection_exports_as_csv_and_xlsx_with_only_the_ticked_customers(shop):
    made = classified(shop)
    browser = shop.signed_in()
    ticked = [made["Core Tea House"]["id"], made["Dormant Shop"]["id"]]
    data = {"csrf_token": token_of(browser.get("/customers")), "ids": ticked}
    as_csv = browser.post("/customers/export", data={**data, "format": "csv"})
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert "attachment" in as_csv.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r["Name"] for r in table) == ["Core Tea House", "Dormant Shop"]
    assert {r["Name"]: r["Tags"] for r in table}["Dormant Shop"] == "gift, vip"
    as_xlsx = browser.post("/customers/export", data={**data, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(as_xlsx.get_data())).active
    assert sorted(row[2] for row in sheet.iter_rows(min_row=2, values_only=True)) == ["Core Tea House", "Dormant Shop"]
    assert browser.post("/customers/export", data={**data, "format": "pdf"}).status_code == 422


def test_a_viewer_sees_the_list_and_exports_but_has_no_writing_bulk_action_and_the_api_s_403(shop):
    made = classified(shop)
    viewer = member(shop, "viewer")
    browser = signed_in(shop.client.application, viewer["email"])
    page = browser.get("/customers")
    html = page.get_data(as_text=True)
    assert len(rows(page)) == 4
    assert 'value="tag"' not in html and 'value="assign"' not in html and "Save this filter" not in html
    assert 'href="/customers/new"' not in html
    assert 'value="csv"' in html
    refused = bulk(browser, "tag", [made["Basic Hotel"]["id"]], tag="vip")
    assert refused.status_code == 403 and api_customer(shop, made["Basic Hotel"]["id"])["tags"] == []
    token = token_of(browser.get("/customers"))
    assert browser.post("/customers/segments", data={"csrf_token": token, "name": "mine", "tag": "vip"}).status_code == 403
    assert browser.post("/customers/export", data={"csrf_token": token, "ids": [made["Basic Hotel"]["id"]],
                                                   "format": "csv"}).status_code == 200


@pytest.mark.parametrize("role", ["agent", "manager", "admin"])
def test_roles_that_may_write_customers_get_the_bulk_actions(shop, role):
    made = classified(shop)
    person = member(shop, role)
    browser = signed_in(shop.client.application, person["email"])
    html = browser.get("/customers").get_data(as_text=True)
    assert 'value="tag"' in html and 'href="/customers/new"' in html  # and the way to add one
    assert bulk(browser, "tag", [made["Basic Hotel"]["id"]], tag="vip").status_code == 303
    assert api_customer(shop, made["Basic Hotel"]["id"])["tags"] == ["vip"]


def test_someone_not_signed_in_is_sent_to_sign_in(client):
    answer = client.get("/customers?tier=core")
    assert answer.status_code == 302 and "/login?next=" in answer.headers["Location"]


def save_segment(browser, name: str, **filter_fields):
    token = token_of(browser.get("/customers"))
    return browser.post("/customers/segments", data={"csrf_token": token, "name": name, "next": "/customers",
                                                     **filter_fields})


def test_the_filter_is_saved_as_a_segment_that_holds_what_the_list_showed(shop):
    made = classified(shop)
    browser = shop.signed_in()
    answer = save_segment(browser, "VIP in sales", tag="vip", team="sales", tier=["core", "important"],
                          owner_id=made["manager"]["user_id"], sort="name")
    assert answer.status_code == 303
    saved = shop.get("/api/v1/segments").json["items"]
    assert [(s["name"], s["count"]) for s in saved] == [("VIP in sales", 1)]
    assert saved[0]["filter"]["tags"] == ["vip"] and saved[0]["filter"]["tiers"] == ["core", "important"]
    assert answer.headers["Location"] == f"/customers?segment_id={saved[0]['id']}"
    assert rows(browser.get(answer.headers["Location"])) == ["Core Tea House"]


@pytest.mark.parametrize("name, fields, message", [
    ("", {"tag": "vip"}, "A name of 1 to 100 characters."),
    ("x" * 101, {"tag": "vip"}, "A name of 1 to 100 characters."),
    ("taken", {"tag": "vip"}, "A segment of that name exists already."),
    ("searching", {"q": "tea"}, "A segment keeps tier, stage, tag"),
    ("bad tier", {"tier": "gold"}, "The filter is not valid."),
])
def test_a_segment_that_cannot_be_saved_is_a_422_that_says_why_and_writes_nothing(shop, name, fields, message):
    shop.customer(name="kept")
    shop.post("/api/v1/segments", json={"name": "taken", "filter": {}})
    answer = save_segment(shop.signed_in(), name, **fields)
    assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    assert [s["name"] for s in shop.get("/api/v1/segments").json["items"]] == ["taken"]


def test_the_chosen_columns_are_kept_for_the_person(shop):
    shop.customer(name="columned", email="c@example.com", company="Acme")
    browser = shop.signed_in()
    assert "<td>Acme</td>" in browser.get("/customers").get_data(as_text=True)
    token = token_of(browser.get("/customers"))
    answer = browser.post("/customers/columns", data={"csrf_token": token, "columns": ["email", "nonsense"],
                                                      "next": "/customers?q=col"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/customers?q=col"
    html = browser.get("/customers").get_data(as_text=True)
    assert "<td>c@example.com</td>" in html and "<td>Acme</td>" not in html
    assert "<td>Acme</td>" in shop.signed_in().get("/customers").get_data(as_text=True)  # another session: defaults
    away = browser.post("/customers/columns", data={"csrf_token": token, "next": "https://evil.example/"})
    assert away.headers["Location"] == "/customers"


def test_the_list_shows_only_the_workspace_s_customers_and_another_s_segment_is_a_404(shop, sign_up):
    shop.customer(name="ours")
    other = sign_up(settings={"locale": "en"})
    other.customer(name="theirs")
    theirs = other.post("/api/v1/segments", json={"name": "theirs", "filter": {}}).json
    browser = shop.signed_in()
    assert rows(browser.get("/customers")) == ["ours"]
    missing = browser.get(f"/customers?segment_id={theirs['id']}")
    assert missing.status_code == 404 and "This page does not exist" in missing.get_data(as_text=True)


def test_the_filter_and_the_bulk_actions_offer_only_the_workspace_s_tags_members_and_segments(shop, sign_up):
    shop.customer(name="ours", tags=["our-tag"])
    member(shop, "agent", team="our-team", name="Our Agent")
    shop.post("/api/v1/segments", json={"name": "our-segment", "filter": {}})
    other = sign_up(settings={"locale": "en"})
    other.customer(name="theirs", tags=["their-tag"])
    member(other, "agent", team="their-team", name="Their Agent")
    other.post("/api/v1/segments", json={"name": "their-segment", "filter": {}})
    html = shop.signed_in().get("/customers").get_data(as_text=True)
    assert all(ours in html for ours in ("our-tag", "Our Agent", "our-team", "our-segment"))
    assert not any(theirs in html for theirs in ("their-tag", "Their Agent", "their-team", "their-segment"))


def test_the_list_issues_as_many_sql_statements_for_50_rows_as_for_5(shop, count_queries):
    owners = [member(shop, "agent", team=f"team {n}")["user_id"] for n in range(3)]
    browser = shop.signed_in()
    for n in range(50):
        shop.customer(name=f"customer {n:02}", tags=[f"tag {n % 4}", "vip"], owner_id=owners[n % 3], team="sales")
    browser.get("/customers")  # warm: the first request of a session loads what later ones reuse
    counted = {}
    for limit in (5, 50):
        with count_queries() as statements:
            page = browser.get(f"/customers?tag=vip&limit={limit}")
        assert len(rows(page)) == limit
        counted[limit] = statements()
    assert counted[5] == counted[50], counted
    # BEGIN (pysqlite's), then one statement each: the session's person with their membership, the
    # workspace, their workspaces and unread count (the header's); the rows; the controls' choices
    assert counted[50] <= 4, counted
