"""The visits module (plugins/visits): cadences as RFC 5545 rules, set-based planning on working
days at each customer's channel and time within a daily cap, re-planning on a change, and
outcomes on the timeline. Tests whose outcome rests on SQL run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from saas.core.db import db
from saas.core.tenancy import tenant_context
from saas.testing import table_problems

TODAY = dt.date(2026, 9, 28)  # a Monday before China's National Day week


def enable(tenant, **settings) -> None:
    response = tenant.put("/api/v1/modules/visits", json={"enabled": True, "settings": settings})
    assert response.status_code == 200, response.json


def in_tier(tenant, tier: str, **fields) -> dict:
    customer = tenant.customer(owner_id=tenant.user["id"], **fields)
    response = tenant.put(f"/api/v1/customers/{customer['id']}/tier-override", json={"tier": tier, "reason": "test"})
    assert response.status_code == 200, response.json
    return customer


def plan_on(app, tenant, day: dt.date, replan=None):
    from plugins.visits import planner

    with app.app_context(), tenant_context(tenant.id):
        done = planner.replan(day, replan) if replan is not None else planner.plan(day)
        db.session.commit()
    return done


def visits(tenant, customer: dict, **args) -> list[dict]:
    """The customer's visits; ``to`` the end of November unless given (enabling the module and
    changing a tier plan from the real today too, in December)."""
    args = {"customer_id": customer["id"], "limit": 200, "to": "2026-11-30", **args}
    args = {name: value for name, value in args.items() if value is not None}
    response = tenant.get("/api/v1/visits", query_string=args)
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_its_tables_follow_the_rules_for_module_tables(app):
    assert table_problems(app, "visits") == []


@pytest.mark.backend_independent
def test_rules_are_rfc_5545_and_a_bad_one_is_refused():
    from plugins.visits import cadences

    assert cadences.occurrences("FREQ=WEEKLY;INTERVAL=2", dt.date(2026, 1, 5), dt.date(2026, 12, 1),
                                dt.date(2026, 12, 31)) == [dt.date(2026, 12, 7), dt.date(2026, 12, 21)]
    assert cadences.occurrences("DTSTART:20260115\nRRULE:FREQ=MONTHLY;INTERVAL=3", dt.date(2026, 1, 5),
                                dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == [
        dt.date(2026, 1, 15), dt.date(2026, 4, 15), dt.date(2026, 7, 15), dt.date(2026, 10, 15)]
    for bad in ("FREQ=FORTNIGHTLY", "every month", "FREQ=HOURLY", "FREQ=DAILY;BYHOUR=9", "FREQ=MONTHLY;COUNT=0", ""):
        with pytest.raises(cadences.BadRule):
            cadences.parse(bad, dt.date(2026, 1, 5))
    assert cadences.contact_minute("weekdays 9:30-11:00") == 570
    assert cadences.contact_minute("下午 14：00 以后") == 840 and cadences.contact_minute("１４：３０") == 870
    assert cadences.contact_minute("mornings") is None and cadences.contact_minute("25:00") is None


@pytest.mark.backend_independent
def test_the_calendar_knows_china_s_make_up_working_days():
    from saas.core.workdays import Workdays

    days = Workdays("CN", dt.date(2026, 9, 1), dt.date(2026, 12, 31))
    assert days.is_working(dt.date(2026, 10, 10))  # a Saturday, worked for the National Day week
    assert not days.is_working(dt.date(2026, 10, 1)) and not days.is_working(dt.date(2026, 10, 11))
    assert days.on_or_after(dt.date(2026, 10, 1)) == dt.date(2026, 10, 8)  # the Thursday after the week off
    assert Workdays("US", dt.date(2026, 9, 1), dt.date(2026, 12, 31)).on_or_after(
        dt.date(2026, 12, 25)) == dt.date(2026, 12, 28)


def test_the_settings_start_from_the_seed_plan_and_refuse_a_bad_rule_with_422(tenant_a):
    enable(tenant_a)
    settings = tenant_a.get("/api/v1/modules/visits").json["settings"]
    assert {tier: [(c["key"], c["rule"], c["channel"]) for c in items] for tier, items in settings["cadences"].items()} == {
        "core": [("visit", "FREQ=MONTHLY", "visit")],
        "important": [("call", "FREQ=WEEKLY;INTERVAL=2", "phone"), ("survey", "FREQ=MONTHLY;INTERVAL=3", "phone")],
        "basic": [("message", "FREQ=MONTHLY", "email")],
        "potential": [("follow_up", "FREQ=MONTHLY", "phone")]}
    bad = tenant_a.put("/api/v1/modules/visits", json={"settings": {
        "cadences": {"core": [{"key": "visit", "rule": "FREQ=SOMETIMES", "channel": "visit"}],
                     "vip": [{"key": "x", "rule": "FREQ=MONTHLY", "channel": "visit"}]},
        "calendar": "XX", "daily_cap": 0}})
    assert bad.status_code == 422, bad.json
    assert set(bad.json["error"]["fields"]["settings"]) == {"cadences", "calendar", "daily_cap"}
    mixed = tenant_a.put("/api/v1/modules/visits", json={"settings": {"cadences": {"core": [
        {"key": "visit", "rule": "FREQ=MONTHLY", "channel": "visit", "channels": ["email"]}]}}})
    assert mixed.status_code == 422
    assert tenant_a.get("/api/v1/modules/visits").json["settings"]["cadences"]["core"][0]["rule"] == "FREQ=MONTHLY"


def test_planning_follows_the_tier_s_cadences_on_working_days_once(app, tenant_a):
    enable(tenant_a)
    core, important, basic = in_tier(tenant_a, "core"), in_tier(tenant_a, "important"), in_tier(tenant_a, "basic")
    first = plan_on(app, tenant_a, TODAY)
    # six weeks from 28 September (to 9 November): core monthly on the 5th (5 October is a holiday:
    # the 8th, the first working day after the National Day week), important fortnightly on Mondays
    # and quarterly surveys (January, April, July, October)
    assert [(v["planned_on"], v["due_on"], v["channel"]) for v in visits(tenant_a, core)] == [
        ("2026-10-05", "2026-10-08", "visit"), ("2026-11-05", "2026-11-05", "visit")]
    calls = [(v["rule_key"], v["planned_on"], v["due_on"]) for v in visits(tenant_a, important)]
    assert calls == [("important.call", "2026-09-28", "2026-09-28"), ("important.survey", "2026-10-05", "2026-10-08"),
                     ("important.call", "2026-10-12", "2026-10-12"), ("important.call", "2026-10-26", "2026-10-26"),
                     ("important.call", "2026-11-09", "2026-11-09")]
    [message, *_] = visits(tenant_a, basic)
    assert (message["channel"], message["automated"], message["status"]) == ("email", True, "planned")
    assert message["due_at"] == "2026-10-08T02:00:00+00:00"  # 10:00 in Shanghai, the default contact time
    again = plan_on(app, tenant_a, TODAY)
    assert (again.planned, first.planned) == (0, 2 + 5 + 2)
    assert tenant_a.post("/api/v1/visits/plan", json={}).status_code == 200


def test_a_make_up_working_day_is_planned_and_a_customer_s_own_cadence_wins(app, tenant_a):
    enable(tenant_a, horizon_weeks=4)
    customer = in_tier(tenant_a, "core")
    own = tenant_a.put(f"/api/v1/visits/customers/{customer['id']}/cadence",
                       json={"rule": "FREQ=WEEKLY;BYDAY=SA", "channel": "phone", "purpose": "call"})
    assert own.status_code == 200, own.json
    plan_on(app, tenant_a, TODAY, replan=[])
    plan_on(app, tenant_a, TODAY)
    assert [(v["rule_key"], v["planned_on"], v["due_on"]) for v in visits(tenant_a, customer, **{"from": "2026-09-28"})] == [
        ("own", "2026-10-03", "2026-10-08"), ("own", "2026-10-10", "2026-10-10"),  # the Saturday worked
        ("own", "2026-10-17", "2026-10-19"), ("own", "2026-10-24", "2026-10-26")]
    for bad in ({"rule": "FREQ=SOMETIMES", "channel": "phone"}, {"rule": "FREQ=WEEKLY", "channel": "fax"}, {}):
        response = tenant_a.put(f"/api/v1/visits/customers/{customer['id']}/cadence", json=bad)
        assert response.status_code == 422, response.json
    assert tenant_a.get(f"/api/v1/visits/customers/{customer['id']}/cadence").json["rule"] == "FREQ=WEEKLY;BYDAY=SA"
    assert tenant_a.delete(f"/api/v1/visits/customers/{customer['id']}/cadence").status_code == 204
    assert tenant_a.get(f"/api/v1/visits/customers/{customer['id']}/cadence").status_code == 404


def test_the_customer_s_preferred_channel_and_contact_time_are_used(app, tenant_a):
    enable(tenant_a)
    remote = in_tier(tenant_a, "core", preferences={"preferred_channel": "meeting", "contact_time": "weekdays 14:30-16:00"})
    by_phone = in_tier(tenant_a, "core", preferences={"preferred_channel": "phone", "contact_time": "any time"})
    texted = in_tier(tenant_a, "basic", preferences={"preferred_channel": "sms"})
    full_width = in_tier(tenant_a, "basic", preferences={"contact_time": "下午１６：３０以后"})
    past_midnight = in_tier(tenant_a, "basic", preferences={"contact_time": "25:00 or 9:00"})  # the first time only
    plan_on(app, tenant_a, TODAY)
    assert visits(tenant_a, full_width)[0]["due_at"] == "2026-10-08T08:30:00+00:00"  # 16:30 in Shanghai
    assert visits(tenant_a, past_midnight)[0]["due_at"] == "2026-10-08T02:00:00+00:00"  # none: the default
    [first, *_] = visits(tenant_a, remote)
    assert (first["channel"], first["due_at"]) == ("video", "2026-10-08T06:30:00+00:00")  # 14:30 in Shanghai
    [first, *_] = visits(tenant_a, by_phone)
    assert (first["channel"], first["due_at"]) == ("visit", "2026-10-08T02:00:00+00:00")  # core: on site or video only
    assert visits(tenant_a, texted)[0]["channel"] == "sms"


def test_a_person_s_day_past_the_cap_moves_to_the_next_working_days(app, tenant_a):
    enable(tenant_a, daily_cap=2, horizon_weeks=2)
    customers = [in_tier(tenant_a, "core") for _ in range(5)]
    messages = [in_tier(tenant_a, "basic") for _ in range(3)]  # automated: no one's time
    done = plan_on(app, tenant_a, TODAY)
    days = sorted(visits(tenant_a, c)[0]["due_on"] for c in customers)
    assert days == ["2026-10-08", "2026-10-08", "2026-10-09", "2026-10-09", "2026-10-10"]  # a Saturday worked
    assert {visits(tenant_a, c)[0]["due_on"] for c in messages} == {"2026-10-08"}
    assert done.moved == 3  # visits that changed day
    assert plan_on(app, tenant_a, TODAY).moved == 0


def test_a_new_tier_owner_or_preference_plans_the_customer_again(app, tenant_a):
    enable(tenant_a)
    customer = in_tier(tenant_a, "core")
    plan_on(app, tenant_a, TODAY)
    # the module was enabled today: the events re-plan from today, so plan from there as well
    from plugins.visits import clock
    with app.app_context(), tenant_context(tenant_a.id):
        today = clock.today()
    before = {v["rule_key"] for v in visits(tenant_a, customer, **{"from": today.isoformat(), "to": None})}
    assert before == {"core.visit"}
    response = tenant_a.put(f"/api/v1/customers/{customer['id']}/tier-override", json={"tier": "important", "reason": "t"})
    assert response.status_code == 200
    after = visits(tenant_a, customer, **{"from": today.isoformat(), "to": None})
    assert {v["rule_key"] for v in after} >= {"important.call"} and "core.visit" not in {v["rule_key"] for v in after}
    changed = tenant_a.patch(f"/api/v1/customers/{customer['id']}",
                             json={"preferences": {"contact_time": "16:00"}, "version": customer["version"] + 0})
    if changed.status_code == 409:  # the override bumped the version: read it again
        fresh = tenant_a.get(f"/api/v1/customers/{customer['id']}").json
        changed = tenant_a.patch(f"/api/v1/customers/{customer['id']}",
                                 json={"preferences": {"contact_time": "16:00"}, "version": fresh["version"]})
    assert changed.status_code == 200, changed.json
    assert {v["due_at"][11:16] for v in visits(tenant_a, customer, **{"from": today.isoformat(), "to": None})} == {"08:00"}
    logged = visits(tenant_a, customer, **{"from": today.isoformat(), "to": None})[0]
    assert tenant_a.post(f"/api/v1/visits/{logged['id']}/outcome", json={"outcome": "done"}).status_code == 200
    plan_on(app, tenant_a, today, replan=[uuid.UUID(customer["id"])])
    assert [v["status"] for v in visits(tenant_a, customer, to=None) if v["id"] == logged["id"]] == ["done"]


def test_an_outcome_writes_the_interaction_with_its_notes(app, tenant_a):
    enable(tenant_a)
    customer = in_tier(tenant_a, "core")
    plan_on(app, tenant_a, TODAY)
    first, second = visits(tenant_a, customer)[:2]
    response = tenant_a.post(f"/api/v1/visits/{first['id']}/outcome",
                             json={"outcome": "done", "notes": "试饮了新茶", "next_step": "send samples"})
    assert response.status_code == 200, response.json
    assert (response.json["status"], response.json["notes"]) == ("done", "试饮了新茶")
    [entry] = tenant_a.get(f"/api/v1/customers/{customer['id']}/timeline").json["items"]
    interaction = tenant_a.get(f"/api/v1/interactions/{entry['id']}").json
    assert interaction["id"] == response.json["interaction_id"]
    assert (interaction["channel"], interaction["outcome"]) == ("visit", "已完成")  # in the workspace's language
    assert "试饮了新茶" in interaction["notes"] and "send samples" in interaction["notes"]
    again = tenant_a.post(f"/api/v1/visits/{first['id']}/outcome", json={"outcome": "no_answer"})
    assert again.status_code == 409
    url = f"/api/v1/visits/{second['id']}/outcome"
    for bad in ({"outcome": "maybe"}, {"outcome": "cancelled"}, {"outcome": "rescheduled", "reason": "ill"},
                {"outcome": "rescheduled", "reason": "ill", "due_on": "2020-01-01"}, {}):
        refused = tenant_a.post(url, json=bad)
        assert refused.status_code == 422, (bad, refused.json)
    assert tenant_a.get(f"/api/v1/visits/{second['id']}").json["status"] == "planned"
    assert len(tenant_a.get(f"/api/v1/customers/{customer['id']}/timeline").json["items"]) == 1
    new_day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    moved = tenant_a.post(url, json={"outcome": "rescheduled", "reason": "customer travelling", "due_on": new_day})
    assert moved.status_code == 200, moved.json
    [again] = [v for v in visits(tenant_a, customer, to=None) if v["moved_from_id"] == second["id"]]
    assert (again["due_on"], again["status"], again["channel"]) == (new_day, "planned", "visit")
    skipped = tenant_a.post(f"/api/v1/visits/{again['id']}/outcome", json={"outcome": "cancelled", "reason": "closed"})
    assert skipped.status_code == 200 and skipped.json["reason"] == "closed"
    statuses = [v["status"] for v in visits(tenant_a, customer, status="done,cancelled,rescheduled", to=None)]
    assert sorted(statuses) == ["cancelled", "done", "rescheduled"]


def test_the_list_filters_and_refuses_bad_arguments(app, tenant_a, tenant_b):
    enable(tenant_a)
    customer = in_tier(tenant_a, "important")
    plan_on(app, tenant_a, TODAY)
    listed = tenant_a.get("/api/v1/visits", query_string={"owner_id": tenant_a.user["id"], "from": "2026-10-10",
                                                          "to": "2026-10-20", "limit": 1})
    assert [v["due_on"] for v in listed.json["items"]] == ["2026-10-12"]
    for bad in ({"from": "2026-10-20", "to": "2026-10-10"}, {"status": "lost"}, {"from": "soon"}):
        assert tenant_a.get("/api/v1/visits", query_string=bad).status_code == 400  # the API's answer to bad arguments
    other = tenant_b.customer()
    assert tenant_a.get("/api/v1/visits", query_string={"customer_id": other["id"]}).status_code == 404
    assert tenant_b.get("/api/v1/visits").status_code == 404  # the module is off there
    assert tenant_b.get(f"/api/v1/visits?customer_id={customer['id']}").status_code == 404
    with app.app_context(), tenant_context(tenant_a.id):
        from plugins.visits.models import Visit
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == len(visits(tenant_a, customer, to=None))


def test_a_new_owner_takes_the_customer_s_visits_which_keep_their_ids(app, tenant_a):
    enable(tenant_a)
    rep = tenant_a.post("/api/v1/members", json={"email": "rep@owner.example", "password": "a long enough password",
                                                 "role": "agent"}).json
    customer = in_tier(tenant_a, "core")
    before = visits(tenant_a, customer, to=None)
    fresh = tenant_a.get(f"/api/v1/customers/{customer['id']}").json
    changed = tenant_a.patch(f"/api/v1/customers/{customer['id']}", json={"owner_id": rep["user_id"],
                                                                         "version": fresh["version"]})
    assert changed.status_code == 200, changed.json
    after = visits(tenant_a, customer, to=None)
    assert [v["id"] for v in after] == [v["id"] for v in before] and before
    assert {v["owner_id"] for v in after} == {rep["user_id"]}


def test_planning_again_after_new_cadences_replaces_the_future_visits(app, tenant_a):
    enable(tenant_a)
    customer = in_tier(tenant_a, "core")
    assert {v["rule_key"] for v in visits(tenant_a, customer, to=None)} == {"core.visit"}
    changed = tenant_a.put("/api/v1/modules/visits", json={"settings": {"cadences": {"core": [
        {"key": "call", "rule": "FREQ=WEEKLY", "channel": "phone"}]}}})
    assert changed.status_code == 200, changed.json
    kept = tenant_a.post("/api/v1/visits/plan", json={})  # adds the new rule's visits, keeps the old
    assert kept.status_code == 200 and kept.json["planned"] > 0
    assert {v["rule_key"] for v in visits(tenant_a, customer, to=None)} == {"core.visit", "core.call"}
    replaced = tenant_a.post("/api/v1/visits/plan", json={"replace": True})
    assert replaced.status_code == 200, replaced.json
    assert {v["rule_key"] for v in visits(tenant_a, customer, to=None)} == {"core.call"}
    assert tenant_a.post("/api/v1/visits/plan", json={"replace": "yes please"}).status_code == 422


def test_a_deleted_customer_s_plan_goes_and_a_merged_one_s_logged_visits_move_to_the_survivor(app, tenant_a):
    enable(tenant_a)
    gone, survivor, merged = in_tier(tenant_a, "core"), in_tier(tenant_a, "core"), in_tier(tenant_a, "core")
    assert tenant_a.delete(f"/api/v1/customers/{gone['id']}").status_code == 204
    with app.app_context(), tenant_context(tenant_a.id):
        from plugins.visits.models import Visit
        assert db.session.scalar(sa.select(sa.func.count()).where(Visit.customer_id == uuid.UUID(gone["id"]))) == 0
    assert tenant_a.post(f"/api/v1/customers/{gone['id']}/restore").status_code == 200
    assert {v["rule_key"] for v in visits(tenant_a, gone, to=None)} == {"core.visit"}
    first = visits(tenant_a, merged, to=None)[0]
    assert tenant_a.post(f"/api/v1/visits/{first['id']}/outcome", json={"outcome": "done"}).status_code == 200
    own = [v["id"] for v in visits(tenant_a, survivor, to=None)]
    response = tenant_a.post(f"/api/v1/customers/{survivor['id']}/merge", json={"merged_id": merged["id"]})
    assert response.status_code == 200, response.json
    after = visits(tenant_a, survivor, to=None)
    assert {v["id"] for v in after} == {*own, first["id"]}
    [moved] = [v for v in after if v["id"] == first["id"]]
    assert (moved["status"], moved["rule_key"]) == ("done", f"merged:{first['id']}")


def test_enabling_the_module_hands_the_planning_to_a_job_that_plans_that_workspace_only(app, tenant_a, tenant_b,
                                                                                       monkeypatch):
    """A million customers' first weeks take minutes: the enabling request returns before any is
    planned, and the job it queued after its commit plans its own workspace, once."""
    from saas.core import queues

    mine, theirs = in_tier(tenant_a, "core"), in_tier(tenant_b, "core")
    queued = []
    monkeypatch.setattr(queues.InProcessQueue, "enqueue", lambda self, func, *args, **kw: queued.append((func, args, kw)))
    enable(tenant_a)
    enable(tenant_b)
    monkeypatch.undo()
    assert visits(tenant_a, mine, to=None) == [] and visits(tenant_b, theirs, to=None) == []
    jobs = [(func, args, kw) for func, args, kw in queued if func.__name__ == "plan_workspace"]
    assert [(args, kw["queue"]) for _, args, kw in jobs] == [((str(tenant_a.id),), "low"),
                                                               ((str(tenant_b.id),), "low")]
    plan_workspace = jobs[0][0]
    with app.app_context():
        assert plan_workspace(str(tenant_a.id))["planned"] > 0
        assert plan_workspace(str(tenant_a.id))["planned"] == 0  # run twice: nothing planned twice
    assert {v["rule_key"] for v in visits(tenant_a, mine, to=None)} == {"core.visit"}
    assert visits(tenant_b, theirs, to=None) == []
    assert tenant_b.put("/api/v1/modules/visits", json={"enabled": False}).status_code == 200
    with app.app_context():
        assert plan_workspace(str(tenant_b.id)) == {}  # switched off while the job waited: nothing planned
    enable(tenant_b)  # the in-process queue runs the job after the request
    assert {v["rule_key"] for v in visits(tenant_b, theirs, to=None)} == {"core.visit"}
