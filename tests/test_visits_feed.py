"""The visits module's agendas (today, this week, overdue; a person's, a team's) and each person's
iCalendar feed at a secret, revocable URL, read as a phone's calendar would: parsed with
``icalendar`` and expanded with ``recurring-ical-events``, in the workspace's time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar
import pytest
import recurring_ical_events

from saas.core.db import db
from saas.core.tenancy import tenant_context

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def enable(tenant, **settings) -> None:
    response = tenant.put("/api/v1/modules/visits", json={"enabled": True, "settings": settings})
    assert response.status_code == 200, response.json


def local_today(app, tenant) -> dt.date:
    from plugins.visits import clock

    with app.app_context(), tenant_context(tenant.id):
        return clock.today()


def plan_on(app, tenant, day: dt.date) -> None:
    from plugins.visits import planner

    with app.app_context(), tenant_context(tenant.id):
        planner.plan(day)
        db.session.commit()


def daily(tenant, owner_id: str, **preferences) -> dict:
    customer = tenant.customer(owner_id=owner_id, preferences=preferences)
    response = tenant.put(f"/api/v1/visits/customers/{customer['id']}/cadence",
                          json={"rule": "FREQ=DAILY", "channel": "visit"})
    assert response.status_code == 200, response.json
    return customer


def test_agendas_show_today_this_week_and_overdue_per_person_and_team(app, tenant_a):
    from saas.core.workdays import Workdays

    enable(tenant_a, daily_cap=50)
    owner = tenant_a.user["id"]
    [membership] = [m for m in tenant_a.get("/api/v1/members").json["items"] if m["user_id"] == owner]
    assert tenant_a.patch(f"/api/v1/members/{membership['id']}", json={"team": "north"}).status_code == 200
    agent = tenant_a.post("/api/v1/members", json={"email": "rep@visits.example", "password": "a long enough password",
                                                   "role": "agent", "team": "north"}).json
    mine, theirs = daily(tenant_a, owner), daily(tenant_a, agent["user_id"])
    today = local_today(app, tenant_a)
    plan_on(app, tenant_a, today - dt.timedelta(days=10))  # ten days of visits not made: overdue
    days = Workdays("CN", today - dt.timedelta(days=20), today + dt.timedelta(days=20))

    def agenda(**args):
        response = tenant_a.get("/api/v1/visits/agenda", query_string=args)
        assert response.status_code == 200, response.json
        return response.json

    overdue = agenda(view="overdue", owner_id=owner)
    expected = [day for day in (today - dt.timedelta(days=n) for n in range(10, 0, -1)) if days.is_working(day)]
    assert [item["due_on"] for item in overdue["items"]] == [day.isoformat() for day in expected]
    assert {item["customer_name"] for item in overdue["items"]} == {mine["name"]}
    now = agenda(view="today", owner_id=owner)["items"]
    assert [item["due_on"] for item in now] == ([today.isoformat()] if days.is_working(today) else [])
    week = agenda(view="week", owner_id=owner)
    monday = today - dt.timedelta(days=today.weekday())
    assert (week["from"], week["to"]) == (monday.isoformat(), (monday + dt.timedelta(days=6)).isoformat())
    assert all(monday.isoformat() <= item["due_on"] <= week["to"] for item in week["items"])
    team = agenda(view="overdue", team="north")["items"]
    assert {item["customer_id"] for item in team} == {mine["id"], theirs["id"]}
    assert tenant_a.get("/api/v1/visits/agenda", query_string={"view": "soon"}).status_code == 400
    assert agenda(view="overdue") == overdue  # an API key's own: its issuer's, the owner's


def test_the_feed_is_a_calendar_in_the_workspace_s_time_zone(app, client, tenant_a):
    enable(tenant_a)
    owner = tenant_a.user["id"]
    customer = daily(tenant_a, owner, contact_time="14:30-16:00")
    allday = daily(tenant_a, owner, contact_time="whenever")
    issued = tenant_a.post("/api/v1/visits/feed", json={"user_id": owner})
    assert issued.status_code == 201, issued.json
    url = issued.json["url"]
    assert url.startswith("/visits/feed/") and url.endswith(".ics")
    response = client.get(url)  # no credentials: the URL is the secret
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Shanghai"]
    today = local_today(app, tenant_a)
    events = recurring_ical_events.of(calendar).between(today, today + dt.timedelta(days=14))
    timed = [e for e in events if customer["name"] in str(e["SUMMARY"])]
    assert timed, "the customer's visits are on the calendar"
    for event in timed:
        start = event["DTSTART"].dt
        assert start.tzinfo is not None and start.astimezone(SHANGHAI).time() == dt.time(14, 30)
        assert start.astimezone(dt.timezone.utc).time() == dt.time(6, 30)
        assert event["DTEND"].dt - start == dt.timedelta(minutes=30)
        assert str(event["URL"]).endswith(f"/customers/{customer['id']}")
    # "whenever" names no time: the workspace's default contact time, 10:00
    assert {e["DTSTART"].dt.astimezone(SHANGHAI).time() for e in events if allday["name"] in str(e["SUMMARY"])} == {
        dt.time(10, 0)}
    again = tenant_a.post("/api/v1/visits/feed", json={"user_id": owner}).json["url"]
    assert client.get(url).status_code == 404 and client.get(again).status_code == 200  # a new URL revokes the old
    assert tenant_a.delete("/api/v1/visits/feed", query_string={"user_id": owner}).status_code == 204
    assert client.get(again).status_code == 404


@pytest.mark.parametrize("token", ["nonsense.ics", "0" * 32 + ".secret.ics", "zz.zz"])
def test_a_feed_url_that_is_no_one_s_is_a_404(client, tenant_a, token):
    enable(tenant_a)
    assert client.get(f"/visits/feed/{token}").status_code == 404


def test_a_feed_is_gone_with_the_module_and_another_workspace_s_id_opens_nothing(app, client, tenant_a, tenant_b):
    enable(tenant_a)
    enable(tenant_b)
    url = tenant_a.post("/api/v1/visits/feed", json={"user_id": tenant_a.user["id"]}).json["url"]
    secret = url.removeprefix("/visits/feed/").split(".")[1]
    assert client.get(f"/visits/feed/{tenant_b.id.hex}.{secret}.ics").status_code == 404
    assert tenant_b.post("/api/v1/visits/feed", json={"user_id": tenant_a.user["id"]}).status_code == 422
    tenant_a.disable("visits")
    assert client.get(url).status_code == 404
    tenant_a.enable("visits")
    assert client.get(url).status_code == 200
