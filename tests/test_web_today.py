"""``/today`` ("My day"): every enabled module's to-do items for the signed-in person, soonest due
first with the overdue marked, only from the modules the workspace enabled, a failing module left
out with its error recorded, every role, Chinese, and SQL statements that do not grow with the items."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import sqlalchemy as sa

from plugins.loyalty.models import Entry
from saas import hookimpl
from saas.core.db import db
from saas.core.hooktypes import ModuleInfo, TodoItem
from saas.core.tenancy import tenant_context
from tests.test_web_dashboard import PASSWORD, signed_in_as
from tests.conftest import make_app

NOW = dt.datetime.now(dt.timezone.utc)
ROW = re.compile(r'<tr( class="overdue")?>\s*<td><time datetime="([^"]+)">.*?</td>\s*<td><a href="([^"]+)">(.*?)</a></td>', re.S)


def rows(page: str) -> list[tuple[bool, str, str]]:
    """(overdue, link, title) for each row of the page's list, in order."""
    return [(bool(overdue), link, title) for overdue, _, link, title in ROW.findall(page)]


def expiring_customer(app, tenant, name: str, points_due_in: dt.timedelta, owner: bool = True) -> dict:
    """A customer (of the workspace's owner, unless not ``owner``) whose points expire in ``points_due_in``."""
    customer = tenant.customer(name=name, owner_id=tenant.user["id"] if owner else None)
    response = tenant.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "龙井",
                                                      "amount": "100.00", "purchased_at": NOW.isoformat()})
    assert response.status_code == 201, response.json
    with app.app_context(), tenant_context(tenant.id):
        db.session.execute(sa.update(Entry).where(Entry.customer_id == uuid.UUID(customer["id"]))
                           .values(expires_at=NOW + points_due_in))
        db.session.commit()
    return customer


@pytest.fixture
def shop(sign_up):
    tenant = sign_up(settings={"locale": "en"})
    assert tenant.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
    return tenant


def test_the_loyalty_module_lists_the_person_s_customers_whose_points_expire_within_two_weeks(app, shop):
    soon = expiring_customer(app, shop, "Soon", dt.timedelta(days=3))
    sooner = expiring_customer(app, shop, "Sooner", dt.timedelta(days=1))
    expiring_customer(app, shop, "Later", dt.timedelta(days=40))
    expiring_customer(app, shop, "Nobody's", dt.timedelta(days=2), owner=False)
    page = shop.signed_in().get("/today")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1>My day</h1>" in text and '<a href="/today" aria-current="page">My day</a>' in text
    assert rows(text) == [(False, f"/customers/{sooner['id']}", "100 points of Sooner expire"),
                          (False, f"/customers/{soon['id']}", "100 points of Soon expire")]


def test_a_workspace_without_the_module_sees_none_of_its_items(app, sign_up):
    tenant = sign_up(settings={"locale": "en"})
    assert tenant.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
    expiring_customer(app, tenant, "Soon", dt.timedelta(days=3))
    assert tenant.put("/api/v1/modules/loyalty", json={"enabled": False}).status_code == 200
    text = tenant.signed_in().get("/today").get_data(as_text=True)
    assert rows(text) == [] and "Nothing to do for now" in text


class Visits:
    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="visits", title="Visits")

    @hookimpl
    def saas_todo_items(self, tenant, member):
        return [TodoItem("visits.1", "Visit 西湖茶社", NOW + dt.timedelta(hours=2), "/visits/1", "visits.planned"),
                TodoItem("visits.2", "Call back 张先生", NOW - dt.timedelta(days=1), "/visits/2", "visits.call")]


class Broken:
    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="broken", title="Broken")

    @hookimpl
    def saas_todo_items(self, tenant, member):
        raise RuntimeError("complaint service down")


def test_items_are_sorted_by_due_the_overdue_marked_and_a_failing_module_left_out(database):
    app = make_app(database, plugins=[("visits", Visits()), ("broken", Broken())])
    client = app.test_client()
    signed_up = client.post("/api/v1/tenants", json={
        "company_name": "Tea shop", "slug": "tea-shop", "admin_email": "owner@tea.example",
        "admin_password": PASSWORD, "settings": {"locale": "en"}}).json
    headers = {"Authorization": f"Bearer {signed_up['api_key']}"}
    for name in ("visits", "broken"):
        assert client.put(f"/api/v1/modules/{name}", headers=headers, json={"enabled": True}).status_code == 200
    page = signed_in_as(app, "owner@tea.example").get("/today")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert rows(text) == [(True, "/visits/2", "Call back 张先生"), (False, "/visits/1", "Visit 西湖茶社")]
    assert text.count("Overdue</span>") == 1
    errors = client.get("/api/v1/modules/errors", headers=headers).json["items"]
    assert [(e["module"], e["hook"]) for e in errors] == [("broken", "saas_todo_items")]


@pytest.mark.parametrize("role", ["admin", "manager", "agent", "viewer"])
def test_every_member_sees_their_own_day(app, shop, role):
    email = f"{role}@today.example"
    member = shop.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role})
    assert member.status_code == 201, member.json
    expiring_customer(app, shop, "The owner's", dt.timedelta(days=3))  # not theirs
    page = signed_in_as(app, email).get("/today")
    assert page.status_code == 200
    assert rows(page.get_data(as_text=True)) == []


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/today")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_chinese_workspace_sees_its_day_in_chinese(app, sign_up):
    tenant = sign_up()  # the default locale: zh_CN
    assert tenant.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
    expiring_customer(app, tenant, "王女士", dt.timedelta(days=3))
    text = tenant.signed_in().get("/today").get_data(as_text=True)
    assert "<h1>我的一天</h1>" in text
    assert [title for _, _, title in rows(text)] == ["王女士的 100 积分即将过期"]


def test_the_page_runs_as_many_sql_statements_for_50_items_as_for_5(app, sign_up, count_queries):
    counts = []
    for many in (5, 50):
        tenant = sign_up(settings={"locale": "en"})
        assert tenant.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
        for n in range(many):
            expiring_customer(app, tenant, f"c{n}", dt.timedelta(days=1 + n % 10))
        browser = tenant.signed_in()
        assert len(rows(browser.get("/today").get_data(as_text=True))) == many
        with count_queries() as statements:
            assert browser.get("/today").status_code == 200
        counts.append(statements())
    assert counts[0] == counts[1]
