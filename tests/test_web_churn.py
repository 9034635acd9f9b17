"""The churn module's pages (``/churn/...``): the customers at risk, the win-back tasks and one task's
form, the backtest and the win-back figures; the profile's panel and the dashboard's cards; each
role as the API's scopes allow, 404 where the module is off or the object is another workspace's,
bad input re-rendered with field errors and nothing written, CSRF on every form, Chinese, and
statements that do not grow with the rows.

Scores and tasks are written as the scoring writes them (the rows of ``churn_scores`` and
``churn_tasks``), so each page is tested on figures it is given; the scoring is tests/test_churn*.py's.
Tests whose outcome cannot depend on the database run on SQLite only; isolation and what a refused
form leaves behind on both."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid

import pytest
import sqlalchemy as sa

from saas.testing import CSRF_INPUT
from tests.test_web_dashboard import PASSWORD, signed_in_as

one_database = pytest.mark.one_database
TODAY = dt.datetime.now(dt.timezone.utc).date()
OVERDUE = {"code": "overdue", "share": 0.7, "figures": {"days": 75, "interval": 30}}
FEWER = {"code": "fewer_purchases", "share": 0.3, "figures": {"recent": 1, "before": 4}}


@pytest.fixture
def shop(sign_up):
    tenant = sign_up(settings={"locale": "en"})
    tenant.enable("churn")
    return tenant


def in_tenant(app, tenant, work):
    from saas.core.db import db
    from saas.core.tenancy import tenant_context

    with app.app_context(), tenant_context(tenant.id):
        result = work(db.session)
        db.session.commit()
        return result


def scored(app, tenant, customer: dict, score: int, level: str, reasons=(OVERDUE, FEWER)) -> None:
    """The customer's score row, as the scoring writes it."""
    from plugins.churn.models import Level, Score

    in_tenant(app, tenant, lambda session: session.add(Score(
        customer_id=uuid.UUID(customer["id"]), score=score, level=Level(level), reasons=list(reasons),
        reason=reasons[0]["code"] if reasons else None)))


def task(app, tenant, customer: dict, **fields) -> str:
    """A win-back task row, as the warning opens it; its id."""
    from plugins.churn.models import Task, TaskStatus

    def add(session):
        if isinstance(fields.get("owner_id"), str):
            fields["owner_id"] = uuid.UUID(fields["owner_id"])
        row = Task(customer_id=uuid.UUID(customer["id"]), due_on=fields.pop("due_on", TODAY + dt.timedelta(days=3)),
                   score=fields.pop("score", 80), reasons=fields.pop("reasons", [OVERDUE, FEWER]),
                   status=TaskStatus(fields.pop("status", "open")), **fields)
        session.add(row)
        session.flush()
        return str(row.id)

    return in_tenant(app, tenant, add)


def task_row(app, tenant, task_id: str) -> dict:
    """The task's columns as they are now."""
    from plugins.churn.models import Task

    return in_tenant(app, tenant, lambda session: dict(session.execute(
        sa.select(Task.__table__).where(Task.id == uuid.UUID(task_id))).mappings().one()))


def sentence(app, tenant, reason: dict, locale: str = "en") -> str:
    """What the model's sentences say of ``reason`` (plugins/churn/reasons.py), as a page shows it."""
    from flask_babel import force_locale

    from plugins.churn.pages.wording import sentence as worded
    from saas.core.tenancy import tenant_context

    with app.test_request_context(), tenant_context(tenant.id), force_locale(locale):
        return html.escape(worded(reason), quote=False)


def post(browser, path: str, data: dict, token_from: str = "/churn/"):
    """POST ``data`` with the session's CSRF token, as the page's form sends it."""
    token = CSRF_INPUT.search(browser.get(token_from).get_data(as_text=True)).group(1)
    return browser.post(path, data={**data, "csrf_token": token})


def text(response) -> str:
    return response.get_data(as_text=True)


def member(app, tenant, role: str, team: str | None = None):
    email = f"{role}-{uuid.uuid4().hex[:6]}@{tenant.tenant['slug']}.example"
    body = {"email": email, "password": PASSWORD, "role": role, **({"team": team} if team else {})}
    response = tenant.post("/api/v1/members", json=body)
    assert response.status_code == 201, response.json
    return signed_in_as(app, email), response.json["user_id"]


