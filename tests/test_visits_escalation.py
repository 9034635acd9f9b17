"""The visits module's escalation and figures: overdue visits on their owner's /today list,
notified to the owner then the manager, once each, with a ``visits.overdue`` event; the month's
compliance (by tier and person, on-time rate, delay, workload) and the purchase lift by tier."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

import pytest
import sqlalchemy as sa

from saas.core.db import db
from saas.core.tenancy import tenant_context

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def enable(tenant, **settings) -> None:
    response = tenant.put("/api/v1/modules/visits", json={"enabled": True, "settings": settings})
    assert response.status_code == 200, response.json


def own(tenant, rule: str, owner_id: str, tier: str | None = None) -> dict:
    customer = tenant.customer(owner_id=owner_id)
    if tier is not None:
        assert tenant.put(f"/api/v1/customers/{customer['id']}/tier-override",
                          json={"tier": tier, "reason": "test"}).status_code == 200
    if rule:
        response = tenant.put(f"/api/v1/visits/customers/{customer['id']}/cadence", json={"rule": rule, "channel": "visit"})
        assert response.status_code == 200, response.json
    return customer


def run(app, tenant, work):
    with app.app_context(), tenant_context(tenant.id):
        result = work()
        db.session.commit()
    return result


def member(tenant, role: str, team: str | None) -> dict:
    made = tenant.post("/api/v1/members", json={"email": f"{role}-{uuid.uuid4().hex[:6]}@visits.example",
                                                "password": "a long enough password", "role": role, "team": team})
    assert made.status_code == 201, made.json
    return made.json


def test_an_overdue_visit_tells_its_owner_then_the_manager_once_each_and_emits_the_event(app, tenant_a):
    from saas.core.notifications import Notification
    from saas.core.outbox import OutboxEvent
    from plugins.visits import escalation, planner

    enable(tenant_a, overdue_days=2, manager_days=5)
    rep, manager = member(tenant_a, "agent", "north"), member(tenant_a, "manager", "north")
    member(tenant_a, "manager", "south")  # not the rep's manager
    customer = own(tenant_a, "DTSTART:20261102\nRRULE:FREQ=DAILY;COUNT=1", rep["user_id"])
    run(app, tenant_a, lambda: planner.plan(dt.date(2026, 11, 1)))

    def notes():
        rows = run(app, tenant_a, lambda: db.session.execute(sa.select(Notification.user_id, Notification.kind).where(
            Notification.kind.like("visits.%"))).all())
        return sorted((str(user_id), kind) for user_id, kind in rows)

    assert run(app, tenant_a, lambda: escalation.escalate(dt.date(2026, 11, 3))) == (0, 0)  # one day late
    assert run(app, tenant_a, lambda: escalation.escalate(dt.date(2026, 11, 4))) == (1, 0)
    assert notes() == [(rep["user_id"], "visits.overdue")]
    assert run(app, tenant_a, lambda: escalation.escalate(dt.date(2026, 11, 5))) == (0, 0)  # once
    assert run(app, tenant_a, lambda: escalation.escalate(dt.date(2026, 11, 9))) == (0, 1)
    assert run(app, tenant_a, lambda: escalation.escalate(dt.date(2026, 11, 20))) == (0, 0)
    assert notes() == sorted([(rep["user_id"], "visits.overdue"), (manager["user_id"], "visits.overdue_manager")])
    events = run(app, tenant_a, lambda: [row.data for row in db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.type == "visits.overdue"))])
    [event] = events
    assert set(event) == set(escalation.VISIT_OVERDUE.example)
    assert (event["customer_id"], event["owner_id"], event["due_on"], event["days_overdue"]) == (
        customer["id"], rep["user_id"], "2026-11-02", 2)
    assert "visits.overdue" in {t["name"] for t in tenant_a.get("/api/v1/event-types").json["items"]}


def test_a_logged_visit_is_not_escalated_and_automated_messages_never_are(app, tenant_a):
    from plugins.visits import escalation, outcomes, planner
    from plugins.visits.models import Visit

    enable(tenant_a, overdue_days=1)
    owner = tenant_a.user["id"]
    logged = own(tenant_a, "DTSTART:20261102\nRRULE:FREQ=DAILY;COUNT=1", owner)
    own(tenant_a, "", owner, tier="basic")  # a monthly e-mail
    run(app, tenant_a, lambda: planner.plan(dt.date(2026, 11, 1)))
    run(app, tenant_a, lambda: outcomes.log(
        db.session.scalar(sa.select(Visit).where(Visit.customer_id == uuid.UUID(logged["id"]))), "done",
        notes=None, next_step=None, reason=None, due_on=None, staff_id=None))
    assert run(app, tenant_a, lambda: escalation.escalate(dt.date(2026, 12, 30))) == (0, 0)


def test_the_owner_s_today_list_has_their_due_and_overdue_visits(app, tenant_a):
    from plugins.visits import clock, planner

    enable(tenant_a, daily_cap=50)
    owner = tenant_a.user["id"]
    customer = own(tenant_a, "FREQ=DAILY", owner)
    own(tenant_a, "", owner, tier="basic")  # automated: on no one's list
    today = run(app, tenant_a, clock.today)
    run(app, tenant_a, lambda: planner.plan(today - dt.timedelta(days=7)))

    response = tenant_a.get("/api/v1/todo")  # the API key's issuer's: the owner's
    assert response.status_code == 200, response.json
    found = [item for item in response.json["items"] if item["kind"] == "visits.due"]
    assert found and {item["customer_id"] for item in found} == {customer["id"]}
    assert all(dt.datetime.fromisoformat(item["due_at"]).astimezone(SHANGHAI).date() <= today for item in found)
    assert all(item["link"] == f"/visits/{item['key'].split(':')[1]}" for item in found)  # where it is logged
    assert [i["due_at"] for i in found] == sorted(i["due_at"] for i in found)


def test_the_month_s_compliance_and_the_purchase_lift(app, tenant_a):
    from plugins.visits import outcomes, planner
    from plugins.visits.models import Visit

    enable(tenant_a)
    owner = tenant_a.user["id"]
    first, second = own(tenant_a, "", owner, tier="core"), own(tenant_a, "", owner, tier="core")
    run(app, tenant_a, lambda: planner.plan(dt.date(2026, 9, 28)))  # core: 8 October (after the holidays), 5 November

    def log(customer, day: dt.date):
        def work():
            visit = db.session.scalar(sa.select(Visit).where(Visit.customer_id == uuid.UUID(customer["id"]),
                                                             Visit.due_on == dt.date(2026, 10, 8)))
            at = dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI)
            outcomes.log(visit, "done", notes=None, next_step=None, reason=None, due_on=None, staff_id=None, now=at)
        run(app, tenant_a, work)

    log(first, dt.date(2026, 10, 8))  # on time
    log(second, dt.date(2026, 10, 11))  # three days late
    for amount, day in (("100.00", "2026-09-20"), ("300.00", "2026-10-20"), ("50.00", "2026-12-01")):
        bought = tenant_a.post("/api/v1/purchases", json={"customer_id": first["id"], "product": "茶", "amount": amount,
                                                          "purchased_at": f"{day}T04:00:00+00:00"})
        assert bought.status_code == 201, bought.json
    october = tenant_a.get("/api/v1/visits/kpis", query_string={"month": "2026-10"})
    assert october.status_code == 200, october.json
    body = october.json
    assert (body["from"], body["to"]) == ("2026-10-01", "2026-10-31")
    assert body["total"] == {"planned": 2, "done": 2, "completion": 1.0, "on_time_rate": 0.5, "average_delay_days": 1.5}
    assert [(t["tier"], t["planned"], t["done"]) for t in body["by_tier"]] == [("core", 2, 2)]
    [person] = body["by_person"]
    assert (person["owner_id"], person["workload"], person["completion"]) == (owner, 2, 1.0)
    [lift] = body["lift"]
    assert lift == {"tier": "core", "visits": 2, "spend_before": "100.00", "spend_after": "300.00", "lift": 2.0}
    november = tenant_a.get("/api/v1/visits/kpis", query_string={"month": "2026-11"}).json
    assert (november["total"]["planned"], november["total"]["completion"], november["lift"]) == (2, 0.0, [])
    for bad in ("2026-13", "October", "2026-1", "0000-05", "9999-12", "0001-03"):  # not a 500 at the calendar's ends
        assert tenant_a.get("/api/v1/visits/kpis", query_string={"month": bad}).status_code == 400
    cards = {card["key"]: card for card in tenant_a.get("/api/v1/reports/cards").json["items"]
             if card["module"] == "visits"}
    assert cards["completion"]["unit"] == "percent" and 0 <= cards["completion"]["value"] <= 1


@pytest.mark.backend_independent
def test_a_month_is_its_first_and_last_day():
    from plugins.visits.kpis import month_of

    assert month_of("2026-02", dt.date(2026, 12, 4)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert month_of(None, dt.date(2026, 12, 4)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
