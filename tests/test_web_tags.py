"""``/customers/tags``: the workspace's tags with how many customers carry each, each linking to the
customer list filtered by it, managed as ``/api/v1/tags`` allows (the ``write`` scope)."""

from __future__ import annotations

import re

import pytest

from tests.test_web_customer_profile import member, post, text
from tests.test_web_settings import statements_for

ENGLISH = {"settings": {"locale": "en"}}
PATH = "/customers/tags"


@pytest.fixture
def company(sign_up):
    return sign_up(**ENGLISH)


@pytest.fixture
def owner(company):
    return company.signed_in()


def tags_of(company) -> dict:
    return {tag["name"]: tag for tag in company.get("/api/v1/tags").json["items"]}


def test_each_tag_shows_how_many_customers_carry_it_and_links_to_them(company, owner):
    company.customer(tags=["vip", "tea"])
    company.customer(tags=["vip"])
    deleted = company.customer(tags=["vip"])
    assert company.delete(f"/api/v1/customers/{deleted['id']}").status_code == 204
    company.post("/api/v1/tags", json={"name": "unused", "color": "#1f77b4"})
    page = text(owner.get(PATH))
    counts = dict(re.findall(r'<a href="/customers\?tag=(\w+)">(\d+)</a>', page))
    assert counts == {"tea": "1", "unused": "0", "vip": "2"}
    assert 'fill="#1f77b4"' in page
    listed = text(owner.get("/customers?tag=vip"))
    assert len(set(re.findall(r'href="/customers/([0-9a-f-]{36})"', listed))) == 2


def test_an_agent_creates_renames_recolours_and_deletes_a_tag(app, company):
    agent = member(app, company, "agent")
    assert 'action="/customers/tags"' in text(agent.get(PATH))
    assert post(agent, PATH, name="  big   spender ", color="#aa0000").status_code == 303
    tag = tags_of(company)["big spender"]
    assert tag["color"] == "#aa0000"
    customer = company.customer(tags=["big spender"])
    edit = f"{PATH}/{tag['id']}"
    assert 'value="big spender"' in text(agent.get(edit))
    assert post(agent, edit, name="whale", color="").status_code == 303
    assert tags_of(company)["whale"]["color"] is None
    assert company.get(f"/api/v1/customers/{customer['id']}").json["tags"] == ["whale"]
    assert post(agent, f"{edit}/delete").status_code == 303
    assert tags_of(company) == {}
    assert company.get(f"/api/v1/customers/{customer['id']}").json["tags"] == []


@pytest.mark.parametrize("data, field, message", [
    ({"name": " "}, "name", "A tag needs a name."),
    ({"name": "x" * 51}, "name", "Use 1 to 50 characters."),
    ({"name": "vip", "color": "red"}, "color", "A colour such as #1f77b4."),
    ({"name": "taken"}, "name", "Already exists."),
    ({"name": "v\x00ip"}, "name", "This cannot contain a NUL character."),
])
def test_bad_tag_input_shows_field_errors_and_writes_nothing(company, owner, data, field, message):
    taken = company.post("/api/v1/tags", json={"name": "taken"}).json
    other = company.post("/api/v1/tags", json={"name": "other"}).json
    created = post(owner, PATH, **data)
    assert created.status_code == 422 and f'id="{field}-error">{message}' in text(created)
    renamed = post(owner, f"{PATH}/{other['id']}", **data)
    assert renamed.status_code == 422 and f'id="{field}-error">{message}' in text(renamed)
    assert tags_of(company) == {"taken": {**taken, "customers": 0}, "other": {**other, "customers": 0}}


def test_another_workspaces_tag_is_a_404_page_and_stays(company, owner, sign_up):
    other = sign_up(**ENGLISH)
    theirs = other.post("/api/v1/tags", json={"name": "theirs"}).json
    path = f"{PATH}/{theirs['id']}"
    assert owner.get(path).status_code == 404
    assert post(owner, path, name="mine").status_code == 404
    assert post(owner, f"{path}/delete").status_code == 404
    assert "theirs" not in text(owner.get(PATH))
    assert list(tags_of(other)) == ["theirs"]


@pytest.mark.one_database
def test_a_viewer_sees_the_tags_without_the_controls_and_changes_nothing(app, company):
    tag = company.post("/api/v1/tags", json={"name": "vip"}).json
    viewer = member(app, company, "viewer")
    assert f'href="{PATH}"' in text(viewer.get("/"))
    page = text(viewer.get(PATH))
    assert "vip" in page and 'action="/customers/tags"' not in page and "/delete" not in page
    assert post(viewer, PATH, name="new").status_code == 403
    assert viewer.get(f"{PATH}/{tag['id']}").status_code == 403
    assert post(viewer, f"{PATH}/{tag['id']}", name="renamed").status_code == 403
    assert post(viewer, f"{PATH}/{tag['id']}/delete").status_code == 403
    assert list(tags_of(company)) == ["vip"]


def test_the_tags_page_issues_as_many_statements_for_50_tags_as_for_5(company, owner, count_queries):
    for i in range(5):
        company.customer(tags=[f"tag {i:02}"])
    at_five = statements_for(count_queries, owner, PATH)
    for i in range(5, 50):
        company.customer(tags=[f"tag {i:02}"])
    assert text(owner.get(PATH)).count('<th scope="row">') == 50
    assert statements_for(count_queries, owner, PATH) == at_five


@pytest.mark.one_database
def test_the_tags_page_speaks_chinese(sign_up):
    company = sign_up()
    company.customer(tags=["茶"])
    page = text(company.signed_in().get(PATH))
    assert 'lang="zh-CN"' in page and "<h1>标签</h1>" in page and "新标签" in page
