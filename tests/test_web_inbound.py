"""``/settings/inbound``: how a shop posts its orders, the inbound secret created and rotated (shown
on that answer only), and the orders received, for owners and admins."""

from __future__ import annotations

import json
import re

import pytest

from tests.test_inbound import ORDER, push, signed
from tests.test_web_customer_profile import post, text
from tests.test_web_settings import statements_for

ENGLISH = {"settings": {"locale": "en"}}
PATH = "/settings/inbound"
SECRET = re.compile(r'class="secret-value">([^<]+)<')


@pytest.fixture
def company(sign_up):
    return sign_up(**ENGLISH)


@pytest.fixture
def owner(company):
    return company.signed_in()


def order(number: int) -> str:
    return json.dumps({**ORDER, "external_ref": f"SO-{number}", "customer": {**ORDER["customer"], "external_id": f"C-{number}"}})


def test_the_page_shows_the_endpoint_and_a_secret_created_there_signs_orders_that_it_lists(company, owner):
    page = text(owner.get(PATH))
    slug = company.tenant["slug"]
    assert f'value="http://localhost/api/v1/inbound/orders?workspace={slug}"' in page
    assert "has no inbound secret yet" in page and "No order received yet." in page
    created = post(owner, PATH)
    assert created.status_code == 200
    secret = SECRET.search(text(created)).group(1)
    assert secret.startswith("whsec_")
    again = text(owner.get(PATH))
    assert secret not in again and "Rotate the secret" in again
    body = order(7)
    assert push(company.client, slug, body, signed(secret, body, msg_id="msg_shop_7")).status_code == 201
    listed = text(owner.get(PATH))
    [customer] = company.get("/api/v1/customers").json["items"]
    assert f'<a href="/customers/{customer["id"]}">Zhao Min</a>' in listed
    assert "SO-7" in listed and "¥388.00" in listed and "<code>msg_shop_7</code>" in listed


def test_rotating_shows_the_new_secret_once_and_the_old_one_still_signs_for_a_while(company, owner):
    first = SECRET.search(text(post(owner, PATH))).group(1)
    rotated = text(post(owner, PATH))
    second = SECRET.search(rotated).group(1)
    assert second != first and "orders signed with the previous secret are accepted too" in rotated
    slug = company.tenant["slug"]
    for number, secret in ((1, first), (2, second)):
        body = order(number)
        assert push(company.client, slug, body, signed(secret, body)).status_code == 201


def test_another_workspaces_orders_are_not_listed(company, owner, sign_up):
    other = sign_up(**ENGLISH)
    secret = other.post("/api/v1/inbound/secret").json["secret"]
    body = order(9)
    assert push(other.client, other.tenant["slug"], body, signed(secret, body)).status_code == 201
    page = text(owner.get(PATH))
    assert "SO-9" not in page and "No order received yet." in page


def test_the_orders_received_issue_as_many_statements_for_50_as_for_5(company, owner, count_queries):
    secret = company.post("/api/v1/inbound/secret").json["secret"]
    slug = company.tenant["slug"]

    def receive(numbers):
        for number in numbers:
            body = order(number)
            assert push(company.client, slug, body, signed(secret, body)).status_code == 201

    receive(range(5))
    at_five = statements_for(count_queries, owner, PATH)
    receive(range(5, 50))
    assert text(owner.get(PATH)).count("<code>msg_") == 50
    assert statements_for(count_queries, owner, PATH) == at_five


@pytest.mark.one_database
def test_the_inbound_page_speaks_chinese(sign_up):
    page = text(sign_up().signed_in().get(PATH))
    assert 'lang="zh-CN"' in page and "<h1>入站订单</h1>" in page and "创建密钥" in page
