"""The complaints module's cases and clocks through the API: opening a case, its three clocks by
the settings for its priority and its customer's tier, around the clock or in business hours by
the workspace's calendar (China's make-up working days), paused while waiting for the customer,
the workflow, breaches kept for good; a controllable clock (``plugins.complaints.clock.now``),
never sleeping. Each test runs with one workspace that enabled the module and one that did not."""

from __future__ import annotations

import datetime as dt

import pytest

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY_10 = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)  # a working Monday, 10:00 in Shanghai


class Clock:
    """The module's now, moved by hand."""

    def __init__(self, at: dt.datetime):
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at.astimezone(dt.timezone.utc)

    def move(self, **delta) -> None:
        self.at += dt.timedelta(**delta)


@pytest.fixture
def now(monkeypatch):
    from plugins.complaints import clock

    moved = Clock(MONDAY_10)
    monkeypatch.setattr(clock, "now", moved)
    return moved


def at(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text).astimezone(SHANGHAI) if text else None


def open_case(tenant, customer=None, **fields) -> dict:
    customer = customer or tenant.customer()
    made = tenant.post("/api/v1/complaints", json={"customer_id": customer["id"], "category": "delivery",
                                                   "description": "The parcel came broken", **fields})
    assert made.status_code == 201, made.json
    return made.json


def step(tenant, case: dict, action: str, **fields) -> dict:
    moved = tenant.post(f"/api/v1/complaints/{case['id']}/events", json={"action": action, **fields})
    assert moved.status_code == 200, moved.json
    return moved.json


def states(case: dict) -> dict:
    return {target: clock["state"] for target, clock in case["clocks"].items()}


def test_a_case_opens_with_the_1_24_48_clocks_and_the_module_off_answers_404(tenant_a, tenant_b, now):
    tenant_a.enable("complaints")
    case = open_case(tenant_a)
    assert case["status"] == "new" and case["priority"] == "normal" and case["owner_id"] == tenant_a.user["id"]
    assert {t: at(c["due_at"]) for t, c in case["clocks"].items()} == {
        "response": MONDAY_10 + dt.timedelta(hours=1), "plan": MONDAY_10 + dt.timedelta(hours=24),
        "resolution": MONDAY_10 + dt.timedelta(hours=48)}
    assert states(case) == {"response": "running", "plan": "running", "resolution": "running"}
    assert [s["kind"] for s in case["steps"]] == ["opened"]
    got = tenant_a.get(f"/api/v1/complaints/{case['id']}")
    assert got.status_code == 200 and got.json["clocks"] == case["clocks"]

    customer = tenant_b.customer()
    assert tenant_b.post("/api/v1/complaints", json={"customer_id": customer["id"], "category": "delivery",
                                                     "description": "x"}).status_code == 404
    assert tenant_b.get(f"/api/v1/complaints/{case['id']}").status_code == 404
    tenant_b.enable("complaints")
    assert tenant_b.get(f"/api/v1/complaints/{case['id']}").status_code == 404  # another workspace's


def test_a_clock_warns_at_80_percent_then_is_breached_for_good_even_when_met_later(tenant_a, now):
    tenant_a.enable("complaints")
    case = open_case(tenant_a)
    now.move(minutes=47)
    read = tenant_a.get(f"/api/v1/complaints/{case['id']}").json
    assert read["clocks"]["response"]["state"] == "running" and not read["clocks"]["response"]["warning"]
    now.move(minutes=1)  # 48 of 60 minutes
    read = tenant_a.get(f"/api/v1/complaints/{case['id']}").json
    assert read["clocks"]["response"]["warning"] and read["clocks"]["response"]["state"] == "running"
    now.move(minutes=13)
    assert tenant_a.get(f"/api/v1/complaints/{case['id']}").json["clocks"]["response"]["state"] == "breached"
    acknowledged = step(tenant_a, case, "acknowledge")
    assert acknowledged["status"] == "acknowledged"
    assert states(acknowledged) == {"response": "breached", "plan": "running", "resolution": "running"}
    planned = step(tenant_a, case, "agree_plan", plan="A new one by courier tomorrow")
    resolved = step(tenant_a, case, "resolve", resolution="Sent a new one", cause="packaging")
    assert (planned["status"], resolved["status"]) == ("plan_agreed", "resolved")
    assert states(resolved) == {"response": "breached", "plan": "met", "resolution": "met"}
    reopened = step(tenant_a, case, "reopen", note="The new one broke too")
    assert reopened["status"] == "plan_agreed" and reopened["clocks"]["response"]["state"] == "breached"
    assert reopened["clocks"]["resolution"]["state"] == "running" and reopened["reopened"] == 1
    assert [s["kind"] for s in reopened["steps"]] == ["opened", "acknowledged", "plan_agreed", "resolved", "reopened"]