def field_error(page: str, field: str) -> list[str]:
    return re.findall(rf'<p class="field-error" id="{re.escape(field)}-error">(.*?)</p>', page)


def listed(page: str) -> list[str]:
    """The customers' names in the at-risk table, in order."""
    return [html.unescape(name) for name in re.findall(r'<th scope="row"><a href="/customers/[^"]+">([^<]+)</a></th>', page)]


# -- the customers at risk -------------------------------------------------------------------------


@one_database
def test_the_list_shows_the_customers_at_risk_highest_first_with_their_main_reason_and_a_link(app, shop):
    high, medium, low = (shop.customer(name=name) for name in ("Ms High", "Mr Medium", "Low Ltd"))
    scored(app, shop, high, 82, "high")
    scored(app, shop, medium, 55, "medium", reasons=[FEWER])
    scored(app, shop, low, 10, "low")
    page = shop.signed_in().get("/churn/")
    assert page.status_code == 200
    html_ = text(page)
    assert listed(html_) == ["Ms High", "Mr Medium"]  # "at risk": high and medium unless asked
    row = re.search(rf'<tr data-customer="{high["id"]}">(.*?)</tr>', html_, re.S).group(1)
    assert f'<a href="/customers/{high["id"]}">Ms High</a>' in row and '<td class="number">82</td>' in row
    assert "High risk" in row and sentence(app, shop, OVERDUE) in row
    assert sentence(app, shop, FEWER) in re.search(rf'<tr data-customer="{medium["id"]}">(.*?)</tr>', html_, re.S).group(1)
    assert '<a href="/churn/" aria-current="page">Churn warnings</a>' in html_  # the module's menu entry


