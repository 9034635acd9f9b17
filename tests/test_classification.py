"""Value tiers, lifecycle stages and the figures behind them (each test runs on SQLite and PostgreSQL,
so the same purchases must give the same tiers, stages and scores on both)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from saas.core.classification import ClassificationChange, CustomerFigures, months_before
from saas.core.db import db
from saas.core.outbox import OutboxEvent
from saas.core.classification import explanations
from saas.core.classification import recompute as classification
from saas.core.tenancy import tenant_context

NOW = dt.datetime.now(dt.timezone.utc)


def ago(days: float) -> str:
    return (NOW - dt.timedelta(days=days)).isoformat()


def buy(tenant, customer_id: str, amount: str, days_ago: float, **extra) -> dict:
    response = tenant.post("/api/v1/purchases", json={
        "customer_id": customer_id, "product": "龙井", "amount": amount, "purchased_at": ago(days_ago), **extra})
    assert response.status_code == 201, response.json
    return response.json


def talk(tenant, customer_id: str) -> None:
    response = tenant.post("/api/v1/interactions", json={
        "customer_id": customer_id, "channel": "phone", "subject": "asked for the price list", "occurred_at": ago(1)})
    assert response.status_code == 201, response.json


def read(tenant, customer: dict) -> dict:
    return tenant.get(f"/api/v1/customers/{customer['id']}").json


def recompute(app, tenant, now: dt.datetime | None = None) -> classification.Outcome:
    with app.app_context(), tenant_context(tenant.id):
        outcome = classification.refresh(now=now)
        db.session.commit()
    return outcome


def events(app, tenant, type_: str) -> list[dict]:
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.scalars(sa.select(OutboxEvent).where(OutboxEvent.type == type_)
                                  .order_by(OutboxEvent.occurred_at, OutboxEvent.id))
        return [row.data for row in rows]


def test_default_tiers_follow_trailing_twelve_month_spend_at_the_seed_plan_s_thresholds(tenant_a):
    spends = {"core": ["100000.00"], "important": ["60000.00", "39999.99"], "basic": ["10000.00"],
              "general": ["9999.99"]}
    made = {}
    for tier, amounts in spends.items():
        customer = tenant_a.customer(name=tier)
        for n, amount in enumerate(amounts):
            buy(tenant_a, customer["id"], amount, days_ago=10 + n)
        made[tier] = customer
    old_buyer = tenant_a.customer(name="bought long ago")
    buy(tenant_a, old_buyer["id"], "500000.00", days_ago=400)  # outside the window: spend 0, still a buyer
    prospect, stranger = tenant_a.customer(name="asked once"), tenant_a.customer(name="never heard of")
    talk(tenant_a, prospect["id"])

    assert {tier: read(tenant_a, c)["tier"] for tier, c in made.items()} == {
        "core": "core", "important": "important", "basic": "basic", "general": "general"}
    assert read(tenant_a, old_buyer)["tier"] == "general"
    assert read(tenant_a, prospect)["tier"] == "potential"
    assert read(tenant_a, stranger)["tier"] is None
    listed = tenant_a.get("/api/v1/customers?tier=core,important").json["items"]
    assert sorted(c["name"] for c in listed) == ["core", "important"]


def test_stages_follow_purchase_dates_and_the_tenant_s_thresholds(app, tenant_a):
    new, active, dormant, churned, prospect = (tenant_a.customer(name=n) for n in
                                               ("new", "active", "dormant", "churned", "prospect"))
    buy(tenant_a, new["id"], "10.00", days_ago=5)
    buy(tenant_a, active["id"], "10.00", days_ago=300)
    buy(tenant_a, active["id"], "10.00", days_ago=20)
    buy(tenant_a, dormant["id"], "10.00", days_ago=200)
    buy(tenant_a, churned["id"], "10.00", days_ago=400)
    stages = lambda: {c["name"]: c["lifecycle_stage"] for c in tenant_a.get("/api/v1/customers").json["items"]}
    assert stages() == {"new": "new", "active": "active", "dormant": "dormant", "churned": "churned",
                        "prospect": "potential"}

    rules = {"core": "50000", "important": "20000", "basic": "5000", "new_days": 3, "dormant_days": 10,
             "churned_days": 250}
    response = tenant_a.put("/api/v1/classification/rules", json=rules)
    assert response.status_code == 200, response.json
    assert response.json["currency"] == "CNY" and response.json["core"] == "50000.00"
    assert tenant_a.get("/api/v1/classification/rules").json["dormant_days"] == 10
    # the recompute job ran after the request (in-process here)
    assert stages() == {"new": "active", "active": "dormant", "dormant": "dormant", "churned": "churned",
                        "prospect": "potential"}
    changed = [e for e in events(app, tenant_a, "customer.stage_changed") if e["customer_id"] == active["id"]]
    assert [(e["from"], e["to"]) for e in changed] == [("potential", "dormant"), ("dormant", "active"),
                                                   ("active", "dormant")]
    assert changed[-1]["reason"] == "no purchase for 20 days (dormant after 10)"


def test_rules_must_be_in_order_and_only_admins_change_them(tenant_a):
    before = tenant_a.get("/api/v1/classification/rules").json
    for bad in ({"core": "100", "important": "200", "basic": "10"},
                {"core": "300", "important": "200", "basic": "10", "dormant_days": 400, "churned_days": 300},
                {"core": "300", "important": "200", "basic": "-1"},
                {"core": "1e20", "important": "200", "basic": "10"},
                {"core": "300", "important": "200", "basic": "10", "new_days": 200, "dormant_days": 100},
                {"core": "x", "important": "200", "basic": "10"}):
        response = tenant_a.put("/api/v1/classification/rules", json=bad)
        assert response.status_code == 422, (bad, response.json)
    key = tenant_a.post("/api/v1/api-keys", json={"name": "shop", "scopes": ["read", "write"]}).json["key"]
    refused = tenant_a.client.put("/api/v1/classification/rules", headers={"Authorization": f"Bearer {key}"},
                                  json={"core": "3", "important": "2", "basic": "1"})
    assert refused.status_code == 403
    assert tenant_a.get("/api/v1/classification/rules").json == before


def test_a_refund_moves_the_tier_at_once_and_the_change_says_why(app, tenant_a):
    customer = tenant_a.customer()
    purchase = buy(tenant_a, customer["id"], "120000.00", days_ago=3)
    assert read(tenant_a, customer)["tier"] == "core"
    tenant_a.post(f"/api/v1/purchases/{purchase['id']}/refund", json={"amount": "100000.00"})
    assert read(tenant_a, customer)["tier"] == "basic"
    history = tenant_a.get(f"/api/v1/customers/{customer['id']}/classification/history").json["items"]
    tier_changes = [(h["old"], h["new"], h["reason"]) for h in history if h["kind"] == "tier"]
    assert tier_changes == [
        ("core", "basic", "spend in the last 12 months 20,000.00 >= 10,000.00 (basic)"),
        (None, "core", "spend in the last 12 months 120,000.00 >= 100,000.00 (core)"),
    ]
    assert [e["to"] for e in events(app, tenant_a, "customer.tier_changed")] == ["core", "basic"]
    tenant_a.post(f"/api/v1/purchases/{purchase['id']}/refund", json={})
    figures = tenant_a.get(f"/api/v1/customers/{customer['id']}/classification").json
    assert figures["tier"] is None and figures["lifecycle_stage"] == "potential"  # a full refund is no order
    assert figures["figures"]["orders_total"] == 0


def test_figures_and_rfm_quintiles_agree_between_one_customer_and_the_whole_tenant(app, tenant_a):
    customers = [tenant_a.customer(name=f"c{n}") for n in range(5)]
    for n, customer in enumerate(customers):
        for order in range(n + 1):  # c0: one order 50 days ago ... c4: five orders, the last 10 days ago
            buy(tenant_a, customer["id"], f"{(n + 1) * 100}.00", days_ago=50 - 10 * n + 30 * (n - order))
    one_by_one = {c["name"]: tenant_a.get(f"/api/v1/customers/{c['id']}/classification").json["figures"]
                  for c in customers}
    assert recompute(app, tenant_a).tier_changes == 0
    whole = {c["name"]: tenant_a.get(f"/api/v1/customers/{c['id']}/classification").json["figures"]
             for c in customers}
    c4 = whole["c4"]
    assert (c4["orders_total"], c4["revenue_total"], c4["average_order_value"]) == (5, "2500.00", "500.00")
    assert c4["typical_interval_days"] == pytest.approx(30.0, abs=0.1)
    assert dt.datetime.fromisoformat(c4["first_purchase_at"]) == pytest.approx(NOW - dt.timedelta(days=130),
                                                                              abs=dt.timedelta(seconds=1))
    assert [whole[f"c{n}"]["m_score"] for n in range(5)] == [1, 2, 3, 4, 5]
    assert [whole[f"c{n}"]["f_score"] for n in range(5)] == [1, 2, 3, 4, 5]
    assert [whole[f"c{n}"]["r_score"] for n in range(5)] == [1, 2, 3, 4, 5]
    assert whole["c0"]["typical_interval_days"] is None
    for name in whole:  # each purchase placed its customer among those before it: the last ones agree
        assert one_by_one[name]["orders_total"] == whole[name]["orders_total"]
    assert one_by_one["c4"]["m_score"] == whole["c4"]["m_score"]


def test_equal_figures_share_a_quintile(app, tenant_a):
    for _ in range(4):
        buy(tenant_a, tenant_a.customer()["id"], "100.00", days_ago=7)
    recompute(app, tenant_a)
    scores = {c["m_score"] for c in (tenant_a.get(f"/api/v1/customers/{c['id']}/classification").json["figures"]
                                     for c in tenant_a.get("/api/v1/customers").json["items"])}
    assert scores == {1}


def test_a_manual_tier_has_a_reason_and_ends_at_its_expiry(app, tenant_a):
    customer = tenant_a.customer()
    buy(tenant_a, customer["id"], "500.00", days_ago=2)
    until = (NOW + dt.timedelta(days=30)).isoformat()
    response = tenant_a.put(f"/api/v1/customers/{customer['id']}/tier-override",
                            json={"tier": "core", "reason": "strategic account", "until": until})
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["tier"], body["rule_tier"], body["override"]["reason"]) == ("core", "general", "strategic account")
    assert body["why"]["tier"].startswith("set by hand until ") and "(the rules would give:" in body["why"]["tier"]
    assert read(tenant_a, customer)["tier"] == "core"
    assert recompute(app, tenant_a).tier_changes == 0  # the nightly run keeps it
    assert read(tenant_a, customer)["tier"] == "core"

    recompute(app, tenant_a, now=NOW + dt.timedelta(days=31))
    after = tenant_a.get(f"/api/v1/customers/{customer['id']}/classification").json
    assert (after["tier"], after["override"]) == ("general", None)
    reasons = [h["reason"] for h in tenant_a.get(f"/api/v1/customers/{customer['id']}/classification/history")
               .json["items"] if h["kind"] == "tier"]
    assert reasons[0].startswith("the manual tier expired; ") and reasons[1] == "manual: strategic account"


def test_a_manual_tier_can_be_removed_and_bad_ones_are_refused(tenant_a):
    customer = tenant_a.customer()
    path = f"/api/v1/customers/{customer['id']}/tier-override"
    for bad in ({"tier": "vip", "reason": "x"}, {"tier": "core"}, {"tier": "core", "reason": ""},
                {"tier": "core", "reason": "x", "until": ago(1)},
                {"tier": "core", "reason": "x", "until": "9999-12-31T23:00:00-05:00"}):
        assert tenant_a.put(path, json=bad).status_code == 422, bad
    assert read(tenant_a, customer)["tier"] is None
    assert tenant_a.put(path, json={"tier": "important", "reason": "met at the fair"}).json["tier"] == "important"
    assert tenant_a.put(path, json={"tier": "important", "reason": "still"}).status_code == 200  # no tier change
    assert tenant_a.delete(path).json["tier"] is None
    history = tenant_a.get(f"{path[:-len('tier-override')]}classification/history").json["items"]
    assert [h["new"] for h in history if h["kind"] == "tier"] == [None, "important"]
    assert [(h["old"], h["new"], h["reason"]) for h in history if h["kind"] == "override"] == [
        ("important", None, "removed: the rules decide again"), ("important", "important", "still"),
        (None, "important", "met at the fair")]


def test_a_recompute_takes_the_same_few_statements_for_ten_customers_or_sixty(app, tenant_a, count_queries):
    def statements() -> int:
        with app.app_context(), tenant_context(tenant_a.id):
            with count_queries() as seen:  # everyone moves on: changes are recorded, events emitted
                assert classification.refresh(now=NOW + dt.timedelta(days=100)).stage_changes > 0
            db.session.commit()  # (the events are then delivered one by one: not the recompute's work)
        return seen()

    for n in range(10):
        buy(tenant_a, tenant_a.customer()["id"], f"{n + 1}000.00", days_ago=n)
    few = statements()
    for n in range(50):
        buy(tenant_a, tenant_a.customer()["id"], f"{n + 1}000.00", days_ago=n)
    assert statements() == few <= 20


def test_a_recompute_writes_in_sql_the_reasons_the_customer_page_gives(app, tenant_a):
    """A whole tenant's history rows and events get their reasons from SQL, all at once; each must
    read exactly as :func:`explain_tier` / :func:`explain_stage` put it for that customer."""
    for amount, days_ago in (("120000.00", 3), ("45000.50", 100), ("12000.00", 200), ("999.99", 300),
                             ("1234567.89", 5), ("10.00", 400)):
        buy(tenant_a, tenant_a.customer()["id"], amount, days_ago=days_ago)
    talk(tenant_a, tenant_a.customer()["id"])

    def reasons_since(moment: dt.datetime) -> int:
        with app.app_context(), tenant_context(tenant_a.id):
            rules = classification.rules()
            changes = db.session.scalars(sa.select(ClassificationChange).where(
                ClassificationChange.changed_at >= moment, ClassificationChange.kind != "override")).all()
            for change in changes:
                figures = db.session.get(CustomerFigures, (tenant_a.id, change.customer_id))
                expected = (explanations.explain_tier(change.new, figures.revenue_window, rules)
                            if change.kind == "tier" else
                            explanations.explain_stage(change.new, figures.first_purchase_at,
                                                         figures.last_purchase_at, rules, change.changed_at))
                assert change.reason == expected, change.kind
            recorded = {(str(c.customer_id), c.new, c.reason) for c in changes}
            db.session.rollback()
        sent = {(e["customer_id"], e["to"], e["reason"]) for kind in ("tier", "stage")
                for e in events(app, tenant_a, f"customer.{kind}_changed")}
        assert recorded <= sent
        return len(recorded)

    before = dt.datetime.now(dt.timezone.utc)
    rules = {"core": "50000", "important": "12000", "basic": "900", "new_days": 150, "dormant_days": 250,
             "churned_days": 350}
    assert tenant_a.put("/api/v1/classification/rules", json=rules).status_code == 200  # a recompute, now
    assert reasons_since(before) == 4  # two tiers move up, two customers' stages move
    later = NOW + dt.timedelta(days=120)
    assert recompute(app, tenant_a, now=later).stage_changes == 3
    assert reasons_since(later) == 4


def test_merging_recomputes_the_survivor_and_moves_the_tombstone_s_history(tenant_a):
    kept, other = tenant_a.customer(), tenant_a.customer()
    buy(tenant_a, kept["id"], "20000.00", days_ago=3)
    buy(tenant_a, other["id"], "15000.00", days_ago=4)
    assert tenant_a.post(f"/api/v1/customers/{kept['id']}/merge", json={"merged_id": other["id"]}).status_code == 200
    assert read(tenant_a, kept)["tier"] == "important"
    history = tenant_a.get(f"/api/v1/customers/{kept['id']}/classification/history").json["items"]
    assert [(h["old"], h["new"]) for h in history if h["kind"] == "tier"] == [
        ("basic", "important"), (None, "basic"), (None, "basic")]


def test_one_tenant_s_rules_and_recompute_leave_another_s_customers_alone(app, tenant_a, tenant_b):
    mine, theirs = tenant_a.customer(), tenant_b.customer()
    buy(tenant_a, mine["id"], "50.00", days_ago=1)
    buy(tenant_b, theirs["id"], "50.00", days_ago=1)
    tenant_a.put("/api/v1/classification/rules", json={"core": "30", "important": "20", "basic": "10"})
    assert read(tenant_a, mine)["tier"] == "core"
    assert read(tenant_b, theirs)["tier"] == "general"
    assert tenant_b.get("/api/v1/classification/rules").json["core"] == "100000.00"
    assert tenant_a.get(f"/api/v1/customers/{theirs['id']}/classification").status_code == 404
    assert tenant_a.get(f"/api/v1/customers/{theirs['id']}/classification/history").status_code == 404

    def figures_of(tenant) -> set[str]:
        with app.app_context(), tenant_context(tenant.id):
            return {str(f.customer_id) for f in db.session.scalars(sa.select(CustomerFigures))}

    with app.app_context(), tenant_context(tenant_b.id):  # as if B's customer predated classification
        db.session.execute(sa.delete(CustomerFigures))
        db.session.commit()
    recompute(app, tenant_a)  # adds the rows its own customers lack, and only those
    assert figures_of(tenant_a) == {mine["id"]} and figures_of(tenant_b) == set()
    recompute(app, tenant_b)
    assert figures_of(tenant_b) == {theirs["id"]}
    with app.app_context(), tenant_context(tenant_a.id):
        assert {str(c.customer_id) for c in db.session.scalars(sa.select(ClassificationChange))} == {mine["id"]}


@pytest.mark.postgres
def test_concurrent_purchases_of_one_customer_all_count_in_its_figures(app, tenant_a):
    customer = tenant_a.customer()

    def post(n):
        client = app.test_client()
        return client.post("/api/v1/purchases", headers=tenant_a.headers, json={
            "customer_id": customer["id"], "product": "Tea", "amount": "1000.00", "purchased_at": ago(n + 1)})

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert {r.status_code for r in pool.map(post, range(6))} == {201}
    figures = tenant_a.get(f"/api/v1/customers/{customer['id']}/classification").json["figures"]
    assert (figures["orders_total"], figures["revenue_total"]) == (6, "6000.00")


@pytest.mark.postgres
def test_a_purchase_during_a_whole_tenant_recompute_does_not_wait_for_it_and_counts_after_it(
        app, tenant_a, monkeypatch):
    """A recompute of a million customers holds the tenant's lock for a minute: a purchase recorded
    meanwhile answers at once, and a job refreshes its customer once the recompute is over."""
    from saas.core import queues

    customer = tenant_a.customer()
    queued = []
    monkeypatch.setattr(queues.InProcessQueue, "enqueue", lambda self, func, *args, **kw: queued.append((func, args)))
    pool = ThreadPoolExecutor(max_workers=1)
    with app.app_context(), tenant_context(tenant_a.id):
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(  # as a running recompute holds it
            sa.func.hashtextextended(f"classification:{tenant_a.id}", 0))))
        try:
            pool.submit(buy, tenant_a, customer["id"], "120000.00", 1).result(timeout=30)  # no waiting for the lock
            assert read(tenant_a, customer)["tier"] is None  # not yet
        finally:
            db.session.rollback()  # the recompute is over
            pool.shutdown()
    refreshes = [(func, args) for func, args in queued if func.__name__ == "refresh_customers"]
    assert [args for _, args in refreshes] == [(str(tenant_a.id), [customer["id"]])]
    with app.app_context():
        refreshes[0][0](*refreshes[0][1])
    assert read(tenant_a, customer)["tier"] == "core"


def test_months_before_keeps_the_day_or_takes_the_month_s_last():
    at = dt.datetime(2026, 3, 31, 8, 0, tzinfo=dt.timezone.utc)
    assert months_before(at, 1) == dt.datetime(2026, 2, 28, 8, 0, tzinfo=dt.timezone.utc)
    assert months_before(at, 12) == dt.datetime(2025, 3, 31, 8, 0, tzinfo=dt.timezone.utc)
    assert months_before(dt.datetime(2026, 1, 15, tzinfo=dt.timezone.utc), 13) == dt.datetime(
        2024, 12, 15, tzinfo=dt.timezone.utc)


def test_every_tier_and_stage_has_a_label_in_the_workspace_s_language(tenant_a):
    from saas.core.classification import Stage, Tier

    zh = tenant_a.get("/api/v1/classification/labels").json  # the workspace's default locale: zh_CN
    assert zh["locale"] == "zh_CN" and zh["tier"]["core"] == "核心客户" and zh["lifecycle_stage"]["churned"] == "流失客户"
    en = tenant_a.get("/api/v1/classification/labels?locale=en").json
    for labels in (zh, en):
        assert set(labels["tier"]) == {t.value for t in Tier} and set(labels["lifecycle_stage"]) == {s.value for s in Stage}
    assert tenant_a.get("/api/v1/classification/labels?locale=fr").status_code == 400


def test_only_purchases_in_the_workspace_s_currency_count(tenant_a):
    customer = tenant_a.customer()
    buy(tenant_a, customer["id"], "2000000.00", days_ago=2, currency="JPY")  # about 95,000 CNY: not added blindly
    buy(tenant_a, customer["id"], "12000.00", days_ago=1)
    classified = tenant_a.get(f"/api/v1/customers/{customer['id']}/classification").json
    assert (classified["tier"], classified["figures"]["revenue_total"], classified["figures"]["orders_total"]) == (
        "basic", "12000.00", 1)
    assert tenant_a.get("/api/v1/reports/customer-value").json["revenue"] == "12000.00"
    assert len(tenant_a.get(f"/api/v1/purchases?customer_id={customer['id']}").json["items"]) == 2


def lock_is_free(tenant) -> bool:
    """Whether another connection could take the tenant's classification lock now (PostgreSQL's
    advisory lock; SQLite has none)."""
    if db.engine.dialect.name != "postgresql":
        return True
    with db.engine.connect() as other:
        key = sa.func.hashtextextended(f"classification:{tenant.id}", 0)
        return bool(other.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(key))))


def test_the_recompute_job_writes_its_events_after_its_lock_a_page_a_transaction_and_a_rerun_writes_the_rest_once(
        app, tenant_a, monkeypatch):
    """The whole-tenant job commits the figures and their history under the classification lock,
    then the events a page at a time; one that died in the middle of its events is finished by
    the next run: one ``customer.tier_changed`` per changed tier, none twice."""
    from saas.core.classification import announce

    buyers = [tenant_a.customer(name=f"buyer {n}") for n in range(5)]
    for buyer in buyers:
        buy(tenant_a, buyer["id"], "60000.00", days_ago=10)  # important, each by its own purchase's refresh
    before = len(events(app, tenant_a, "customer.tier_changed"))
    monkeypatch.setattr(announce, "PAGE", 2)
    real, calls = announce.emit_selected, []

    def crashing(*args, **kwargs):
        calls.append(lock_is_free(tenant_a))
        if len(calls) == 2:  # the second page's events
            raise RuntimeError("the worker died")
        return real(*args, **kwargs)

    monkeypatch.setattr(announce, "emit_selected", crashing)
    rules = {"core": "50000", "important": "20000", "basic": "5000", "new_days": 3, "dormant_days": 90,
             "churned_days": 180}
    assert tenant_a.put("/api/v1/classification/rules", json=rules).status_code == 200  # the job runs after it
    assert calls == [True, True]  # a purchase's refresh need not wait for the events
    with app.app_context(), tenant_context(tenant_a.id):
        history = db.session.execute(sa.select(ClassificationChange.customer_id, ClassificationChange.event_pending)
                                     .where(ClassificationChange.kind == "tier",
                                            ClassificationChange.new == "core")).all()
        db.session.rollback()
    assert len(history) == 5 and sum(pending for _, pending in history) == 3  # the first page's are written
    assert {read(tenant_a, buyer)["tier"] for buyer in buyers} == {"core"}  # the figures committed whole
    assert len(events(app, tenant_a, "customer.tier_changed")) == before + 2

    monkeypatch.setattr(announce, "emit_selected", real)
    with app.app_context():
        assert classification.recompute_tenant(str(tenant_a.id)) == {"customers": 0, "tier_changes": 0,
                                                                     "stage_changes": 0}
    moved = [(e["customer_id"], e["from"], e["to"]) for e in events(app, tenant_a, "customer.tier_changed")[before:]]
    assert sorted(moved) == sorted((buyer["id"], "important", "core") for buyer in buyers)  # each once
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClassificationChange)
                                 .where(ClassificationChange.event_pending.is_(True))) == 0
        db.session.rollback()
