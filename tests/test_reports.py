"""KPIs under /api/v1/reports: each figure against data whose answer is known, and the period filter."""

from __future__ import annotations

import datetime as dt

from saas.core.db import db
from saas.core.classification import recompute as classification
from saas.core.tenancy import tenant_context

NOW = dt.datetime.now(dt.timezone.utc)


def buy(tenant, customer_id: str, amount: str, days_ago: int) -> dict:
    response = tenant.post("/api/v1/purchases", json={
        "customer_id": customer_id, "product": "龙井", "amount": amount,
        "purchased_at": (NOW - dt.timedelta(days=days_ago)).isoformat()})
    assert response.status_code == 201, response.json
    return response.json


def since(days: int) -> str:
    return (NOW - dt.timedelta(days=days)).isoformat().replace("+00:00", "Z")


def test_revenue_repurchase_and_customer_value_by_tier_in_a_period(tenant_a, tenant_b):
    core, basic, general = (tenant_a.customer(name=n) for n in ("core", "basic", "general"))
    buy(tenant_a, core["id"], "60000.00", 10)
    buy(tenant_a, core["id"], "50000.00", 5)
    buy(tenant_a, basic["id"], "12000.00", 20)
    refunded = buy(tenant_a, general["id"], "900.00", 3)
    buy(tenant_a, general["id"], "100.00", 2)
    tenant_a.post(f"/api/v1/purchases/{refunded['id']}/refund", json={})
    buy(tenant_a, basic["id"], "1.00", 200)  # before the period
    buy(tenant_b, tenant_b.customer()["id"], "999999.00", 1)  # another workspace's
    period = f"from={since(30)}&to={since(0)}"

    revenue = tenant_a.get(f"/api/v1/reports/revenue?{period}").json["items"]
    assert revenue == [
        {"tier": "core", "revenue": "110000.00", "orders": 2, "buyers": 1},
        {"tier": "basic", "revenue": "12000.00", "orders": 1, "buyers": 1},
        {"tier": "general", "revenue": "100.00", "orders": 1, "buyers": 1},
    ]
    repurchase = {r["tier"]: r for r in tenant_a.get(f"/api/v1/reports/repurchase?{period}").json["items"]}
    assert (repurchase["core"]["rate"], repurchase["basic"]["rate"]) == (1.0, 0.0)
    value = tenant_a.get(f"/api/v1/reports/customer-value?{period}").json
    assert value == {"revenue": "122100.00", "buyers": 3, "average": "40700.00"}
    assert tenant_a.get("/api/v1/reports/customer-value").json["revenue"] == "122101.00"  # 12 months


def test_tier_mix_over_time_and_churn_come_from_the_classification_history(app, tenant_a):
    loyal, lapsing = tenant_a.customer(name="loyal"), tenant_a.customer(name="lapsing")
    buy(tenant_a, loyal["id"], "40000.00", 3)
    buy(tenant_a, lapsing["id"], "15000.00", 300)
    soon = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    counts = tenant_a.get(f"/api/v1/reports/tiers?from={since(2)}&to={soon}&step=day").json["points"]
    assert len(counts) == 4 and counts[0]["counts"]["important"] == 0  # before anyone was classified
    assert counts[-1]["counts"] == {"core": 0, "important": 1, "basic": 1, "general": 0, "potential": 0}
    with app.app_context(), tenant_context(tenant_a.id):  # three months on: the lapsing customer churns
        classification.refresh(now=NOW + dt.timedelta(days=90))
        db.session.commit()
    later = (NOW + dt.timedelta(days=91)).isoformat().replace("+00:00", "Z")
    churn = tenant_a.get(f"/api/v1/reports/churn?from={soon}&to={later}").json
    assert churn == {"customers_at_start": 2, "churned": 1, "rate": 0.5}
    stages = tenant_a.get(f"/api/v1/reports/stages?from={soon}&to={later}&step=month").json["points"]
    assert stages[0]["counts"]["churned"] == 0 and stages[-1]["counts"]["churned"] == 1
    assert tenant_a.get(f"/api/v1/reports/churn?from={since(1)}&to={since(0)}").json == {
        "customers_at_start": 0, "churned": 0, "rate": None}


def test_a_bad_period_is_a_400(tenant_a):
    for query in (f"from={since(1)}&to={since(2)}", "from=yesterday", f"from={since(3000)}",
                  "step=year", "from=2026-01-01T00:00:00"):
        path = "/api/v1/reports/tiers?" + query
        assert tenant_a.get(path).status_code == 400, query


def test_the_stage_mix_counts_prospects_that_never_moved_and_leaves_out_deleted_and_later_customers(tenant_a, tenant_b):
    before_anyone = since(0)
    prospect, buyer, gone = (tenant_a.customer(name=n) for n in ("prospect", "buyer", "gone"))
    buy(tenant_a, buyer["id"], "500.00", 1)
    assert tenant_a.delete(f"/api/v1/customers/{gone['id']}").status_code == 204
    tenant_b.customer(name="elsewhere")  # another workspace's prospect
    soon = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    points = tenant_a.get(f"/api/v1/reports/stages?from={before_anyone}&to={soon}&step=day").json["points"]
    assert sum(points[0]["counts"].values()) == 0  # nobody existed yet
    now = points[-1]["counts"]
    assert now["potential"] == 1 and sum(now.values()) == 2, now  # the prospect and the buyer; not the deleted one