def test_a_late_milestone_is_a_breach_even_when_no_job_saw_it_run_out(tenant_a, now):
    tenant_a.enable("complaints")
    case = open_case(tenant_a)
    now.move(hours=2)
    resolved = step(tenant_a, case, "resolve", resolution="Refunded")  # acknowledged and planned too, now
    assert states(resolved) == {"response": "breached", "plan": "met", "resolution": "met"}
    assert resolved["acknowledged_at"] == resolved["plan_agreed_at"] == resolved["resolved_at"]


def test_a_pause_stops_the_clocks_and_moves_the_due_times_by_its_length(tenant_a, now):
    tenant_a.enable("complaints")
    case = open_case(tenant_a)
    step(tenant_a, case, "acknowledge")
    now.move(hours=2)
    paused = step(tenant_a, case, "pause", note="Waiting for the customer's photos")
    assert paused["paused"] and states(paused) == {"response": "met", "plan": "paused", "resolution": "paused"}
    assert paused["clocks"]["plan"]["due_at"] is None
    now.move(hours=30)  # past the plan's 24 hours, but waiting
    assert states(tenant_a.get(f"/api/v1/complaints/{case['id']}").json)["plan"] == "paused"
    resumed = step(tenant_a, case, "resume")
    assert not resumed["paused"] and at(resumed["clocks"]["plan"]["due_at"]) == MONDAY_10 + dt.timedelta(hours=54)
    assert at(resumed["clocks"]["resolution"]["due_at"]) == MONDAY_10 + dt.timedelta(hours=78)
    assert states(resumed)["plan"] == "running"


def test_priority_and_value_tier_make_the_targets_faster_or_slower(tenant_a, now):
    tenant_a.enable("complaints", {"tier_factors": {"core": 0.5}, "priority_factors": {"urgent": 0.5, "low": 2}})
    core = tenant_a.customer()
    assert tenant_a.put(f"/api/v1/customers/{core['id']}/tier-override",
                        json={"tier": "core", "reason": "key account"}).status_code == 200
    urgent = open_case(tenant_a, core, priority="urgent")
    assert urgent["tier"] == "core"
    assert {t: c["minutes"] for t, c in urgent["clocks"].items()} == {"response": 15, "plan": 360, "resolution": 720}
    low = open_case(tenant_a, priority="low")
    assert {t: c["minutes"] for t, c in low["clocks"].items()} == {"response": 120, "plan": 2880, "resolution": 5760}
    raised = tenant_a.patch(f"/api/v1/complaints/{low['id']}", json={"priority": "high"})
    assert raised.status_code == 200 and raised.json["clocks"]["response"]["minutes"] == 45


