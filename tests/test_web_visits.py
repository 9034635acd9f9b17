"""The visits module's pages (``/visits/...``): a person's agenda and a manager's team view, one
visit's outcome form (in place with htmx, a plain POST without it), the cadences in words with a
rule checker, a customer's own cadence, the person's calendar feed URL, the KPIs; the profile's
panel and the dashboard's cards; each role as the API's scopes and the module's permissions
allow, 404 where the module is off or the object is another workspace's, bad input re-rendered
with field errors and nothing written, CSRF on every form, and Chinese.

Visits are written as the planner writes them (rows of ``visits_visits``), so each page is tested
on visits it is given; the planning is tests/test_visits*.py's. Tests whose outcome cannot depend
on the database run on SQLite only; isolation and what a refused form leaves behind on both."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid

import pytest
import sqlalchemy as sa

from werkzeug.datastructures import MultiDict

from saas.testing import CSRF_INPUT
from tests.test_web_dashboard import PASSWORD, signed_in_as

one_database = pytest.mark.one_database


@pytest.fixture
def shop(sign_up):
    tenant = sign_up(settings={"locale": "en", "timezone": "Asia/Shanghai"})
    tenant.enable("visits", {"cadences": {}})  # nothing planned by itself: each test writes its visits
    return tenant


def in_tenant(app, tenant, work):
    from saas.core.db import db
    from saas.core.tenancy import tenant_context

    with app.app_context(), tenant_context(tenant.id):
        result = work(db.session)
        db.session.commit()
        return result


def today(app, tenant) -> dt.date:
    from plugins.visits import clock

    return in_tenant(app, tenant, lambda session: clock.today())


def visit(app, tenant, customer: dict, days: int = 0, **fields) -> str:
    """A planned visit row due ``days`` from today, as the planner writes it; its id."""
    from plugins.visits.models import Status, Visit

    due = today(app, tenant) + dt.timedelta(days=days)

    def add(session):
        owner = fields.pop("owner_id", tenant.user["id"])
        row = Visit(customer_id=uuid.UUID(customer["id"]), owner_id=uuid.UUID(owner) if owner else None,
                    rule_key=fields.pop("rule_key", f"core.visit.{uuid.uuid4().hex[:6]}"), tier=fields.pop("tier", "core"),
                    planned_on=due, due_on=due, due_minute=fields.pop("due_minute", 600),
                    channel=fields.pop("channel", "visit"), purpose=fields.pop("purpose", "visit"),
                    automated=fields.pop("automated", False), status=Status(fields.pop("status", "planned")),
                    escalation=0, **fields)
        session.add(row)
        session.flush()
        return str(row.id)

    return in_tenant(app, tenant, add)


def visit_row(app, tenant, visit_id: str) -> dict:
    from plugins.visits.models import Visit

    return in_tenant(app, tenant, lambda session: dict(session.execute(
        sa.select(Visit.__table__).where(Visit.id == uuid.UUID(visit_id))).mappings().one()))


def post(browser, path: str, data: dict, token_from: str = "/visits/", headers=None):
    """POST ``data`` with the session's CSRF token, as the page's form sends it."""
    token = CSRF_INPUT.search(browser.get(token_from).get_data(as_text=True)).group(1)
    return browser.post(path, data={**data, "csrf_token": token}, headers=headers or {})


def text(response) -> str:
    return response.get_data(as_text=True)


def member(app, tenant, role: str, team: str | None = None):
    email = f"{role}-{uuid.uuid4().hex[:6]}@{tenant.tenant['slug']}.example"
    body = {"email": email, "password": PASSWORD, "role": role, **({"team": team} if team else {})}
    response = tenant.post("/api/v1/members", json=body)
    assert response.status_code == 201, response.json
    return signed_in_as(app, email), response.json["user_id"]


def field_error(page: str, field: str) -> list[str]:
    return re.findall(rf'<p class="field-error" id="[^"]*{re.escape(field)}-error">(.*?)</p>', page)


def listed(page: str) -> list[str]:
    """The customers' names in the agenda's rows, in order."""
    return [html.unescape(name) for name in
            re.findall(r'<tr id="visit-[^"]+" data-visit="[^"]+">\s*<th scope="row"><a href="/customers/[^"]+">([^<]+)</a>', page)]


# -- the agenda ------------------------------------------------------------------------------------


@one_database
def test_the_agenda_shows_today_this_week_and_overdue_visits_with_the_module_s_menu_entry(app, shop):
    late, now, soon = (shop.customer(name=name) for name in ("Ms Late", "Mr Today", "Soon Ltd"))
    day = today(app, shop)
    visit(app, shop, late, -3)
    visit(app, shop, now, 0, channel="phone", purpose="call")
    sunday = (day - dt.timedelta(days=day.weekday())) + dt.timedelta(days=6)
    visit(app, shop, soon, (sunday - day).days)
    visit(app, shop, shop.customer(name="Done Co"), 0, status="done")
    browser = shop.signed_in()
    page = text(browser.get("/visits/"))
    assert listed(page) == ["Mr Today"]
    assert '<a href="/visits/" aria-current="page">Return visits</a>' in page  # the module's menu entry
    assert "Phone call" in page and "10:00" in page
    assert listed(text(browser.get("/visits/?view=overdue"))) == ["Ms Late"]
    week = listed(text(browser.get("/visits/?view=week")))
    assert "Mr Today" in week and "Soon Ltd" in week and "Ms Late" not in week[:0]
    refused = browser.get("/visits/?view=yesterday")
    assert refused.status_code == 400 and re.search(r"<li>Show: Choose one of the views offered.</li>", text(refused))


@one_database
def test_only_who_may_see_the_team_sees_another_person_s_agenda(app, shop):
    agent, agent_id = member(app, shop, "agent", team="North")
    manager, _manager_id = member(app, shop, "manager", team="North")
    visit(app, shop, shop.customer(name="Agent's customer"), 0, owner_id=agent_id)
    visit(app, shop, shop.customer(name="Owner's customer"), 0)
    assert listed(text(agent.get("/visits/"))) == ["Agent's customer"]
    assert agent.get(f"/visits/?owner_id={shop.user['id']}").status_code == 403
    assert agent.get("/visits/team").status_code == 403
    assert listed(text(manager.get(f"/visits/?owner_id={agent_id}"))) == ["Agent's customer"]
    team = text(manager.get("/visits/team"))  # the manager's own team to begin with
    assert re.search(rf'<tr data-person="{agent_id}"><th scope="row">[^<]+</th>\s*<td class="number">1</td>', team)
    assert f'data-person="{shop.user["id"]}"' not in team
    assert f'data-person="{shop.user["id"]}"' in text(manager.get("/visits/team?team="))  # everyone


@one_database
def test_the_team_view_lists_the_overdue_visits_with_their_owner_and_days_late(app, shop):
    agent, agent_id = member(app, shop, "agent", team="North")
    late = visit(app, shop, shop.customer(name="Forgotten Ltd"), -4, owner_id=agent_id)
    visit(app, shop, shop.customer(name="A message"), -4, owner_id=agent_id, automated=True, channel="email")
    page = text(shop.signed_in().get("/visits/team?team=North"))
    row = re.search(rf'<tr data-visit="{late}">(.*?)</tr>', page, re.S).group(1)
    assert "Forgotten Ltd" in row and '<td class="number">4</td>' in row
    assert "A message" not in page  # automated messages take no one's time


# -- logging an outcome ----------------------------------------------------------------------------


@one_database
def test_a_visit_is_logged_from_its_page_and_goes_back_to_the_agenda_with_the_interaction_written(app, shop):
    customer = shop.customer(name="Ms Wang")
    visit_id = visit(app, shop, customer, 0)
    browser = shop.signed_in()
    path = f"/visits/{visit_id}"
    page = text(browser.get(path))
    assert "<h1>Visit: Ms Wang</h1>" in page and 'name="outcome" value="done" checked' in page
    done = post(browser, path, {"outcome": "done", "notes": "Liked the new tea", "next_step": "Send samples",
                                "next": "/visits/?view=week"}, token_from=path)
    assert done.status_code == 303 and done.headers["Location"].endswith("/visits/?view=week")
    row = visit_row(app, shop, visit_id)
    assert (row["status"], row["notes"], row["next_step"]) == ("done", "Liked the new tea", "Send samples")
    notes = shop.get(f"/api/v1/interactions?customer_id={customer['id']}").json["items"][0]["notes"]
    assert "Liked the new tea" in notes and "Send samples" in notes
    assert "The visit is logged: Done." in text(browser.get("/visits/?view=week"))
    assert 'id="log-heading"' not in text(browser.get(path))  # logged: nothing to log again
    again = post(browser, path, {"outcome": "done"}, token_from="/visits/")
    assert again.status_code == 409


@one_database
def test_with_htmx_the_form_comes_alone_and_its_answer_replaces_it_in_place(app, shop):
    visit_id = visit(app, shop, shop.customer(name="Mr Li"), 0)
    browser = shop.signed_in()
    agenda = text(browser.get("/visits/"))
    assert f'hx-get="/visits/{visit_id}?next=/visits/" hx-target="#visit-{visit_id}-log"' in agenda
    fragment = text(browser.get(f"/visits/{visit_id}?next=/visits/", headers={"HX-Request": "true"}))
    assert "<html" not in fragment and 'hx-post="/visits/' in fragment
    refused = post(browser, f"/visits/{visit_id}", {"outcome": "cancelled"}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "<html" not in text(refused)
    assert field_error(text(refused), "reason") == ["Say why."]
    logged = post(browser, f"/visits/{visit_id}", {"outcome": "no_answer", "notes": "Rang twice"},
                  headers={"HX-Request": "true"})
    assert logged.status_code == 200 and "<html" not in text(logged)
    assert f'<span id="visit-{visit_id}-status" hx-swap-oob="true">' in text(logged) and "No answer" in text(logged)
    assert visit_row(app, shop, visit_id)["status"] == "no_answer"


@one_database
def test_a_move_plans_the_visit_on_its_new_day_and_a_skip_keeps_its_reason(app, shop):
    moving, skipped = visit(app, shop, shop.customer(), 0), visit(app, shop, shop.customer(), 0)
    browser = shop.signed_in()
    new_day = (today(app, shop) + dt.timedelta(days=3)).isoformat()
    assert post(browser, f"/visits/{moving}", {"outcome": "rescheduled", "due_on": new_day,
                                               "reason": "Away this week"}).status_code == 303
    assert post(browser, f"/visits/{skipped}", {"outcome": "cancelled", "reason": "Moved abroad",
                                                "due_on": "not used"}).status_code == 303
    assert (visit_row(app, shop, moving)["status"], visit_row(app, shop, skipped)["reason"]) == ("rescheduled", "Moved abroad")
    page = text(browser.get(f"/visits/{moving}"))
    assert "<dt>Moved to</dt>" in page and '<dd id="visit-reason">Away this week</dd>' in page


def test_a_bad_outcome_form_shows_its_field_errors_and_writes_nothing(app, shop):
    visit_id = visit(app, shop, shop.customer(), 0)
    browser = shop.signed_in()
    path = f"/visits/{visit_id}"
    cases = (({"outcome": "vanished"}, "outcome", "Choose one of the outcomes offered."),
             ({"outcome": "rescheduled", "reason": "x"}, "due_on", "Today or later."),
             ({"outcome": "rescheduled", "reason": "x", "due_on": "someday"}, "due_on", "Not a valid date."),
             ({"outcome": "rescheduled", "reason": "x", "due_on": "2020-01-01"}, "due_on", "Today or later."),
             ({"outcome": "done", "next_step": "x" * 501}, "next_step", "At most 500 characters."),
             ({"outcome": "done", "notes": "a\x00b"}, "notes", "This cannot contain a NUL character."))
    for data, field, message in cases:
        page = post(browser, path, data, token_from=path)
        assert page.status_code == 422, data
        assert message in " ".join(field_error(text(page), field) + re.findall(r'role="alert">([^<]+)<', text(page))), data
    assert 'value="xxxx' in text(post(browser, path, cases[4][0], token_from=path))  # what was typed stays
    row = visit_row(app, shop, visit_id)
    assert (row["status"], row["notes"], row["interaction_id"]) == ("planned", None, None)
    assert shop.get("/api/v1/visits?status=rescheduled,planned").json["items"][0]["id"] == visit_id  # no copy made


def test_a_viewer_reads_a_visit_but_may_not_log_it(app, shop):
    viewer, _ = member(app, shop, "viewer")
    visit_id = visit(app, shop, shop.customer(), 0)
    assert 'name="outcome"' not in text(viewer.get(f"/visits/{visit_id}"))
    assert post(viewer, f"/visits/{visit_id}", {"outcome": "done"}).status_code == 403
    assert visit_row(app, shop, visit_id)["status"] == "planned"


# -- cadences ----------------------------------------------------------------------------------------


@one_database
def test_the_cadences_are_shown_in_words_with_their_next_days(app, sign_up):
    tenant = sign_up(settings={"locale": "en"})
    tenant.enable("visits")  # the seed plan's defaults
    page = text(tenant.signed_in().get("/visits/cadences"))
    row = re.search(r'<tr data-cadence="important.call">(.*?)</tr>', page, re.S).group(1)
    assert "<code>FREQ=WEEKLY;INTERVAL=2</code>" in row and "Every 2 weeks, counted from Jan 5, 2026" in row
    assert "Every month, counted from Jan 5, 2026" in re.search(r'<tr data-cadence="core.visit">(.*?)</tr>', page, re.S).group(1)
    assert "No visits for this tier." in re.search(r'<tr data-cadence="general">(.*?)</tr>', page, re.S).group(1)
    assert 'href="/settings/modules/visits"' in page  # where an owner edits them


@pytest.mark.backend_independent
@pytest.mark.parametrize("rule, words", [
    ("FREQ=WEEKLY;BYDAY=MO,TH", "Every week, on Monday and Thursday"),
    ("FREQ=MONTHLY;BYDAY=-1FR", "Every month, on the last Friday"),
    ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15", "Every 3 months, on day 15"),
    ("FREQ=YEARLY;BYMONTH=1,7;COUNT=4", "Every year, in January and July, 4 times"),
    ("DTSTART:20260115\nRRULE:FREQ=DAILY;INTERVAL=10", "Every 10 days, counted from Jan 15, 2026"),
    ("FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO,TU", "(BYSETPOS=1)"),
])
def test_a_rule_in_words(app, rule, words):
    from flask_babel import force_locale

    from plugins.visits.sentences import sentence

    with app.test_request_context(), force_locale("en"):
        assert words in sentence(rule, dt.date(2026, 1, 5))
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert sentence("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", dt.date(2026, 1, 5)).startswith("每 2 周，星期一")


@one_database
def test_the_rule_checker_words_a_rule_and_refuses_a_bad_one(shop):
    browser = shop.signed_in()
    good = browser.get("/visits/cadences?rule=FREQ%3DWEEKLY%3BBYDAY%3DSA", headers={"HX-Request": "true"})
    assert good.status_code == 200 and "<html" not in text(good)
    assert '<p class="rule-sentence" id="rule-sentence">Every week, on Saturday' in text(good)
    bad = browser.get("/visits/cadences?rule=FREQ%3DHOURLY")
    assert bad.status_code == 422 and "<html" in text(bad)
    assert field_error(text(bad), "rule") == ["A visit is planned for a day: FREQ is DAILY, WEEKLY, MONTHLY or YEARLY."]


@one_database
def test_planning_again_from_the_cadences_needs_the_permission(app, shop):
    agent, _ = member(app, shop, "agent")
    assert post(agent, "/visits/cadences/plan", {}).status_code == 403
    done = post(shop.signed_in(), "/visits/cadences/plan", {})
    assert done.status_code == 303 and done.headers["Location"].endswith("/visits/cadences")


def test_a_customer_s_own_cadence_is_set_refused_with_field_errors_and_removed(app, shop):
    customer = shop.customer(name="Ms Zhao", owner_id=shop.user["id"])
    browser = shop.signed_in()
    path = f"/visits/customers/{customer['id']}/cadence"
    assert "It follows its tier's cadences" in text(browser.get(path))
    refused = post(browser, path, {"rule": "every Saturday", "channel": "pigeon"}, token_from=path)
    assert refused.status_code == 422
    assert field_error(text(refused), "rule") and field_error(text(refused), "channel") == ["Choose one of the channels offered."]
    assert 'value="every Saturday"' in text(refused)
    assert shop.get(f"/api/v1/visits/customers/{customer['id']}/cadence").status_code == 404  # nothing written
    saved = post(browser, path, {"rule": "FREQ=WEEKLY;BYDAY=SA", "channel": "phone", "purpose": "call"}, token_from=path)
    assert saved.status_code == 303
    assert shop.get(f"/api/v1/visits/customers/{customer['id']}/cadence").json["rule"] == "FREQ=WEEKLY;BYDAY=SA"
    assert "Every week, on Saturday" in text(browser.get(path))
    assert shop.get(f"/api/v1/visits?customer_id={customer['id']}").json["items"]  # planned again
    assert post(browser, path, {"action": "remove"}, token_from=path).status_code == 303
    assert shop.get(f"/api/v1/visits/customers/{customer['id']}/cadence").status_code == 404
    agent, _ = member(app, shop, "agent")
    assert post(agent, path, {"rule": "FREQ=DAILY", "channel": "phone"}).status_code == 403


# -- the calendar feed -------------------------------------------------------------------------------


@one_database
def test_the_calendar_page_gives_a_feed_url_once_a_new_one_stops_the_old_and_revoking_ends_it(app, shop, client):
    browser = shop.signed_in()
    assert "You have no calendar feed yet." in text(browser.get("/visits/calendar"))
    first = post(browser, "/visits/calendar", {"action": "issue"}, token_from="/visits/calendar")
    url = html.unescape(re.search(r'<code id="feed-url">([^<]+)</code>', text(first)).group(1))
    path = url.removeprefix("http://localhost")
    assert path.startswith("/visits/feed/") and client.get(path).status_code == 200
    assert "You have a calendar feed since" in text(browser.get("/visits/calendar"))  # the URL not shown again
    assert url not in text(browser.get("/visits/calendar"))
    second = post(browser, "/visits/calendar", {"action": "issue"}, token_from="/visits/calendar")
    newer = re.search(r'<code id="feed-url">http://localhost([^<]+)</code>', text(second)).group(1)
    assert client.get(path).status_code == 404 and client.get(newer).status_code == 200
    assert post(browser, "/visits/calendar", {"action": "revoke"}, token_from="/visits/calendar").status_code == 303
    assert client.get(newer).status_code == 404


# -- KPIs, the profile and the dashboard -------------------------------------------------------------


@one_database
def test_the_kpi_page_shows_the_month_s_completion_by_tier_and_person_with_its_chart(app, shop):
    day = today(app, shop)
    for status in ("done", "done", "planned", "no_answer"):
        logged = {"logged_on": day, "logged_at": dt.datetime.now(dt.timezone.utc)} if status != "planned" else {}
        visit(app, shop, shop.customer(), 0, status=status, **logged)
    page = text(shop.signed_in().get("/visits/kpis"))
    row = re.search(r'<tr data-tier="core">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r"<td>([^<]+)</td>", row)[:3] == ["4", "2", "50.0%"]
    assert f'<tr data-person="{shop.user["id"]}">' in page
    assert 'data-chart="trend" role="img"' in page and "visits.js" in page and "echarts" in page
    assert shop.signed_in().get("/visits/kpis?month=2026-13").status_code == 400


@one_database
def test_the_profile_s_panel_gives_the_next_and_last_visits_and_the_cadence(app, shop):
    customer = shop.customer(name="Ms Wang")
    browser = shop.signed_in()
    page = text(browser.get(f"/customers/{customer['id']}"))
    assert "Return visits" in page and "None planned" in page and "None for its tier" in page
    visit(app, shop, customer, 2, channel="phone", purpose="call")
    visit(app, shop, customer, -5, status="done", logged_on=today(app, shop) - dt.timedelta(days=5),
          logged_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=5))
    page = text(browser.get(f"/customers/{customer['id']}"))
    assert re.search(r"<dd>[^<]+: Call, Phone call</dd>", page) and re.search(r"<dd>[^<]+: Done</dd>", page)
    assert f'href="/visits/customers/{customer["id"]}/cadence"' in page


@one_database
def test_the_dashboard_shows_the_completion_and_the_overdue_visits(app, shop):
    from tests.test_web_dashboard import cards

    for days in (-3, -1):
        visit(app, shop, shop.customer(), days)
    visit(app, shop, shop.customer(), -2, automated=True, channel="email")  # no one's to do
    shown = cards(text(shop.signed_in().get("/")))
    assert shown["visits.overdue"] == "2"
    assert shown["visits.completion"] in ("—", "0.0%")  # a fraction, shown as a percentage


# -- who may open what ------------------------------------------------------------------------------

PAGES = ("/visits/", "/visits/?view=overdue", "/visits/team", "/visits/cadences", "/visits/kpis", "/visits/calendar",
         "/visits/{visit}", "/visits/customers/{customer}/cadence")


@one_database
@pytest.mark.parametrize("path", PAGES)
def test_a_workspace_without_the_module_gets_a_404_page_and_no_menu_entry(app, sign_up, path):
    tenant = sign_up(settings={"locale": "en"})
    tenant.enable("visits", {"cadences": {}})
    customer = tenant.customer()
    visit_id = visit(app, tenant, customer, 0)
    assert tenant.put("/api/v1/modules/visits", json={"enabled": False}).status_code == 200
    browser = tenant.signed_in()
    response = browser.get(path.format(visit=visit_id, customer=customer["id"]))
    assert response.status_code == 404 and "<html" in text(response)
    assert 'href="/visits/"' not in text(browser.get("/"))
    assert "Return visits" not in text(browser.get(f"/customers/{customer['id']}"))
    assert post(browser, f"/visits/{visit_id}", {"outcome": "done"}, token_from="/").status_code == 404
    assert visit_row(app, tenant, visit_id)["status"] == "planned"


@one_database
def test_a_visitor_is_sent_to_sign_in(client, shop):
    response = client.get("/visits/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@one_database
def test_every_form_needs_the_csrf_token(app, shop):
    visit_id = visit(app, shop, shop.customer(), 0)
    customer = shop.customer()
    browser = shop.signed_in()
    for path, data in ((f"/visits/{visit_id}", {"outcome": "done"}), ("/visits/calendar", {"action": "issue"}),
                       ("/visits/cadences/plan", {}),
                       (f"/visits/customers/{customer['id']}/cadence", {"rule": "FREQ=DAILY", "channel": "phone"})):
        assert browser.post(path, data=data).status_code == 400, path
    assert visit_row(app, shop, visit_id)["status"] == "planned"


def test_another_workspace_s_visit_and_customer_are_404_pages_and_stay_as_they_were(app, shop, sign_up):
    other = sign_up(settings={"locale": "en"})
    other.enable("visits", {"cadences": {}})
    their_customer = other.customer(name="Their customer", owner_id=other.user["id"])
    theirs = visit(app, other, their_customer, 0, owner_id=other.user["id"])
    visit(app, shop, shop.customer(name="My customer"), 0)
    browser = shop.signed_in()
    assert browser.get(f"/visits/{theirs}").status_code == 404
    assert post(browser, f"/visits/{theirs}", {"outcome": "done"}).status_code == 404
    assert visit_row(app, other, theirs)["status"] == "planned"
    path = f"/visits/customers/{their_customer['id']}/cadence"
    assert browser.get(path).status_code == 404
    assert post(browser, path, {"rule": "FREQ=DAILY", "channel": "phone"}).status_code == 404
    assert other.get(f"/api/v1/visits/customers/{their_customer['id']}/cadence").status_code == 404
    assert browser.get(f"/visits/?owner_id={other.user['id']}").status_code == 200  # not a member here: nothing
    for page in ("/visits/", f"/visits/?owner_id={other.user['id']}", "/visits/team?team=", "/visits/kpis"):
        shown = text(browser.get(page)).replace(page, "")  # the page's own address aside (the language form's)
        assert "Their customer" not in shown and theirs not in shown and other.user["id"] not in shown, page
    assert "My customer" in text(browser.get("/visits/"))


@one_database
def test_a_chinese_workspace_sees_the_pages_in_chinese(app, sign_up):
    tenant = sign_up()  # zh_CN by default
    tenant.enable("visits")
    customer = tenant.customer(name="王女士")
    visit_id = visit(app, tenant, customer, 0)
    browser = tenant.signed_in()
    page = text(browser.get("/visits/"))
    assert "<h1>定期回访：今天</h1>" in page, re.findall(r"<h1>.*?</h1>", page)
    assert "每月" in text(browser.get("/visits/cadences"))
    refused = post(browser, f"/visits/{visit_id}", {"outcome": "cancelled"}, token_from=f"/visits/{visit_id}")
    assert field_error(text(refused), "reason") == ["请说明原因。"]
    assert "<h1>回访数据</h1>" in text(browser.get("/visits/kpis"))


def form_fields(page: str) -> list[tuple[str, str]]:
    """What a browser sends for the page's settings form: text inputs, checked boxes, selected options."""
    from html.parser import HTMLParser

    found, select = [], {}

    class Reader(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "radio", "submit"):
                found.append((a["name"], a.get("value") or ""))
            elif tag == "input" and a.get("name") and "checked" in a:
                found.append((a["name"], a.get("value") or "on"))
            elif tag == "select":
                select["name"] = a.get("name")
            elif tag == "option" and select.get("name") and "selected" in a:
                found.append((select["name"], a.get("value") or ""))

        def handle_endtag(self, tag):
            if tag == "select":
                select.clear()

    Reader().feed(page)
    return found


