"""``/purchases`` and ``/interactions``: the workspace's purchases and interactions, newest first,
keyset paged and filtered by customer as ``GET /api/v1/purchases`` and ``/interactions`` are, each
row linking to its customer; every member may read them."""

from __future__ import annotations

import re

import pytest

from tests.test_web_customer_profile import member, text
from tests.test_web_settings import statements_for

ENGLISH = {"settings": {"locale": "en"}}
ROW = re.compile(r'<tr>\s*<th scope="row">')


@pytest.fixture
def company(sign_up):
    return sign_up(**ENGLISH)


@pytest.fixture
def owner(company):
    return company.signed_in()


def buy(company, customer, day: int, product: str = "Longjing", amount: str = "100.00"):
    response = company.post("/api/v1/purchases", json={
        "customer_id": customer["id"], "product": product, "amount": amount,
        "purchased_at": f"2026-10-{day:02}T09:00:00Z"})
    assert response.status_code == 201, response.json
    return response.json


def talk(company, customer, day: int, subject: str = "Call"):
    response = company.post("/api/v1/interactions", json={
        "customer_id": customer["id"], "channel": "visit", "direction": "inbound", "subject": subject,
        "occurred_at": f"2026-10-{day:02}T09:00:00Z", "outcome": "ordered more"})
    assert response.status_code == 201, response.json
    return response.json


def test_the_purchases_are_listed_newest_first_with_their_customer_and_filtered_by_customer(company, owner):
    wang, li = company.customer(name="Wang Fang"), company.customer(name="Li Wei")
    buy(company, wang, 1, "First tea", "120.00")
    buy(company, li, 3, "Second tea")
    buy(company, wang, 5, "Third tea")
    page = text(owner.get("/purchases"))
    assert re.findall(r"(\w+) tea</td>", page) == ["Third", "Second", "First"]
    assert f'<a href="/customers/{wang["id"]}">Wang Fang</a>' in page and "¥120.00" in page
    only = text(owner.get(f"/purchases?customer_id={wang['id']}"))
    assert re.findall(r"(\w+) tea</td>", only) == ["Third", "First"] and "Only Wang Fang." in only


def test_the_interactions_are_listed_with_channel_and_direction_and_filtered_by_customer(company, owner):
    wang, li = company.customer(name="Wang Fang"), company.customer(name="Li Wei")
    talk(company, wang, 1, "About spring tea")
    talk(company, li, 2, "About oolong")
    page = text(owner.get("/interactions"))
    assert page.index("About oolong") < page.index("About spring tea")
    assert "<td>Visit</td>" in page and "<td>Inbound</td>" in page and "ordered more" in page
    only = text(owner.get(f"/interactions?customer_id={li['id']}"))
    assert "About oolong" in only and "About spring tea" not in only


@pytest.mark.parametrize("path", ["/purchases", "/interactions"])
def test_the_lists_page_by_keyset_and_keep_the_customer_filter(company, owner, path):
    wang = company.customer(name="Wang Fang")
    for day in range(1, 6):
        (buy if path == "/purchases" else talk)(company, wang, day)
    first = text(owner.get(f"{path}?customer_id={wang['id']}&limit=2"))
    assert len(ROW.findall(first)) == 2
    following = re.search(r'href="([^"]+)">Next page', first).group(1).replace("&amp;", "&")
    assert f"customer_id={wang['id']}" in following and "limit=2" in following
    second = text(owner.get(following))
    assert len(ROW.findall(second)) == 2 and "First page" in second
    assert re.search(r'<th scope="row">([^<]+)</th>', first).group(1) != re.search(
        r'<th scope="row">([^<]+)</th>', second).group(1)


@pytest.mark.parametrize("path", ["/purchases", "/interactions"])
@pytest.mark.parametrize("query", ["customer_id=nope", "limit=0", "limit=201", "cursor=garbage"])
def test_a_query_the_api_would_refuse_is_a_400_page(owner, path, query):
    response = owner.get(f"{path}?{query}")
    assert response.status_code == 400 and "This request was not valid" in text(response)


@pytest.mark.parametrize("path", ["/purchases", "/interactions"])
def test_another_workspaces_customer_is_a_404_page_and_its_rows_never_show(company, owner, sign_up, path):
    other = sign_up(**ENGLISH)
    theirs = other.customer(name="Not yours")
    (buy if path == "/purchases" else talk)(other, theirs, 1)
    assert owner.get(f"{path}?customer_id={theirs['id']}").status_code == 404
    assert "Not yours" not in text(owner.get(path)) and len(ROW.findall(text(owner.get(path)))) == 0


@pytest.mark.one_database
def test_a_viewer_finds_both_lists_in_the_menu_and_reads_them(app, company):
    buy(company, company.customer(name="Wang Fang"), 1)
    viewer = member(app, company, "viewer")
    menu = text(viewer.get("/"))
    assert 'href="/purchases"' in menu and 'href="/interactions"' in menu
    assert "Wang Fang" in text(viewer.get("/purchases"))
    assert viewer.get("/interactions").status_code == 200


@pytest.mark.parametrize("path", ["/purchases", "/interactions"])
def test_a_list_issues_as_many_statements_for_50_rows_as_for_5(company, owner, count_queries, path):
    customers = [company.customer() for _ in range(10)]
    add = buy if path == "/purchases" else talk
    for i in range(5):
        add(company, customers[i], i + 1)
    at_five = statements_for(count_queries, owner, path)
    for i in range(5, 50):
        add(company, customers[i % 10], i % 28 + 1)
    assert len(ROW.findall(text(owner.get(path)))) == 50
    assert statements_for(count_queries, owner, path) == at_five


@pytest.mark.one_database
def test_the_lists_speak_chinese(sign_up):
    company = sign_up()
    buy(company, company.customer(), 1)
    browser = company.signed_in()
    assert "<h1>购买记录</h1>" in text(browser.get("/purchases"))
    assert "<h1>互动记录</h1>" in text(browser.get("/interactions"))


@pytest.mark.one_database
def test_a_refused_query_names_its_reason_in_the_page_s_language(sign_up):
    browser = sign_up().signed_in()  # a workspace in Chinese, the default
    page = text(browser.get("/purchases?limit=0"))
    assert "limit" in page and "须大于或等于 1" in page and "Must be greater" not in page