@one_database
def test_the_list_filters_by_level_tier_owner_and_main_reason_and_pushes_the_url(app, shop):
    browser, agent_id = member(app, shop, "agent")
    mine = shop.customer(name="Agent's customer", owner_id=agent_id)
    other = shop.customer(name="Nobody's customer")
    low = shop.customer(name="Calm customer", owner_id=agent_id)
    scored(app, shop, mine, 75, "high", reasons=[OVERDUE, FEWER])
    scored(app, shop, other, 45, "medium", reasons=[FEWER, OVERDUE])
    scored(app, shop, low, 12, "low", reasons=[FEWER])
    owner = shop.signed_in()
    assert listed(text(owner.get("/churn/?level=medium"))) == ["Nobody's customer"]
    assert listed(text(owner.get("/churn/?level=low"))) == ["Calm customer"]
    assert listed(text(owner.get(f"/churn/?owner_id={agent_id}"))) == ["Agent's customer"]
    assert listed(text(owner.get("/churn/?reason=fewer_purchases"))) == ["Nobody's customer"]  # the main reason
    assert listed(text(owner.get("/churn/?reason=overdue&level=high"))) == ["Agent's customer"]
    assert listed(text(owner.get("/churn/?tier=core"))) == []  # no one is classified core
    assert listed(text(owner.get("/churn/?level=&tier=&owner_id=&reason="))) == ["Agent's customer", "Nobody's customer"]
    fragment = owner.get("/churn/?level=medium&tier=&reason=", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert fragment.headers["HX-Push-Url"] == "/churn/?level=medium"  # the URL without the empty fields
    assert "<html" not in text(fragment) and '<section class="card" id="churn-results"' in text(fragment)
    form = text(owner.get("/churn/?level=medium"))
    assert 'hx-push-url="true"' in form and '<option value="medium" selected>' in form


@one_database
def test_a_filter_the_api_would_refuse_answers_400_with_the_field_named(shop):
    page = shop.signed_in().get("/churn/?level=extreme&reason=astrology")
    assert page.status_code == 400
    assert re.search(r"<li>Level: .+</li>", text(page)) and re.search(r"<li>Main reason: .+</li>", text(page))


@one_database
def test_the_list_is_keyset_paged(app, shop):
    customers = [shop.customer(name=f"Customer {n:02}") for n in range(7)]
    for n, customer in enumerate(customers):
        scored(app, shop, customer, 90 - n, "high")
    browser = shop.signed_in()
    first = text(browser.get("/churn/?limit=5"))
    assert listed(first) == [f"Customer {n:02}" for n in range(5)]
    following = html.unescape(re.search(r'<a href="([^"]+)"[^>]* rel="next">Next page</a>', first).group(1))
    assert listed(text(browser.get(following))) == ["Customer 05", "Customer 06"]
    assert browser.get("/churn/?cursor=nonsense").status_code == 400


# -- who may open what ------------------------------------------------------------------------------

PAGES = ("/churn/", "/churn/tasks", "/churn/backtest", "/churn/kpis")


@one_database
@pytest.mark.parametrize("path", [*PAGES, "/churn/tasks/{task}"])
def test_a_workspace_without_the_module_gets_a_404_page_and_no_menu_entry(app, sign_up, path):
    tenant = sign_up(settings={"locale": "en"})
    tenant.enable("churn")
    customer = tenant.customer()
    task_id = task(app, tenant, customer)
    assert tenant.put("/api/v1/modules/churn", json={"enabled": False}).status_code == 200
    browser = tenant.signed_in()
    response = browser.get(path.format(task=task_id))
    assert response.status_code == 404 and "<html" in text(response)
    assert 'href="/churn/"' not in text(browser.get("/"))
    assert "Churn warning" not in text(browser.get(f"/customers/{customer['id']}"))
    assert post(browser, f"/churn/tasks/{task_id}", {"status": "contacted"}, token_from="/").status_code == 404
    assert task_row(app, tenant, task_id)["status"] == "open"


@one_database
def test_a_visitor_is_sent_to_sign_in(client, shop):
    response = client.get("/churn/tasks")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# what each role gets: (working their own task, working another's, running a backtest)
ROLES = {"viewer": (403, 403, 403), "agent": (303, 403, 403), "manager": (303, 303, 303),
         "admin": (303, 303, 303), "owner": (303, 303, 303)}


@one_database
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_every_page_and_changes_what_the_api_s_scopes_allow(app, shop, role):
    if role == "owner":
        browser, user_id = shop.signed_in(), shop.user["id"]
    else:
        browser, user_id = member(app, shop, role)
    theirs, others = shop.customer(name="Ms Wang"), shop.customer(name="Mr Li")
    scored(app, shop, theirs, 80, "high")
    own_task, other_task = task(app, shop, theirs, owner_id=uuid.UUID(user_id)), task(app, shop, others)
    for path in (*PAGES, f"/churn/tasks/{own_task}", f"/churn/tasks/{other_task}"):
        assert browser.get(path).status_code == 200, path
    own, another, backtesting = ROLES[role]
    assert ('id="work-heading"' in text(browser.get(f"/churn/tasks/{own_task}"))) is (own == 303)
    assert ('id="work-heading"' in text(browser.get(f"/churn/tasks/{other_task}"))) is (another == 303)
    assert ("Run the backtest" in text(browser.get("/churn/backtest"))) is (backtesting == 303)
    assert post(browser, f"/churn/tasks/{own_task}", {"status": "contacted"}).status_code == own
    assert post(browser, f"/churn/tasks/{other_task}", {"status": "contacted"}).status_code == another
    assert task_row(app, shop, own_task)["status"] == ("contacted" if own == 303 else "open")
    assert task_row(app, shop, other_task)["status"] == ("contacted" if another == 303 else "open")
    assert post(browser, "/churn/backtest", {"cutoff": "2026-01-01", "horizon_days": "abc"}).status_code == (
        422 if backtesting == 303 else 403)


@one_database
def test_every_form_needs_the_csrf_token(app, shop):
    task_id = task(app, shop, shop.customer())
    browser = shop.signed_in()
    assert browser.post(f"/churn/tasks/{task_id}", data={"status": "lost"}).status_code == 400
    assert browser.post("/churn/backtest", data={"cutoff": "2026-01-01", "horizon_days": "90"}).status_code == 400
    assert task_row(app, shop, task_id)["status"] == "open"


# -- the win-back tasks ----------------------------------------------------------------------------


def tasks_listed(page: str) -> list[str]:
    return [html.unescape(name) for name in
            re.findall(r'<tr data-task="[^"]+">\s*<th scope="row"><a href="/customers/[^"]+">([^<]+)</a>', page)]


@one_database
def test_each_role_starts_on_its_own_work_mine_my_team_s_or_all(app, shop):
    agent, agent_id = member(app, shop, "agent", team="North")
    manager, manager_id = member(app, shop, "manager", team="North")
    _, outsider_id = member(app, shop, "agent", team="South")
    for days, (name, owner) in enumerate((("Agent's", agent_id), ("South's", outsider_id), ("Manager's", manager_id))):
        task(app, shop, shop.customer(name=name), owner_id=owner, due_on=TODAY + dt.timedelta(days=days))
    assert tasks_listed(text(agent.get("/churn/tasks"))) == ["Agent's"]
    assert tasks_listed(text(manager.get("/churn/tasks"))) == ["Agent's", "Manager's"]
    assert tasks_listed(text(shop.signed_in().get("/churn/tasks"))) == ["Agent's", "South's", "Manager's"]
    assert tasks_listed(text(agent.get("/churn/tasks?whose=all"))) == ["Agent's", "South's", "Manager's"]
    assert tasks_listed(text(agent.get("/churn/tasks?whose=team"))) == ["Agent's", "Manager's"]
    assert agent.get("/churn/tasks?whose=everybody").status_code == 400


@one_database
def test_the_task_list_shows_open_work_soonest_due_first_and_closed_work_when_asked(app, shop):
    late = task(app, shop, shop.customer(name="Late"), due_on=TODAY - dt.timedelta(days=2))
    task(app, shop, shop.customer(name="Soon"), due_on=TODAY + dt.timedelta(days=1))
    task(app, shop, shop.customer(name="Back"), status="won_back", won_back_amount=1200,
         closed_at=dt.datetime.now(dt.timezone.utc))
    task(app, shop, shop.customer(name="Gone"), status="lost", reason="price_competition")
    browser = shop.signed_in()
    page = text(browser.get("/churn/tasks"))
    assert tasks_listed(page) == ["Late", "Soon"]
    assert re.search(rf'<tr data-task="{late}">.*?Overdue', page, re.S)
    closed = text(browser.get("/churn/tasks?status=won_back&status=lost"))
    assert tasks_listed(closed) == ["Back", "Gone"] and "Price or competition" in closed
    first = text(browser.get("/churn/tasks?limit=1"))  # keyset paged by due day
    following = html.unescape(re.search(r'<a href="([^"]+)"[^>]* rel="next">Next page</a>', first).group(1))
    assert tasks_listed(first) == ["Late"] and tasks_listed(text(browser.get(following))) == ["Soon"]
    fragment = browser.get("/churn/tasks?status=lost", headers={"HX-Request": "true"})
    assert tasks_listed(text(fragment)) == ["Gone"] and "<html" not in text(fragment)


@one_database
def test_a_task_is_worked_from_its_page_reason_note_and_offer_kept(app, shop):
    customer = shop.customer(name="Ms Wang")
    scored(app, shop, customer, 78, "high")
    task_id = task(app, shop, customer)
    browser = shop.signed_in()
    path = f"/churn/tasks/{task_id}"
    page = text(browser.get(path))
    assert sentence(app, shop, OVERDUE) in page and sentence(app, shop, FEWER) in page  # why the warning
    assert "<dt>Assigned to</dt><dd>—</dd>" in page
    owned = text(browser.get(f"/churn/tasks/{task(app, shop, shop.customer(), owner_id=shop.user['id'])}"))
    assert f"<dt>Assigned to</dt><dd>{shop.user['email']}</dd>" in owned  # a person without a name: their e-mail
    done = post(browser, path, {"status": "offer_made", "reason": "price_competition",
                                "reason_note": "A competitor offered 8% less", "offer": "9% off the next order"},
                token_from=path)
    assert done.status_code == 303 and done.headers["Location"].endswith(path)
    row = task_row(app, shop, task_id)
    assert (row["status"], row["reason"], row["reason_note"], row["offer"]) == (
        "offer_made", "price_competition", "A competitor offered 8% less", "9% off the next order")
    page = text(browser.get(path))
    assert "The task is saved." in page
    assert '<dd id="task-reason">Price or competition: A competitor offered 8% less</dd>' in page


def test_a_bad_task_form_shows_its_field_errors_and_writes_nothing(app, shop):
    task_id = task(app, shop, shop.customer())
    browser = shop.signed_in()
    path = f"/churn/tasks/{task_id}"
    page = post(browser, path, {"status": "vanished", "reason": "astrology", "offer": "x" * 501}, token_from=path)
    assert page.status_code == 422
    assert field_error(text(page), "status") == ["Choose one of the statuses offered."]
    assert field_error(text(page), "reason") == ["Choose one of the reasons offered."]
    assert field_error(text(page), "offer") == ["At most 500 characters."]
    assert 'value="xxxx' in text(page)  # what was typed stays
    page = post(browser, path, {"status": "contacted", "reason_note": "a\x00b"}, token_from=path)
    assert page.status_code == 422 and field_error(text(page), "reason_note") == ["This cannot contain a NUL character."]
    row = task_row(app, shop, task_id)
    assert (row["status"], row["reason"], row["offer"], row["reason_note"]) == ("open", None, None, None)


def test_a_manager_hands_a_task_on_and_moves_its_due_date_from_its_page_and_the_new_assignee_is_told(app, shop):
    from saas.core.notifications import Notification

    agent, agent_id = member(app, shop, "agent")
    task_id = task(app, shop, shop.customer(name="Ms Li"), owner_id=shop.user["id"])
    browser, path = shop.signed_in(), f"/churn/tasks/{task_id}"
    page = text(browser.get(path))
    assert f'<option value="{agent_id}">' in page and 'id="due_on"' in page
    later = TODAY + dt.timedelta(days=10)
    done = post(browser, path, {"status": "open", "owner_id": agent_id, "due_on": later.isoformat()}, token_from=path)
    assert done.status_code == 303, text(done)
    row = task_row(app, shop, task_id)
    assert (str(row["owner_id"]), row["due_on"]) == (agent_id, later)
    told = in_tenant(app, shop, lambda session: session.scalars(sa.select(Notification.link).where(
        Notification.user_id == uuid.UUID(agent_id), Notification.kind == "churn.tasks_handed")).all())
    assert told == [path]
    refused = post(browser, path, {"status": "open", "owner_id": str(uuid.uuid4()), "due_on": "2026-02-30"},
                   token_from=path)
    assert refused.status_code == 422 and field_error(text(refused), "due_on")
    assert (str(task_row(app, shop, task_id)["owner_id"]), task_row(app, shop, task_id)["due_on"]) == (agent_id, later)
    # the agent works it now, and may move its date, not hand it on
    mine = text(agent.get(path))
    assert 'id="due_on"' in mine and 'id="owner_id"' not in mine
    assert post(agent, path, {"status": "contacted", "owner_id": shop.user["id"]}, token_from=path).status_code == 303
    assert str(task_row(app, shop, task_id)["owner_id"]) == agent_id


def test_saving_a_task_whose_assignee_left_hands_it_to_nobody_else_unless_chosen(app, shop):
    from saas.core.accounts import Membership

    _agent, agent_id = member(app, shop, "agent")
    task_id = task(app, shop, shop.customer(), owner_id=agent_id)
    in_tenant(app, shop, lambda session: session.execute(  # left, and no handler handed the task on
        sa.delete(Membership).where(Membership.user_id == uuid.UUID(agent_id))))
    browser, path = shop.signed_in(), f"/churn/tasks/{task_id}"
    page = text(browser.get(path))
    assert f'<option value="{agent_id}" selected>Someone who left the workspace</option>' in page
    assert post(browser, path, {"status": "contacted", "owner_id": agent_id}, token_from=path).status_code == 303
    assert (str(task_row(app, shop, task_id)["owner_id"]), task_row(app, shop, task_id)["status"]) == (agent_id, "contacted")


def test_another_workspace_s_task_is_a_404_page_and_stays_as_it_was(app, shop, sign_up):
    other = sign_up(settings={"locale": "en"})
    other.enable("churn")
    theirs = task(app, other, other.customer(name="Their customer"))
    task(app, shop, shop.customer(name="My customer"))
    browser = shop.signed_in()
    assert browser.get(f"/churn/tasks/{theirs}").status_code == 404
    assert post(browser, f"/churn/tasks/{theirs}", {"status": "lost", "reason": "other"}).status_code == 404
    assert task_row(app, other, theirs)["status"] == "open"
    listing = text(browser.get("/churn/tasks?whose=all"))
    assert "My customer" in listing and "Their customer" not in listing


def test_the_at_risk_list_lists_only_its_own_workspace(app, shop, sign_up):
    other = sign_up(settings={"locale": "en"})
    other.enable("churn")
    scored(app, other, other.customer(name="Their risky customer"), 99, "high")
    scored(app, shop, shop.customer(name="My risky customer"), 71, "high")
    assert listed(text(shop.signed_in().get("/churn/"))) == ["My risky customer"]
    assert listed(text(shop.signed_in().get("/churn/?reason=overdue"))) == ["My risky customer"]


# -- the profile and the dashboard -----------------------------------------------------------------


@one_database
def test_the_profile_s_panel_gives_the_score_level_reasons_and_the_task_with_its_link(app, shop):
    customer = shop.customer(name="Ms Wang")
    browser = shop.signed_in()
    page = text(browser.get(f"/customers/{customer['id']}"))
    assert "Churn warning" in page and "Not scored yet" in page
    scored(app, shop, customer, 82, "high")
    task_id = task(app, shop, customer)
    page = text(browser.get(f"/customers/{customer['id']}"))
    assert "<dd>82 / 100</dd>" in page and "<dd>High risk</dd>" in page
    assert sentence(app, shop, OVERDUE) in page and f'<a href="/churn/tasks/{task_id}">' in page


@one_database
def test_the_dashboard_shows_the_customers_at_high_risk_and_this_month_s_win_back_rate(app, shop):
    from tests.test_web_dashboard import cards

    for n, level in enumerate(("high", "high", "medium", "low")):
        scored(app, shop, shop.customer(), 90 - 20 * n, level)
    closed = dt.datetime.now(dt.timezone.utc)
    for status in ("won_back", "lost", "lost", "won_back"):
        task(app, shop, shop.customer(), status=status, closed_at=closed, won_back_amount=100)
    task(app, shop, shop.customer())
    shown = cards(text(shop.signed_in().get("/")))
    assert (shown["churn.at_risk"], shown["churn.open_tasks"], shown["churn.win_back_rate"]) == ("2", "1", "50.0%")
    assert shown["churn.revenue_won_back"] == "CN¥200"  # the workspace's currency, as the core's money cards


# -- the backtest ----------------------------------------------------------------------------------


def test_a_bad_backtest_form_shows_its_field_errors_and_runs_nothing(app, shop):
    from plugins.churn.models import Backtest

    browser = shop.signed_in()
    page = post(browser, "/churn/backtest", {"cutoff": "someday", "horizon_days": "3"}, token_from="/churn/backtest")
    assert page.status_code == 422
    assert field_error(text(page), "cutoff") == ["Not a valid date."]
    assert field_error(text(page), "horizon_days")
    page = post(browser, "/churn/backtest", {"cutoff": "", "horizon_days": ""}, token_from="/churn/backtest")
    assert page.status_code == 422 and field_error(text(page), "cutoff")
    assert in_tenant(app, shop, lambda session: session.scalar(sa.select(sa.func.count()).select_from(Backtest))) == 0


@one_database
@pytest.mark.parametrize("results, kind, words", [
    ({"customers": 400, "churners": 120, "base_rate": 0.3, "rules": {"auc": 0.78, "precision_top10": 0.8, "precision_top20": 0.7},
      "recency": {"auc": 0.70, "precision_top10": 0.6, "precision_top20": 0.55}}, "trust", "better than plain recency: trust them"),
    ({"customers": 400, "churners": 120, "base_rate": 0.3, "rules": {"auc": 0.71, "precision_top10": 0.6, "precision_top20": 0.5},
      "recency": {"auc": 0.70, "precision_top10": 0.6, "precision_top20": 0.55}}, "doubt", "about as well as plain recency"),
    ({"customers": 400, "churners": 120, "base_rate": 0.3, "rules": {"auc": 0.62, "precision_top10": 0.4, "precision_top20": 0.4},
      "recency": {"auc": 0.70, "precision_top10": 0.6, "precision_top20": 0.55}}, "distrust", "worse than plain recency"),
    ({"customers": 30, "churners": 4, "base_rate": 0.13, "rules": {"auc": 0.95, "precision_top10": 1.0, "precision_top20": 0.5},
      "recency": {"auc": 0.70, "precision_top10": 0.3, "precision_top20": 0.3}}, "little", "Too little data to trust"),
])
def test_a_backtest_s_result_is_read_in_words_with_a_chart_and_its_figures(app, shop, results, kind, words):
    from plugins.churn.models import Backtest

    run = in_tenant(app, shop, lambda session: _added(session, Backtest(
        cutoff=dt.date(2026, 6, 1), horizon_days=90, status="done", results=results)))
    page = text(shop.signed_in().get(f"/churn/backtest?id={run}"))
    assert re.search(rf'<p class="verdict {kind}" id="verdict">[^<]*{re.escape(words)}', page)
    assert 'data-chart="backtest" role="img"' in page and "churn-charts.js" in page
    figures = re.findall(r'<tr data-method="(\w+)"><th scope="row">[^<]+</th>\s*<td>([^<]+)</td>', page)
    assert figures == [("rules", f"{results['rules']['auc']:.2f}"), ("recency", f"{results['recency']['auc']:.2f}")]


@one_database
def test_a_running_backtest_asks_for_its_result_until_it_is_done(app, shop):
    from plugins.churn.models import Backtest

    run = in_tenant(app, shop, lambda session: _added(session, Backtest(
        cutoff=dt.date(2026, 6, 1), horizon_days=90, status="running")))
    browser = shop.signed_in()
    page = text(browser.get(f"/churn/backtest?id={run}"))
    assert f'hx-get="/churn/backtest?id={run}" hx-trigger="every 2s"' in page
    assert "its result shows here when it is done" in page
    in_tenant(app, shop, lambda session: session.execute(sa.update(Backtest).values(status="done", results={})))
    page = text(browser.get(f"/churn/backtest?id={run}"))
    assert "hx-trigger" not in page and 'id="verdict"' in page


def _added(session, row) -> str:
    session.add(row)
    session.flush()
    return str(row.id)


def test_another_workspace_s_backtest_is_a_404_page(app, shop, sign_up):
    from plugins.churn.models import Backtest

    other = sign_up(settings={"locale": "en"})
    other.enable("churn")
    theirs = in_tenant(app, other, lambda session: _added(session, Backtest(
        cutoff=dt.date(2026, 6, 1), horizon_days=90, status="done", results={})))
    assert shop.signed_in().get(f"/churn/backtest?id={theirs}").status_code == 404
    assert shop.signed_in().get("/churn/backtest?id=not-an-id").status_code == 404


# -- language and cost -----------------------------------------------------------------------------


@one_database
def test_a_chinese_workspace_sees_the_pages_in_chinese(app, sign_up):
    tenant = sign_up()  # zh_CN by default
    tenant.enable("churn")
    customer = tenant.customer(name="王女士")
    scored(app, tenant, customer, 80, "high")
    task_id = task(app, tenant, customer)
    browser = tenant.signed_in()
    page = text(browser.get("/churn/"))
    assert "<h1>流失风险客户</h1>" in page and "高风险" in page and sentence(app, tenant, OVERDUE, "zh_Hans_CN") in page
    assert "<h1>客户挽回任务</h1>" in text(browser.get("/churn/tasks"))
    path = f"/churn/tasks/{task_id}"
    refused = post(browser, path, {"status": "vanished"}, token_from=path)
    assert field_error(text(refused), "status") == ["请选择列出的状态之一。"]
    assert "价格或竞争" in text(browser.get(path)) and "<dt>负责人</dt>" in text(browser.get(path))


@one_database
@pytest.mark.parametrize("path", ["/churn/", "/churn/tasks?whose=all"])
def test_a_page_runs_as_many_statements_for_50_rows_as_for_5(app, sign_up, count_queries, path):
    counts = []
    for many in (5, 50):
        tenant = sign_up(settings={"locale": "en"})
        tenant.enable("churn")
        for n in range(many):
            customer = tenant.customer()
            scored(app, tenant, customer, 50 + n % 50, "high" if n % 2 else "medium")
            task(app, tenant, customer)
        browser = tenant.signed_in()
        assert browser.get(path).status_code == 200
        with count_queries() as statements:
            assert browser.get(path).status_code == 200
        counts.append(statements())
    assert counts[0] == counts[1]