def test_the_module_s_settings_form_saves_the_cadences_as_they_are_edited(app, sign_up):
    tenant = sign_up(settings={"locale": "en"})
    tenant.enable("visits")  # the seed plan's cadences
    browser = tenant.signed_in()
    fields = [(name, "FREQ=WEEKLY;INTERVAL=3" if name == "cadences.important.0.rule" else value)
              for name, value in form_fields(text(browser.get("/settings/modules/visits")))]
    assert ("cadences.core.0.rule", "FREQ=MONTHLY") in fields
    saved = browser.post("/settings/modules/visits", data=MultiDict(fields))
    assert saved.status_code == 302, field_error(text(saved), "")
    cadences = tenant.get("/api/v1/modules/visits").json["settings"]["cadences"]
    assert [c["rule"] for c in cadences["important"]] == ["FREQ=WEEKLY;INTERVAL=3", "FREQ=MONTHLY;INTERVAL=3"]
    assert cadences["core"][0]["channels"] == ["visit", "video"] and "general" not in cadences
    assert "Every 3 weeks" in text(browser.get("/visits/cadences"))


@one_database
@pytest.mark.parametrize("path", ["/visits/?view=week", "/visits/team?team=", "/visits/kpis"])
def test_a_page_runs_as_many_statements_for_50_visits_as_for_5(app, sign_up, count_queries, path):
    counts = []
    for many in (5, 50):
        tenant = sign_up(settings={"locale": "en"})
        tenant.enable("visits", {"cadences": {}})
        for n in range(many):
            visit(app, tenant, tenant.customer(), -(n % 3), status="planned" if n % 4 else "done",
                  **({} if n % 4 else {"logged_on": today(app, tenant), "logged_at": dt.datetime.now(dt.timezone.utc)}))
        browser = tenant.signed_in()
        assert browser.get(path).status_code == 200
        with count_queries() as statements:
            assert browser.get(path).status_code == 200
        counts.append(statements())
    assert counts[0] == counts[1]
