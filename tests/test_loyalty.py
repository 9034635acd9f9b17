"""The loyalty module (plugins/loyalty): earning by the workspace's rules, refunds, adjustments, the
ledger as the truth, and a workspace without the module seeing nothing of it. Each test runs on
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from saas.core.db import db
from saas.core.outbox import OutboxEvent
from saas.core.tenancy import tenant_context
from saas.testing import table_problems

NOW = dt.datetime.now(dt.timezone.utc)


def enable(tenant, **settings) -> None:
    response = tenant.put("/api/v1/modules/loyalty", json={"enabled": True, "settings": settings})
    assert response.status_code == 200, response.json


def buy(tenant, customer_id: str, amount: str, days_ago: float = 1, **extra) -> dict:
    response = tenant.post("/api/v1/purchases", json={
        "customer_id": customer_id, "product": "龙井", "amount": amount,
        "purchased_at": (NOW - dt.timedelta(days=days_ago)).isoformat(), **extra})
    assert response.status_code == 201, response.json
    return response.json


def balance(tenant, customer: dict) -> int:
    response = tenant.get(f"/api/v1/loyalty/customers/{customer['id']}")
    assert response.status_code == 200, response.json
    return response.json["balance"]


def entries(tenant, customer: dict) -> list[dict]:
    return tenant.get(f"/api/v1/loyalty/customers/{customer['id']}/entries").json["items"]


def test_its_tables_follow_the_rules_for_module_tables(app):
    assert table_problems(app, "loyalty") == []


def test_a_purchase_earns_points_per_unit_times_the_customer_s_tier(tenant_a):
    enable(tenant_a)  # defaults: a point per yuan, core x2, important x1.5
    regular, big = tenant_a.customer(name="regular"), tenant_a.customer(name="big")
    buy(tenant_a, regular["id"], "388.50")
    buy(tenant_a, big["id"], "120000.00")  # the purchase itself makes the customer core
    assert balance(tenant_a, regular) == 388
    assert balance(tenant_a, big) == 240_000
    [earned] = entries(tenant_a, big)
    assert (earned["kind"], earned["points"]) == ("earn", 240_000)
    assert earned["reason"] == "120,000.00 x 1 per unit x 2 (core)"
    assert dt.datetime.fromisoformat(earned["expires_at"]).year == NOW.year + 2  # 24 months by default


def test_campaigns_and_the_first_purchase_bonus_follow_the_settings(tenant_a):
    enable(tenant_a, points_per_unit="0.1", tier_multipliers={}, first_purchase_bonus=50, campaigns=[
        {"name": "双十一", "starts": (NOW - dt.timedelta(days=3)).date().isoformat(),
         "ends": NOW.date().isoformat(), "multiplier": "2", "bonus": 10}])
    customer = tenant_a.customer()
    buy(tenant_a, customer["id"], "1000.00", days_ago=10)  # first purchase, before the campaign: 100, bonus 50
    buy(tenant_a, customer["id"], "1000.00", days_ago=1)  # in the campaign: 100 x 2 + 10
    buy(tenant_a, customer["id"], "10.00", days_ago=20)  # recorded later, made earlier: no second bonus
    assert [(e["kind"], e["points"]) for e in entries(tenant_a, customer)] == [
        ("earn", 1), ("earn", 210), ("bonus", 50), ("earn", 100)]
    assert entries(tenant_a, customer)[1]["reason"] == "1,000.00 x 0.1 per unit x 2 (双十一) + 10 (双十一)"
    assert balance(tenant_a, customer) == 361
    bad = tenant_a.put("/api/v1/modules/loyalty", json={"settings": {"points_per_unit": "-1", "campaigns": [
        {"name": "x", "starts": "2026-12-02", "ends": "2026-12-01"}], "tier_multipliers": {"vip": "2"}}})
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]["settings"]) == {"points_per_unit", "campaigns", "tier_multipliers"}


def test_a_purchase_event_delivered_twice_earns_once(app, tenant_a):
    from saas.core import delivery
    from plugins.loyalty import ledger

    enable(tenant_a)
    customer = tenant_a.customer()
    purchase = buy(tenant_a, customer["id"], "100.00")
    with app.app_context(), tenant_context(tenant_a.id):
        event_id = str(db.session.scalars(sa.select(OutboxEvent.id).where(
            OutboxEvent.type == "purchase.recorded")).one())
        assert ledger.earn_for_purchase(uuid.UUID(purchase["id"])) is None  # its source is recorded
        db.session.rollback()
    with app.app_context():
        delivery.handle_event(str(tenant_a.id), event_id, "loyalty")  # a redelivery
        delivery.deliver_events(str(tenant_a.id), [event_id])
    assert balance(tenant_a, customer) == 100 and len(entries(tenant_a, customer)) == 1


def test_a_refund_takes_back_its_share_of_the_purchase_s_points(tenant_a):
    enable(tenant_a, tier_multipliers={})
    customer = tenant_a.customer()
    purchase = buy(tenant_a, customer["id"], "1000.00")
    refund = f"/api/v1/purchases/{purchase['id']}/refund"
    assert tenant_a.post(refund, json={"amount": "250.00"}).status_code == 200
    assert balance(tenant_a, customer) == 750
    assert tenant_a.post(refund, json={}).status_code == 200  # the rest
    assert balance(tenant_a, customer) == 0
    assert [(e["kind"], e["points"]) for e in entries(tenant_a, customer)] == [
        ("reverse", -750), ("reverse", -250), ("earn", 1000)]


def test_only_purchases_in_the_workspace_s_currency_earn(tenant_a):
    enable(tenant_a)
    customer = tenant_a.customer()
    buy(tenant_a, customer["id"], "100.00", currency="USD")
    assert balance(tenant_a, customer) == 0


def test_an_adjustment_needs_a_reason_and_the_permission_and_is_audited(tenant_a):
    enable(tenant_a)
    customer = tenant_a.customer()
    path = f"/api/v1/loyalty/customers/{customer['id']}/adjustments"
    for bad in ({"points": 10}, {"points": 10, "reason": ""}, {"points": 0, "reason": "x"},
                {"points": 10**12, "reason": "x"}, {"points": "ten", "reason": "x"}):
        assert tenant_a.post(path, json=bad).status_code == 422, bad
    key = tenant_a.post("/api/v1/api-keys", json={"name": "shop", "scopes": ["read", "write"]}).json["key"]
    agent = tenant_a.client.post(path, headers={"Authorization": f"Bearer {key}"}, json={"points": 5, "reason": "x"})
    assert agent.status_code == 403
    made = tenant_a.post(path, json={"points": 500, "reason": "complaint 2026-117: goodwill"})
    assert made.status_code == 201 and made.json["kind"] == "adjust" and made.json["actor"].startswith("api_key:")
    assert tenant_a.post(path, json={"points": -120, "reason": "wrong bonus"}).status_code == 201
    assert balance(tenant_a, customer) == 380
    audit = tenant_a.get("/api/v1/audit-log?object_type=loyalty_entries").json["items"]
    assert {row["changes"]["reason"][1] for row in audit} >= {"complaint 2026-117: goodwill", "wrong bonus"}


def test_the_balance_is_the_sum_of_the_ledger_and_is_rebuilt_from_it(app, tenant_a):
    from plugins.loyalty.models import Account

    enable(tenant_a)
    customer = tenant_a.customer()
    buy(tenant_a, customer["id"], "300.00")
    with app.app_context(), tenant_context(tenant_a.id):
        db.session.execute(sa.update(Account).values(balance=999))
        db.session.commit()
    assert balance(tenant_a, customer) == 999
    assert tenant_a.post("/api/v1/loyalty/rebuild").json == {"corrected": 1}
    assert balance(tenant_a, customer) == 300


def test_disabling_keeps_the_points_and_purchases_meanwhile_earn_nothing(tenant_a):
    enable(tenant_a)
    customer = tenant_a.customer()
    buy(tenant_a, customer["id"], "100.00")
    assert tenant_a.put("/api/v1/modules/loyalty", json={"enabled": False}).status_code == 200
    assert tenant_a.get(f"/api/v1/loyalty/customers/{customer['id']}").status_code == 404
    buy(tenant_a, customer["id"], "500.00")
    assert tenant_a.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
    assert balance(tenant_a, customer) == 100


def test_another_workspace_sees_nothing_of_it(app, tenant_a, tenant_b):
    enable(tenant_a)
    mine = tenant_a.customer()
    buy(tenant_a, mine["id"], "100.00")
    theirs = tenant_b.customer()
    assert tenant_b.get(f"/api/v1/loyalty/customers/{theirs['id']}").status_code == 404  # not enabled there
    enable(tenant_b)
    assert tenant_b.get(f"/api/v1/loyalty/customers/{mine['id']}").status_code == 404
    assert tenant_b.post(f"/api/v1/loyalty/customers/{mine['id']}/adjustments",
                         json={"points": 5, "reason": "x"}).status_code == 404
    assert tenant_a.get(f"/api/v1/loyalty/customers/{theirs['id']}/entries").status_code == 404
    assert tenant_b.post("/api/v1/loyalty/rebuild").json == {"corrected": 0}
    assert balance(tenant_a, mine) == 100 and balance(tenant_b, theirs) == 0
    # the jobs of A's workspace leave B's alone: B's purchase made before B enabled stays unearned
    buy(tenant_b, theirs["id"], "300.00")  # earns in B: 300
    bought_while_off = tenant_b.customer()
    assert tenant_b.put("/api/v1/modules/loyalty", json={"enabled": False}).status_code == 200
    buy(tenant_b, bought_while_off["id"], "800.00")
    assert tenant_b.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
    window = {"from": (NOW - dt.timedelta(days=30)).isoformat(), "to": NOW.isoformat()}
    assert tenant_a.post("/api/v1/loyalty/backfill", json=window).status_code == 202
    from plugins.loyalty import ledger

    with app.app_context(), tenant_context(tenant_a.id):
        assert ledger.expire(NOW + dt.timedelta(days=3650)) == 100  # A's points only
        db.session.commit()
    assert (balance(tenant_b, theirs), balance(tenant_b, bought_while_off)) == (300, 0)
    assert balance(tenant_a, mine) == 0


def test_a_retried_adjustment_moves_the_points_once(tenant_a):
    enable(tenant_a)
    customer = tenant_a.customer()
    path = f"/api/v1/loyalty/customers/{customer['id']}/adjustments"
    headers = {**tenant_a.headers, "Idempotency-Key": "adjust-7781"}
    first = tenant_a.client.post(path, headers=headers, json={"points": 40, "reason": "birthday gift"})
    again = tenant_a.client.post(path, headers=headers, json={"points": 40, "reason": "birthday gift"})
    assert first.status_code == again.status_code == 201 and first.json == again.json
    assert balance(tenant_a, customer) == 40


def test_merging_two_customers_gives_the_survivor_both_ledgers(tenant_a):
    enable(tenant_a, tier_multipliers={})
    kept, other = tenant_a.customer(name="kept"), tenant_a.customer(name="other")
    buy(tenant_a, kept["id"], "100.00")
    buy(tenant_a, other["id"], "250.00")
    assert tenant_a.post(f"/api/v1/customers/{kept['id']}/merge", json={"merged_id": other["id"]}).status_code == 200
    assert balance(tenant_a, kept) == 350 and len(entries(tenant_a, kept)) == 2
    assert tenant_a.post("/api/v1/loyalty/rebuild").json == {"corrected": 0}


def reward(tenant, **fields) -> dict:
    response = tenant.post("/api/v1/loyalty/rewards", json={"name": "茶礼盒", "points_cost": 60, **fields})
    assert response.status_code == 201, response.json
    return response.json


def redeem(tenant, customer: dict, reward_: dict):
    return tenant.post(f"/api/v1/loyalty/customers/{customer['id']}/redemptions", json={"reward_id": reward_["id"]})


def test_the_rewards_catalogue_is_kept_by_managers_and_refuses_bad_rewards(tenant_a):
    enable(tenant_a)
    for bad in ({"name": "x", "points_cost": 0}, {"points_cost": 10}, {"name": "x", "points_cost": 10, "stock": -1},
                {"name": "x", "points_cost": 10, "tiers": ["vip"]},
                {"name": "x", "points_cost": 10, "active_from": "2026-12-02T00:00:00Z",
                 "active_until": "2026-12-01T00:00:00Z"}):
        assert tenant_a.post("/api/v1/loyalty/rewards", json=bad).status_code == 422, bad
    key = tenant_a.post("/api/v1/api-keys", json={"name": "shop", "scopes": ["read", "write"]}).json["key"]
    refused = tenant_a.client.post("/api/v1/loyalty/rewards", headers={"Authorization": f"Bearer {key}"},
                                   json={"name": "x", "points_cost": 10})
    assert refused.status_code == 403
    made = reward(tenant_a, description="important customers: 10% off orders over 50,000", tiers=["important"])
    path = f"/api/v1/loyalty/rewards/{made['id']}"
    assert tenant_a.patch(path, json={"points_cost": 80, "stock": 5}).json["points_cost"] == 80
    assert tenant_a.patch(path, json={"active_from": "2026-12-02T00:00:00Z",
                                      "active_until": "2026-12-01T00:00:00Z"}).status_code == 422
    assert [r["name"] for r in tenant_a.get("/api/v1/loyalty/rewards").json["items"]] == ["茶礼盒"]
    assert tenant_a.delete(path).status_code == 204
    assert tenant_a.get(path).status_code == 404 and tenant_a.get("/api/v1/loyalty/rewards").json["items"] == []


def test_a_redemption_spends_points_within_the_balance_stock_dates_and_tiers(app, tenant_a):
    enable(tenant_a, tier_multipliers={})
    customer = tenant_a.customer()
    buy(tenant_a, customer["id"], "100.00")  # 100 points, tier general
    gift = reward(tenant_a, stock=1)
    assert redeem(tenant_a, customer, reward(tenant_a, name="big", points_cost=101)).status_code == 409  # too dear
    assert redeem(tenant_a, customer, reward(tenant_a, name="vip", tiers=["core"])).status_code == 409
    over = reward(tenant_a, name="over", active_until=(NOW - dt.timedelta(days=1)).isoformat())
    assert redeem(tenant_a, customer, over).status_code == 409
    spent = redeem(tenant_a, customer, gift)
    assert spent.status_code == 201 and (spent.json["kind"], spent.json["points"]) == ("redeem", -60)
    assert spent.json["reward_id"] == gift["id"] and balance(tenant_a, customer) == 40
    assert tenant_a.get(f"/api/v1/loyalty/rewards/{gift['id']}").json["stock"] == 0
    buy(tenant_a, customer["id"], "100.00")
    out = redeem(tenant_a, customer, gift)
    assert out.status_code == 409 and "out of stock" in out.json["error"]["message"]
    assert tenant_a.post(f"/api/v1/loyalty/customers/{customer['id']}/redemptions",
                         json={"reward_id": str(uuid.uuid4())}).status_code == 404
    with app.app_context(), tenant_context(tenant_a.id):
        redeemed = db.session.scalars(sa.select(OutboxEvent.data).where(
            OutboxEvent.type == "loyalty.points_redeemed")).all()
        db.session.rollback()
    assert [(e["points"], e["balance"], e["reward_id"]) for e in redeemed] == [(60, 40, gift["id"])]


@pytest.mark.postgres
def test_concurrent_redemptions_never_overspend_or_oversell(app, tenant_a):
    enable(tenant_a, tier_multipliers={})
    rich, other = tenant_a.customer(name="rich"), tenant_a.customer(name="other")
    buy(tenant_a, rich["id"], "100.00")
    buy(tenant_a, other["id"], "100.00")
    gift, scarce = reward(tenant_a), reward(tenant_a, name="scarce", points_cost=10, stock=1)

    def attempt(customer_and_reward):
        customer, wanted = customer_and_reward
        client = app.test_client()
        return client.post(f"/api/v1/loyalty/customers/{customer['id']}/redemptions", headers=tenant_a.headers,
                           json={"reward_id": wanted["id"]}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:  # 100 points, two gifts of 60 each
        assert sorted(pool.map(attempt, [(rich, gift)] * 4)) == [201, 409, 409, 409]
    assert balance(tenant_a, rich) == 40
    with ThreadPoolExecutor(max_workers=4) as pool:  # one left in stock, two customers
        assert sorted(pool.map(attempt, [(rich, scarce), (other, scarce)] * 2)) == [201, 409, 409, 409]
    assert tenant_a.get(f"/api/v1/loyalty/rewards/{scarce['id']}").json["stock"] == 0
    assert balance(tenant_a, rich) + balance(tenant_a, other) == 40 + 100 - 10


def test_points_expire_oldest_first_once_their_months_are_over(app, tenant_a):
    from plugins.loyalty import ledger

    enable(tenant_a, tier_multipliers={}, expiry_months=1)
    spender, saver = tenant_a.customer(name="spender"), tenant_a.customer(name="saver")
    buy(tenant_a, spender["id"], "100.00")
    buy(tenant_a, saver["id"], "100.00")
    assert redeem(tenant_a, spender, reward(tenant_a, points_cost=30)).status_code == 201

    def expire(days: int) -> int:
        with app.app_context(), tenant_context(tenant_a.id):
            expired = ledger.expire(NOW + dt.timedelta(days=days))
            db.session.commit()
        return expired

    assert expire(20) == 0  # not due yet
    assert expire(40) == 70 + 100  # what was left of each
    assert expire(41) == 0  # once
    assert balance(tenant_a, spender) == balance(tenant_a, saver) == 0
    assert entries(tenant_a, saver)[0]["kind"] == "expire"
    with app.app_context(), tenant_context(tenant_a.id):
        sent = db.session.scalars(sa.select(OutboxEvent.data).where(OutboxEvent.type == "loyalty.points_expired")).all()
        db.session.rollback()
    assert sorted(e["points"] for e in sent) == [70, 100]


def test_points_spent_before_they_expire_leave_nothing_to_expire(app, tenant_a):
    from plugins.loyalty import ledger
    from plugins.loyalty.models import EntryKind

    enable(tenant_a, tier_multipliers={}, expiry_months=1)
    customer = tenant_a.customer()
    buy(tenant_a, customer["id"], "100.00")  # due in a month
    path = f"/api/v1/loyalty/customers/{customer['id']}/adjustments"
    assert tenant_a.post(path, json={"points": -100, "reason": "spent in the shop"}).status_code == 201
    with app.app_context(), tenant_context(tenant_a.id):
        ledger.record(uuid.UUID(customer["id"]), EntryKind.bonus, 50, "later", "a later bonus",
                      expires_at=NOW + dt.timedelta(days=90))
        assert ledger.expire(NOW + dt.timedelta(days=40)) == 0  # the oldest points were the ones spent
        assert ledger.expire(NOW + dt.timedelta(days=100)) == 50
        db.session.commit()
    assert balance(tenant_a, customer) == 0


def test_a_back_fill_gives_purchases_made_while_off_their_points_once(tenant_a):
    enable(tenant_a, tier_multipliers={})
    customer = tenant_a.customer()
    buy(tenant_a, customer["id"], "100.00", days_ago=20)
    assert tenant_a.put("/api/v1/modules/loyalty", json={"enabled": False}).status_code == 200
    buy(tenant_a, customer["id"], "500.00", days_ago=10)
    refunded = buy(tenant_a, customer["id"], "200.00", days_ago=9)
    assert tenant_a.post(f"/api/v1/purchases/{refunded['id']}/refund", json={"amount": "100.00"}).status_code == 200
    assert tenant_a.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
    assert balance(tenant_a, customer) == 100  # nothing retroactively
    window = {"from": (NOW - dt.timedelta(days=30)).isoformat(), "to": NOW.isoformat()}
    for bad in ({"from": window["to"], "to": window["from"]}, {"from": "2015-01-01T00:00:00Z", "to": window["to"]},
                {"from": window["from"]}):
        assert tenant_a.post("/api/v1/loyalty/backfill", json=bad).status_code == 422, bad
    for _ in range(2):  # the second run finds nothing left to do
        assert tenant_a.post("/api/v1/loyalty/backfill", json=window).status_code == 202
        assert balance(tenant_a, customer) == 100 + 500 + 100


def test_the_birthday_bonus_comes_once_a_year_and_on_28_february_for_the_29th(app, tenant_a):
    from plugins.loyalty import ledger

    enable(tenant_a, birthday_bonus=88)
    today = dt.date(2027, 2, 28)  # 2027 has no 29 February
    born_today = tenant_a.customer(name="today", birthday="1990-02-28")
    leapling = tenant_a.customer(name="leapling", birthday="2000-02-29")
    tomorrow = tenant_a.customer(name="tomorrow", birthday="1990-03-01")

    def grant(day: dt.date) -> int:
        with app.app_context(), tenant_context(tenant_a.id):
            granted = ledger.birthday_bonuses(day)
            db.session.commit()
        return granted

    assert grant(today) == 2 and grant(today) == 0  # once a year
    assert [balance(tenant_a, c) for c in (born_today, leapling, tomorrow)] == [88, 88, 0]
    assert grant(dt.date(2028, 2, 28)) == 1 and grant(dt.date(2028, 2, 29)) == 1  # a leap year: each on its day
    assert entries(tenant_a, leapling)[0]["reason"] == "birthday 2028"


def test_the_daily_schedules_run_for_each_workspace_with_the_module(app, tenant_a, tenant_b):
    import zoneinfo

    from plugins.loyalty import plugin

    enable(tenant_a, birthday_bonus=20)
    local_today = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()  # the workspaces' time zone
    mine = tenant_a.customer(birthday=local_today.replace(year=2000).isoformat())
    theirs = tenant_b.customer(birthday=local_today.replace(year=2000).isoformat())  # B has no loyalty module
    with app.app_context():
        plugin.birthday_bonuses()
        plugin.expire_points()
    assert balance(tenant_a, mine) == 20
    enable(tenant_b)
    assert balance(tenant_b, theirs) == 0


def test_the_whole_flow_from_sign_up_to_the_points_webhook(sign_up):
    """Sign up, enable loyalty, register a webhook, record a purchase through the API, read the
    balance, and receive loyalty.points_earned, signed, on a loopback receiver."""
    from standardwebhooks.webhooks import Webhook

    from tests.webhook_receiver import Receiver

    company = sign_up()
    enable(company)
    with Receiver() as receiver:
        endpoint = company.post("/api/v1/webhooks", json={"url": receiver.url("/points"),
                                                          "event_types": ["loyalty.points_earned"]}).json
        customer = company.customer(name="王芳")
        purchase = buy(company, customer["id"], "388.00")
        assert balance(company, customer) == 388
        [received] = receiver.at("/points")
    payload = Webhook(endpoint["secret"]).verify(received.body, received.headers)
    assert payload["type"] == "loyalty.points_earned"
    assert payload["data"] == {"customer_id": customer["id"], "points": 388, "balance": 388,
                               "reason": "388.00 x 1 per unit", "purchase_id": purchase["id"]}


def test_every_route_is_documented_and_answers_404_where_the_module_is_off(app, tenant_a, tenant_b):
    enable(tenant_a)
    customer, rewarded = tenant_b.customer(), reward(tenant_a)
    spec = tenant_a.get("/api/v1/openapi.json").json
    [tag] = [t for t in spec["tags"] if t["name"] == "loyalty"]
    assert "404 unless the workspace enabled the loyalty module" in tag["description"]
    routes = [(method, path) for path, operations in spec["paths"].items() if path.startswith("/api/v1/loyalty/")
              for method in operations if method in {"get", "post", "put", "patch", "delete"}]
    assert len(routes) == 11
    for method, path in routes:
        assert "404" in spec["paths"][path][method]["responses"], (method, path)
        url = path.replace("{customer_id}", customer["id"]).replace("{reward_id}", rewarded["id"])
        response = tenant_b.open(method.upper(), url, json={})
        assert response.status_code == 404, (method, path, response.status_code)
        assert "no 'loyalty' module" in response.json["error"]["message"]


def test_a_campaign_day_is_the_workspace_s_local_day(tenant_a):
    day = (NOW + dt.timedelta(days=1)).date()  # 02:00 in Shanghai on that day is still the day before in UTC
    enable(tenant_a, tier_multipliers={}, campaigns=[
        {"name": "店庆", "starts": day.isoformat(), "ends": day.isoformat(), "multiplier": "2"}])
    customer = tenant_a.customer()
    local_two_am = dt.datetime.combine(day, dt.time(2), tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    response = tenant_a.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "龙井",
                                                         "amount": "100.00", "purchased_at": local_two_am.isoformat()})
    assert response.status_code == 201, response.json
    assert balance(tenant_a, customer) == 200


def test_changes_made_while_the_module_was_off_are_settled_when_it_is_back(tenant_a):
    enable(tenant_a, tier_multipliers={})
    kept, other = tenant_a.customer(name="kept"), tenant_a.customer(name="other")
    purchase = buy(tenant_a, kept["id"], "100.00", days_ago=5)
    buy(tenant_a, other["id"], "30.00", days_ago=5)
    assert tenant_a.put("/api/v1/modules/loyalty", json={"enabled": False}).status_code == 200
    assert tenant_a.post(f"/api/v1/purchases/{purchase['id']}/refund", json={"amount": "40.00"}).status_code == 200
    assert tenant_a.post(f"/api/v1/customers/{kept['id']}/merge", json={"merged_id": other["id"]}).status_code == 200
    assert tenant_a.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
    assert balance(tenant_a, kept) == 130  # the merged customer's points came along
    window = {"from": (NOW - dt.timedelta(days=30)).isoformat(), "to": NOW.isoformat()}
    assert tenant_a.post("/api/v1/loyalty/backfill", json=window).status_code == 202
    assert balance(tenant_a, kept) == 90  # the refund made while off took back its share


def test_a_reversal_expires_with_the_earning_it_cancels(app, tenant_a):
    from plugins.loyalty import ledger
    from plugins.loyalty.models import EntryKind

    enable(tenant_a)
    customer = tenant_a.customer()
    cid = uuid.UUID(customer["id"])
    with app.app_context(), tenant_context(tenant_a.id):
        ledger.record(cid, EntryKind.earn, 100, "a", "older", expires_at=NOW + dt.timedelta(days=10))
        ledger.record(cid, EntryKind.earn, 100, "b", "newer", expires_at=NOW + dt.timedelta(days=20))
        ledger.record(cid, EntryKind.reverse, -100, "b-refund", "refunded", expires_at=NOW + dt.timedelta(days=20))
        assert ledger.expire(NOW + dt.timedelta(days=15)) == 100  # the older points, not saved by the refund
        assert ledger.expire(NOW + dt.timedelta(days=25)) == 0
        db.session.commit()
    assert balance(tenant_a, customer) == 0


def test_the_profile_shows_the_balance_in_the_workspace_s_language_and_links_to_the_points_page(tenant_a):
    enable(tenant_a)  # a workspace in Chinese, the default
    customer = tenant_a.customer()
    buy(tenant_a, customer["id"], "1234.00")
    panels = tenant_a.get(f"/api/v1/customers/{customer['id']}/panels").json
    [panel] = [p for p in (panels["items"] if isinstance(panels, dict) else panels) if p["module"] == "loyalty"]
    assert (panel["title"], panel["rows"]) == ("Loyalty points", [["Balance", "1,234"]])  # the API speaks English
    assert panel["link"] == f"/loyalty/customers/{customer['id']}"
    page = tenant_a.signed_in().get(f"/customers/{customer['id']}").get_data(as_text=True)
    assert "会员积分" in page and "积分余额" in page and "1,234" in page


@pytest.mark.postgres
def test_one_purchase_earned_twice_at_once_earns_once(app, tenant_a):
    from plugins.loyalty import ledger

    customer = tenant_a.customer()
    purchase = buy(tenant_a, customer["id"], "100.00")  # before the module: nothing earned yet
    enable(tenant_a, tier_multipliers={})

    def earn(_):
        with app.app_context(), tenant_context(tenant_a.id):
            made = ledger.earn_for_purchase(uuid.UUID(purchase["id"]))
            db.session.commit()
            return made is not None

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sorted(pool.map(earn, range(4))) == [False, False, False, True]
    assert balance(tenant_a, customer) == 100


@pytest.mark.postgres
def test_concurrent_redemptions_of_different_rewards_never_overspend(app, tenant_a):
    enable(tenant_a, tier_multipliers={})
    customer = tenant_a.customer()
    buy(tenant_a, customer["id"], "100.00")
    gifts = [reward(tenant_a, name=f"gift {n}") for n in range(4)]  # 60 each: the balance covers one

    def attempt(gift):
        return app.test_client().post(f"/api/v1/loyalty/customers/{customer['id']}/redemptions",
                                      headers=tenant_a.headers, json={"reward_id": gift["id"]}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sorted(pool.map(attempt, gifts)) == [201, 409, 409, 409]
    assert balance(tenant_a, customer) == 40


def test_expiry_commits_a_page_at_a_time_and_a_run_stopped_half_way_is_finished_by_the_next(
        app, tenant_a, monkeypatch):
    """No long transaction over the workspace: what a crashed run did stays, and the next run
    expires the rest, each customer's points once."""
    from saas.core import batches
    from plugins.loyalty import ledger

    enable(tenant_a, tier_multipliers={}, expiry_months=1)
    customers = [tenant_a.customer(name=f"holder {n}") for n in range(5)]
    for customer in customers:
        buy(tenant_a, customer["id"], "10.00")
    monkeypatch.setattr(batches, "PAGE", 2)
    real, calls = ledger.record, []

    def crashing(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:  # the first of the second page
            raise RuntimeError("the worker died")
        return real(*args, **kwargs)

    monkeypatch.setattr(ledger, "record", crashing)
    later = NOW + dt.timedelta(days=40)
    with app.app_context(), tenant_context(tenant_a.id):
        with pytest.raises(RuntimeError):
            ledger.expire(later)
        db.session.rollback()
    assert sorted(balance(tenant_a, customer) for customer in customers) == [0, 0, 10, 10, 10]

    monkeypatch.setattr(ledger, "record", real)
    with app.app_context(), tenant_context(tenant_a.id):
        assert ledger.expire(later) == 30
        db.session.commit()
    assert [balance(tenant_a, customer) for customer in customers] == [0] * 5
    assert all([e["kind"] for e in entries(tenant_a, c)].count("expire") == 1 for c in customers)
