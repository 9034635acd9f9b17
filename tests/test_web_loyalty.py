"""The loyalty module's pages (``/loyalty/...``): the overview, the rewards catalogue, a customer's
points (ledger, adjusting, redeeming) and the admins' back-fill and rebuild; each role as the API's
scopes and permissions allow, 404 where the module is off or the object is another workspace's,
bad input re-rendered with field errors and nothing written, CSRF on every form, Chinese, and
statements that do not grow with the rows.

Tests whose outcome cannot depend on the database (a page's words, who may open it) run on
SQLite only; what the database decides (isolation, what a refused form leaves behind) on both."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from saas.testing import CSRF_INPUT
from tests.test_web_dashboard import PASSWORD, signed_in_as

NOW = dt.datetime.now(dt.timezone.utc)
one_database = pytest.mark.one_database


def enable(tenant) -> None:
    assert tenant.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200


@pytest.fixture
def shop(sign_up):
    tenant = sign_up(settings={"locale": "en"})
    enable(tenant)
    return tenant


def give(tenant, customer: dict, points: int, reason: str = "welcome") -> None:
    response = tenant.post(f"/api/v1/loyalty/customers/{customer['id']}/adjustments",
                           json={"points": points, "reason": reason})
    assert response.status_code == 201, response.json


def reward(tenant, **fields) -> dict:
    response = tenant.post("/api/v1/loyalty/rewards", json={"name": "Tea set", "points_cost": 500, **fields})
    assert response.status_code == 201, response.json
    return response.json


def balance(tenant, customer: dict) -> int:
    return tenant.get(f"/api/v1/loyalty/customers/{customer['id']}").json["balance"]


def post(browser, path: str, data: dict, token_from: str = "/loyalty/"):
    """POST ``data`` with the session's CSRF token, as the page's form sends it."""
    token = CSRF_INPUT.search(browser.get(token_from).get_data(as_text=True)).group(1)
    return browser.post(path, data={**data, "csrf_token": token})


def text(response) -> str:
    return response.get_data(as_text=True)


def member(app, tenant, role: str):
    email = f"{role}@{tenant.tenant['slug']}.example"
    response = tenant.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role})
    assert response.status_code == 201, response.json
    return signed_in_as(app, email)


def field_error(page: str, field: str) -> list[str]:
    return re.findall(rf'<p class="field-error" id="{re.escape(field)}-error">(.*?)</p>', page)


# -- the overview ---------------------------------------------------------------------------------


@one_database
def test_the_overview_shows_who_holds_points_this_month_s_points_and_the_top_balances(shop):
    big, small, spent = shop.customer(name="Big"), shop.customer(name="Small"), shop.customer(name="Spent")
    give(shop, big, 9000)
    give(shop, small, 300)
    give(shop, spent, 500)
    tea = reward(shop, points_cost=500)
    assert shop.post(f"/api/v1/loyalty/customers/{spent['id']}/redemptions",
                     json={"reward_id": tea["id"]}).status_code == 201
    give(shop, small, -100, "correction")
    page = shop.signed_in().get("/loyalty/")
    assert page.status_code == 200
    html = text(page)
    cards = dict(re.findall(r'data-card="(\w+)">.*?<span class="kpi-value">([^<]*)</span>', html, re.S))
    assert cards == {"members": "2", "issued": "9,800", "spent": "500", "expired": "0", "expiring": "0"}
    top = re.findall(r'<th scope="row"><a href="/customers/([^"]+)">([^<]+)</a></th>\s*<td class="number">([^<]+)<', html)
    assert top == [(big["id"], "Big", "9,000"), (small["id"], "Small", "200")]
    assert '<a href="/loyalty/" aria-current="page">Loyalty points</a>' in html  # the module's menu entry


@one_database
def test_points_due_before_the_month_ends_count_as_expiring_this_month(app, shop):
    import sqlalchemy as sa

    from plugins.loyalty.models import Entry
    from saas.core.db import db
    from saas.core.tenancy import tenant_context
    from plugins.loyalty.overview import month_bounds

    customer = shop.customer()
    give(shop, customer, 700)
    _, month_end = month_bounds("Asia/Shanghai")
    with app.app_context(), tenant_context(shop.id):
        db.session.execute(sa.update(Entry).values(expires_at=month_end - dt.timedelta(minutes=1)))
        db.session.commit()
    html = text(shop.signed_in().get("/loyalty/"))
    assert re.search(r'data-card="expiring">.*?<span class="kpi-value">700</span>', html, re.S)


# -- who may open what ----------------------------------------------------------------------------

PAGES = ("/loyalty/", "/loyalty/rewards", "/loyalty/rewards/new", "/loyalty/admin", "/loyalty/admin/rebuild")


@one_database
@pytest.mark.parametrize("path", [*PAGES, "/loyalty/customers/{customer}"])
def test_a_workspace_without_the_module_gets_a_404_page_and_no_menu_entry(sign_up, path):
    tenant = sign_up(settings={"locale": "en"})
    customer = tenant.customer()
    browser = tenant.signed_in()
    response = browser.get(path.format(customer=customer["id"]))
    assert response.status_code == 404 and "<html" in text(response)
    assert 'href="/loyalty/"' not in text(browser.get("/"))
    assert f'href="/loyalty/customers/{customer["id"]}"' not in text(browser.get(f"/customers/{customer['id']}"))


@one_database
def test_a_visitor_is_sent_to_sign_in(client, shop):
    response = client.get("/loyalty/rewards")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# what each role gets: (opening the rewards form, the maintenance page, adjusting, redeeming)
ROLES = {"viewer": (403, 403, 403, 403), "agent": (403, 403, 403, 303), "manager": (200, 403, 303, 303),
         "admin": (200, 200, 303, 303)}


@one_database
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_what_the_api_s_scopes_and_permissions_allow(app, shop, role):
    customer = shop.customer()
    give(shop, customer, 1000)
    tea = reward(shop, points_cost=100)
    browser = member(app, shop, role)
    for path in ("/loyalty/", "/loyalty/rewards", f"/loyalty/customers/{customer['id']}"):
        assert browser.get(path).status_code == 200, path
    rewards_form, admin, adjusting, redeeming = ROLES[role]
    assert browser.get("/loyalty/rewards/new").status_code == rewards_form
    assert browser.get("/loyalty/admin").status_code == admin
    assert post(browser, "/loyalty/admin/rebuild", {}).status_code == (303 if admin == 200 else 403)
    account = text(browser.get(f"/loyalty/customers/{customer['id']}"))
    assert ('id="adjust-heading"' in account) is (adjusting == 303)
    assert ('id="redeem-heading"' in account) is (redeeming == 303)
    assert ("New reward" in text(browser.get("/loyalty/rewards"))) is (rewards_form == 200)
    assert post(browser, f"/loyalty/customers/{customer['id']}/adjust",
                {"points": "5", "reason": "goodwill"}).status_code == adjusting
    assert post(browser, f"/loyalty/customers/{customer['id']}/redeem",
                {"reward_id": tea["id"]}).status_code == redeeming
    assert balance(shop, customer) == 1000 + (5 if adjusting == 303 else 0) - (100 if redeeming == 303 else 0)


@one_database
def test_every_form_needs_the_csrf_token(shop):
    customer = shop.customer()
    browser = shop.signed_in()
    for path, data in ((f"/loyalty/customers/{customer['id']}/adjust", {"points": "5", "reason": "x"}),
                       ("/loyalty/rewards/new", {"name": "Tea", "points_cost": "10"}),
                       ("/loyalty/admin/rebuild", {})):
        assert browser.post(path, data=data).status_code == 400, path
    assert balance(shop, customer) == 0
    assert shop.get("/api/v1/loyalty/rewards").json["items"] == []


# -- the rewards catalogue -------------------------------------------------------------------------


@one_database
def test_a_reward_is_added_changed_and_retired_from_the_pages(shop):
    browser = shop.signed_in()
    created = post(browser, "/loyalty/rewards/new", {
        "name": "Tea set", "description": "Four cups", "points_cost": "5000", "stock": "3",
        "active_from": "2026-01-01T09:00", "active_until": "", "tiers": ["core", "important"]},
        token_from="/loyalty/rewards/new")
    assert created.status_code == 303 and created.headers["Location"].endswith("/loyalty/rewards")
    [saved] = shop.get("/api/v1/loyalty/rewards").json["items"]
    assert (saved["name"], saved["points_cost"], saved["stock"], saved["tiers"]) == ("Tea set", 5000, 3,
                                                                                 ["core", "important"])
    assert saved["active_from"].startswith("2026-01-01T01:00")  # 09:00 in Shanghai, the page's zone
    listed = text(browser.get("/loyalty/rewards"))
    assert "<th scope=\"row\">Tea set</th>" in listed and "Core, Important" in listed
    edit = text(browser.get(f"/loyalty/rewards/{saved['id']}/edit"))
    assert 'value="2026-01-01T09:00"' in edit and 'value="core" checked' in edit
    changed = post(browser, f"/loyalty/rewards/{saved['id']}/edit", {
        "name": "Tea set", "description": "", "points_cost": "4500", "stock": "", "tiers": []},
        token_from="/loyalty/rewards")
    assert changed.status_code == 303
    after = shop.get(f"/api/v1/loyalty/rewards/{saved['id']}").json
    assert (after["points_cost"], after["stock"], after["tiers"], after["description"]) == (4500, None, [], None)
    assert post(browser, f"/loyalty/rewards/{saved['id']}/retire", {}).status_code == 303
    assert shop.get("/api/v1/loyalty/rewards").json["items"] == []
    assert "The catalogue is empty." in text(browser.get("/loyalty/rewards"))


def test_a_bad_reward_shows_the_schema_s_field_errors_and_saves_nothing(shop):
    browser = shop.signed_in()
    page = post(browser, "/loyalty/rewards/new", {
        "name": "", "points_cost": "0", "stock": "-1", "active_from": "2026-02-01T00:00",
        "active_until": "2026-01-01T00:00", "description": "x\x00y"}, token_from="/loyalty/rewards/new")
    assert page.status_code == 422
    assert field_error(text(page), "description") == ["This cannot contain a NUL character."]
    page = post(browser, "/loyalty/rewards/new", {
        "name": "", "points_cost": "0", "stock": "-1", "active_from": "2026-02-01T00:00",
        "active_until": "2026-01-01T00:00", "tiers": ["vip"]}, token_from="/loyalty/rewards/new")
    assert page.status_code == 422
    html = text(page)
    assert field_error(html, "name") == ["Required, at most 200 characters."]
    assert field_error(html, "points_cost") == ["Between 1 and 1,000,000,000."]
    assert field_error(html, "stock") == ["Between 0 and 1,000,000,000."]
    assert field_error(html, "tiers")  # not a tier
    tea = reward(shop)
    page = post(browser, f"/loyalty/rewards/{tea['id']}/edit", {"name": "Tea set", "points_cost": "abc"},
                token_from="/loyalty/rewards")
    assert page.status_code == 422 and field_error(text(page), "points_cost") == ["Not a whole number."]
    page = post(browser, f"/loyalty/rewards/{tea['id']}/edit", {
        "name": "Tea set", "points_cost": "900", "active_from": "2026-02-01T00:00",
        "active_until": "2026-01-01T00:00"}, token_from="/loyalty/rewards")
    assert page.status_code == 422
    assert field_error(text(page), "active_until") == ["The offer ends after it starts."]
    assert [r["points_cost"] for r in shop.get("/api/v1/loyalty/rewards").json["items"]] == [500]


# -- a customer's points ---------------------------------------------------------------------------


@one_database
def test_the_profile_s_panel_links_to_the_customer_s_points_page(shop):
    customer = shop.customer()
    give(shop, customer, 1234)
    html = text(shop.signed_in().get(f"/customers/{customer['id']}"))
    assert f'<a href="/loyalty/customers/{customer["id"]}">' in html and "<dd>1,234</dd>" in html


@one_database
def test_points_are_adjusted_with_a_reason_and_a_redemption_spends_them(shop):
    customer = shop.customer(name="Ms Wang")
    give(shop, customer, 800)
    tea = reward(shop, points_cost=500, stock=2)
    browser = shop.signed_in()
    path = f"/loyalty/customers/{customer['id']}"
    adjusted = post(browser, f"{path}/adjust", {"points": "-50", "reason": "double counted"}, token_from=path)
    assert adjusted.status_code == 303 and adjusted.headers["Location"].endswith(path)
    redeemed = post(browser, f"{path}/redeem", {"reward_id": tea["id"]}, token_from=path)
    assert redeemed.status_code == 303
    html = text(browser.get(path))
    assert '<dd id="balance">250</dd>' in html and "Tea set redeemed for 500 points." in html
    kinds = re.findall(r"<td>(Redeemed|Adjusted by hand)</td>\s*<td class=\"number\">([^<]+)</td>\s*<td>([^<]*)</td>", html)
    assert kinds == [("Redeemed", "-500", "Tea set"), ("Adjusted by hand", "-50", "double counted"),
                     ("Adjusted by hand", "+800", "welcome")]
    assert shop.get(f"/api/v1/loyalty/rewards/{tea['id']}").json["stock"] == 1


def test_redeeming_more_than_the_balance_is_a_field_error_and_spends_nothing(shop):
    customer = shop.customer()
    give(shop, customer, 300)
    tea = reward(shop, points_cost=500, stock=1)
    browser = shop.signed_in()
    path = f"/loyalty/customers/{customer['id']}"
    page = post(browser, f"{path}/redeem", {"reward_id": tea["id"]}, token_from=path)
    assert page.status_code == 409
    assert field_error(text(page), "reward_id") == ["Not enough points: the customer has 300, Tea set costs 500."]
    assert balance(shop, customer) == 300 and shop.get(f"/api/v1/loyalty/rewards/{tea['id']}").json["stock"] == 1


def test_a_bad_adjustment_shows_its_field_errors_and_moves_nothing(shop):
    customer = shop.customer()
    browser = shop.signed_in()
    path = f"/loyalty/customers/{customer['id']}"
    page = post(browser, f"{path}/adjust", {"points": "0", "reason": ""}, token_from=path)
    assert page.status_code == 422
    assert field_error(text(page), "points") == ["An adjustment moves at least one point."]
    assert field_error(text(page), "reason") == ["Required, at most 500 characters."]
    page = post(browser, f"{path}/adjust", {"points": "10", "reason": "a\x00b"}, token_from=path)
    assert page.status_code == 422 and field_error(text(page), "reason") == ["This cannot contain a NUL character."]
    reward(shop)
    page = post(browser, f"{path}/redeem", {"reward_id": "not an id"}, token_from=path)
    assert page.status_code == 422 and field_error(text(page), "reward_id") == ["Not a valid id."]
    assert balance(shop, customer) == 0


@one_database
def test_the_ledger_is_keyset_paged_newest_first(app, shop):
    customer = shop.customer()
    for n in range(30):
        give(shop, customer, n + 1, f"gift {n + 1}")
    browser = shop.signed_in()
    path = f"/loyalty/customers/{customer['id']}"
    first = text(browser.get(path))
    reasons = re.findall(r"<td>(gift \d+)</td>", first)
    assert reasons == [f"gift {n}" for n in range(30, 5, -1)]
    older = re.search(r'<a href="([^"]+cursor=[^"]+)">Older entries</a>', first).group(1)
    assert re.findall(r"<td>(gift \d+)</td>", text(browser.get(older.replace("&amp;", "&")))) == \
        [f"gift {n}" for n in range(5, 0, -1)]
    assert browser.get(f"{path}?cursor=nonsense").status_code == 400


def test_an_admin_finds_the_maintenance_tab_on_every_loyalty_page_and_others_on_none(app, shop):
    customer = shop.customer()
    paths = ("/loyalty/", "/loyalty/rewards", "/loyalty/rewards/new", f"/loyalty/customers/{customer['id']}")
    admin = shop.signed_in()
    for path in paths:
        assert 'href="/loyalty/admin"' in text(admin.get(path)), path
    agent = member(app, shop, "agent")
    for path in paths[:2] + paths[3:]:
        assert 'href="/loyalty/admin"' not in text(agent.get(path)), path


def test_the_overview_counts_and_lists_only_its_own_workspace(shop, sign_up):
    other = sign_up(settings={"locale": "en"})
    enable(other)
    give(other, other.customer(name="Their big customer"), 777_777)
    give(shop, shop.customer(name="My customer"), 1_234)
    page = text(shop.signed_in().get("/loyalty/"))
    assert "My customer" in page and "1,234" in page
    assert "Their big customer" not in page and "777,777" not in page and "778," not in page


def test_another_workspace_s_customer_or_reward_is_a_404_page(shop, sign_up):
    other = sign_up(settings={"locale": "en"})
    enable(other)
    theirs, their_reward = other.customer(), reward(other)
    give(other, theirs, 1000)
    mine = shop.customer()
    give(shop, mine, 1000)
    browser = shop.signed_in()
    assert browser.get(f"/loyalty/customers/{theirs['id']}").status_code == 404
    assert browser.get(f"/loyalty/rewards/{their_reward['id']}/edit").status_code == 404
    for path, data in ((f"/loyalty/customers/{theirs['id']}/adjust", {"points": "5", "reason": "x"}),
                       (f"/loyalty/customers/{mine['id']}/redeem", {"reward_id": their_reward["id"]}),
                       (f"/loyalty/rewards/{their_reward['id']}/edit", {"name": "Mine", "points_cost": "1"}),
                       (f"/loyalty/rewards/{their_reward['id']}/retire", {})):
        assert post(browser, path, data).status_code == 404, path
    assert balance(other, theirs) == 1000 and balance(shop, mine) == 1000
    assert [r["name"] for r in other.get("/api/v1/loyalty/rewards").json["items"]] == ["Tea set"]


# -- maintenance -----------------------------------------------------------------------------------


@one_database
def test_the_back_fill_is_confirmed_first_then_queued_as_the_api_queues_it(sign_up):
    shop = sign_up(settings={"locale": "en"})
    customer = shop.customer()
    bought = (NOW - dt.timedelta(days=3)).isoformat()
    assert shop.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "龙井",
                                                "amount": "250.00", "purchased_at": bought}).status_code == 201
    enable(shop)  # after the purchase: it earned nothing
    browser = shop.signed_in()
    days = {"from": (NOW - dt.timedelta(days=10)).date().isoformat(), "to": NOW.date().isoformat()}
    asked = post(browser, "/loyalty/admin/backfill", days)
    assert asked.status_code == 200 and "Back-fill now" in text(asked)
    assert balance(shop, customer) == 0
    done = post(browser, "/loyalty/admin/backfill", {**days, "confirm": "yes"})
    assert done.status_code == 303
    assert balance(shop, customer) == 250  # the embedded queue ran the job after the request
    refused = post(browser, "/loyalty/admin/backfill", {"from": "2026-03-01", "to": "2026-02-01"})
    assert refused.status_code == 422 and field_error(text(refused), "to") == ["The last day is on or after the first."]
    refused = post(browser, "/loyalty/admin/backfill", {"from": "someday", "to": ""})
    assert refused.status_code == 422
    assert field_error(text(refused), "from") == ["Not a valid date."]


@one_database
def test_rebuilding_asks_first_then_sets_every_balance_to_its_entries(app, shop):
    import sqlalchemy as sa

    from plugins.loyalty.models import Account
    from saas.core.db import db
    from saas.core.tenancy import tenant_context

    customer = shop.customer()
    give(shop, customer, 400)
    with app.app_context(), tenant_context(shop.id):
        db.session.execute(sa.update(Account).values(balance=7))
        db.session.commit()
    browser = shop.signed_in()
    assert "Rebuild now" in text(browser.get("/loyalty/admin/rebuild"))
    assert balance(shop, customer) == 7
    done = post(browser, "/loyalty/admin/rebuild", {})
    assert done.status_code == 303
    assert "Balances rebuilt: 1 account was corrected." in text(browser.get("/loyalty/admin"))
    assert balance(shop, customer) == 400


@one_database
def test_the_demo_hook_fills_the_pages_of_a_workspace_with_the_module_on(app, sign_up):
    tenant = sign_up(settings={"locale": "en"})
    buyer = tenant.customer(name="Big buyer")
    assert tenant.post("/api/v1/purchases", json={
        "customer_id": buyer["id"], "product": "龙井", "amount": "40000.00",
        "purchased_at": (NOW - dt.timedelta(days=30)).isoformat()}).status_code == 201

    from saas.core.accounts import Tenant
    from saas.core.db import db
    from saas.core.plugins import installed
    from saas.core.tenancy import tenant_context
    from saas.core.types import utcnow

    def seed_demo():
        with app.app_context(), tenant_context(tenant.id):
            installed().call("saas_demo_data", db.session.get(Tenant, tenant.id), now=utcnow())
            db.session.commit()

    seed_demo()  # the module is off: nothing
    assert tenant.get("/api/v1/loyalty/rewards").status_code == 404
    enable(tenant)
    seed_demo()
    assert len(tenant.get("/api/v1/loyalty/rewards").json["items"]) == 4
    kinds = [entry["kind"] for entry in tenant.get(f"/api/v1/loyalty/customers/{buyer['id']}/entries").json["items"]]
    assert kinds == ["adjust", "redeem", "earn"]
    assert "Big buyer" in text(tenant.signed_in().get("/loyalty/"))


# -- language and cost -----------------------------------------------------------------------------


@one_database
def test_a_chinese_workspace_sees_the_pages_in_chinese(sign_up):
    tenant = sign_up()  # zh_CN by default
    enable(tenant)
    customer = tenant.customer(name="王女士")
    give(tenant, customer, 300)
    tea = reward(tenant, points_cost=500)
    browser = tenant.signed_in()
    assert "<h1>会员积分</h1>" in text(browser.get("/loyalty/"))
    assert "<h1>积分奖励</h1>" in text(browser.get("/loyalty/rewards"))
    path = f"/loyalty/customers/{customer['id']}"
    page = post(browser, f"{path}/redeem", {"reward_id": tea["id"]}, token_from=path)
    assert field_error(text(page), "reward_id") == ["积分不足：该客户有 300 积分，Tea set 需要 500 积分。"]


@one_database
@pytest.mark.parametrize("path", ["/loyalty/", "/loyalty/rewards", "/loyalty/customers/{customer}"])
def test_a_page_runs_as_many_statements_for_50_rows_as_for_5(app, sign_up, count_queries, path):
    counts = []
    for many in (5, 50):
        tenant = sign_up(settings={"locale": "en"})
        enable(tenant)
        customers = [tenant.customer() for _ in range(many if path == "/loyalty/" else 1)]
        for n in range(many):
            give(tenant, customers[n % len(customers)], n + 1)
            if path == "/loyalty/rewards":
                reward(tenant, name=f"Reward {n}")
        browser = tenant.signed_in()
        url = path.format(customer=customers[0]["id"])
        assert browser.get(url).status_code == 200
        with count_queries() as statements:
            assert browser.get(url).status_code == 200
        counts.append(statements())
    assert counts[0] == counts[1]