def test_business_hours_skip_nights_weekends_and_holidays_and_count_make_up_working_days(tenant_a, now):
    tenant_a.enable("complaints", {"clock": "business_hours", "calendar": "CN", "opens": "09:00:00",
                                   "closes": "18:00:00"})
    now.at = dt.datetime(2026, 11, 27, 17, 30, tzinfo=SHANGHAI)  # a Friday, half an hour before closing
    case = open_case(tenant_a)
    assert case["business_hours"]
    # 1 hour: 30 minutes on Friday, 30 on Monday morning
    assert at(case["clocks"]["response"]["due_at"]) == dt.datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)
    # 24 hours: 0.5 + 9 (Mon) + 9 (Tue) + 5.5 on Wednesday
    assert at(case["clocks"]["plan"]["due_at"]) == dt.datetime(2026, 12, 2, 14, 30, tzinfo=SHANGHAI)
    # National Day week: 1-7 October 2026 off, Saturday 10 October a make-up working day: 1 hour on
    # 30 September, 9 on the 8th, 9 on the 9th, and 5 on Saturday (a calendar without make-up
    # days would say Monday the 12th)
    now.at = dt.datetime(2026, 9, 30, 17, 0, tzinfo=SHANGHAI)
    holiday = open_case(tenant_a)
    assert at(holiday["clocks"]["response"]["due_at"]) == dt.datetime(2026, 9, 30, 18, 0, tzinfo=SHANGHAI)
    assert at(holiday["clocks"]["plan"]["due_at"]) == dt.datetime(2026, 10, 10, 14, 0, tzinfo=SHANGHAI)
    # paused over the weekend and resumed on Monday: the pause took no business hours
    step(tenant_a, holiday, "acknowledge")
    now.at = dt.datetime(2026, 10, 10, 13, 0, tzinfo=SHANGHAI)
    step(tenant_a, holiday, "pause")
    now.at = dt.datetime(2026, 10, 12, 9, 0, tzinfo=SHANGHAI)
    resumed = step(tenant_a, holiday, "resume")
    assert at(resumed["clocks"]["plan"]["due_at"]) == dt.datetime(2026, 10, 12, 10, 0, tzinfo=SHANGHAI)


def test_the_workflow_refuses_steps_its_status_does_not_allow_and_bad_input_with_4xx(tenant_a, now):
    tenant_a.enable("complaints")
    case = open_case(tenant_a)
    url = f"/api/v1/complaints/{case['id']}/events"
    assert tenant_a.post(url, json={"action": "close"}).status_code == 409
    assert tenant_a.post(url, json={"action": "confirm"}).status_code == 409
    assert tenant_a.post(url, json={"action": "reopen"}).status_code == 409
    assert tenant_a.post(url, json={"action": "resume"}).status_code == 409
    assert tenant_a.post(url, json={"action": "agree_plan"}).status_code == 422  # no plan
    assert tenant_a.post(url, json={"action": "resolve", "resolution": "  "}).status_code == 422
    assert tenant_a.post(url, json={"action": "fly"}).status_code == 422
    assert tenant_a.post(url, json={}).status_code == 422
    customer = tenant_a.customer()
    for body in ({"customer_id": customer["id"], "category": "weather", "description": "x"},
                 {"customer_id": customer["id"], "category": "delivery", "description": " "},
                 {"customer_id": customer["id"], "category": "delivery", "description": "x", "priority": "now"},
                 {"customer_id": "not an id", "category": "delivery", "description": "x"},
                 {"customer_id": customer["id"], "category": "delivery", "description": "x",
                  "owner_id": "01a209c2-7e10-7c3b-8a2d-3e4f50617283"}):
        assert tenant_a.post("/api/v1/complaints", json=body).status_code == 422, body
    assert tenant_a.post("/api/v1/complaints", json={"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534",
                                                     "category": "delivery", "description": "x"}).status_code == 404
    listed = tenant_a.get("/api/v1/complaints").json["items"]
    assert [c["id"] for c in listed] == [case["id"]]  # nothing written by the refusals
    step(tenant_a, case, "resolve", resolution="Refunded")
    assert tenant_a.post(url, json={"action": "acknowledge"}).status_code == 409
    closed = step(tenant_a, case, "close")
    assert closed["status"] == "closed" and closed["confirmation_url"] is None


def test_the_queue_puts_the_soonest_due_first_and_the_waiting_last(tenant_a, now):
    tenant_a.enable("complaints")
    later = open_case(tenant_a, priority="low")
    waiting = open_case(tenant_a)
    step(tenant_a, waiting, "pause")
    sooner = open_case(tenant_a, priority="urgent")
    done = open_case(tenant_a)
    step(tenant_a, done, "resolve", resolution="Refunded")
    queue = tenant_a.get("/api/v1/complaints/queue").json["items"]
    assert [c["id"] for c in queue] == [sooner["id"], later["id"], waiting["id"]]
