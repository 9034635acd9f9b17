"""The churn module's core (plugins/churn): scoring a known workspace, levels by the settings'
thresholds, the warning raised once with one open win-back task for the owner (or the team's
manager), won back by a purchase, KPIs, handlers idempotent on the event id, the module off, and bad
input refused with nothing written."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from saas.core.db import db
from saas.core.outbox import Event, OutboxEvent
from saas.core.plugins import installed
from saas.testing import table_problems
from saas.testing.events import redeliver
from tests.churn_helpers import NOW, buy, enable, inside, talk

from plugins.churn import scoring
from plugins.churn.models import Signal, Task


def drifting(tenant, amount: str = "200.00", **fields) -> dict:
    """A customer who bought every 30 days for a year, then stopped 300 days ago: high risk."""
    customer = tenant.customer(**fields)
    for days in range(660, 299, -30):
        buy(tenant, customer["id"], amount, days)
    return customer


def steady(tenant, **fields) -> dict:
    """Bought every 20 days up to 5 days ago: low risk."""
    customer = tenant.customer(**fields)
    for days in range(245, 4, -20):
        buy(tenant, customer["id"], "100.00", days)
    return customer


def rescore(tenant) -> None:
    response = tenant.post("/api/v1/churn/score")
    assert response.status_code == 202, response.json


def score(tenant, customer) -> dict:
    response = tenant.get(f"/api/v1/churn/customers/{customer['id']}")
    assert response.status_code == 200, response.json
    return response.json


def events(tenant, name: str) -> list[dict]:
    with inside(tenant):
        return [row.data for row in db.session.scalars(
            sa.select(OutboxEvent).where(OutboxEvent.type == name).order_by(OutboxEvent.occurred_at))]


def open_tasks(tenant) -> list[dict]:
    return tenant.get("/api/v1/churn/tasks?open=true").json["items"]


def test_its_tables_follow_the_rules_for_module_tables(app):
    assert table_problems(app, "churn") == []


def test_scores_levels_and_reasons_of_a_small_known_workspace(tenant_a):
    enable(tenant_a)
    gone, fine = drifting(tenant_a), steady(tenant_a)
    rescore(tenant_a)
    high, low = score(tenant_a, gone), score(tenant_a, fine)
    assert high["level"] == "high" and high["score"] >= 70
    assert low["level"] == "low" and low["score"] < 40
    assert [reason["code"] for reason in high["reasons"]] == ["overdue"]  # nothing in the last 180 days
    assert abs(sum(reason["share"] for reason in high["reasons"]) - 1) < 1e-3
    overdue = high["reasons"][0]
    assert overdue["figures"] == {"days": 300, "interval": 30}
    assert "300" in overdue["text"] and "30" in overdue["text"]
    assert high["model_used"] is False and high["p_alive"] is None  # two customers: not enough data
    listed = tenant_a.get("/api/v1/churn/at-risk").json["items"]
    assert [item["customer_id"] for item in listed] == [gone["id"]]
    assert listed[0]["score"] == high["score"] and listed[0]["level"] == "high"
    assert tenant_a.get("/api/v1/churn/at-risk?level=low").json["items"][0]["customer_id"] == fine["id"]
    assert tenant_a.get("/api/v1/churn/at-risk?reason=low_survey").json["items"] == []


def test_the_settings_thresholds_and_weights_decide(tenant_a):
    enable(tenant_a, thresholds={"medium": 5, "high": 99})
    gone = drifting(tenant_a)
    rescore(tenant_a)
    assert score(tenant_a, gone)["level"] == "medium"
    enable(tenant_a, weights={"overdue": 0, "fewer_purchases": 0, "less_spend": 0})
    rescore(tenant_a)
    switched = score(tenant_a, gone)
    assert switched["score"] == 0 and switched["reasons"] == [] and switched["level"] == "low"


def test_crossing_into_high_raises_once_and_opens_one_task_for_the_owner(tenant_a):
    owner = tenant_a.user["id"]
    gone = drifting(tenant_a, owner_id=owner)  # its history recorded before the module is on
    enable(tenant_a)
    rescore(tenant_a)
    rescore(tenant_a)  # still high: no second warning, no second task
    raised = events(tenant_a, "churn.risk_raised")
    assert len(raised) == 1 and raised[0]["customer_id"] == gone["id"] and raised[0]["level"] == "high"
    assert raised[0]["reasons"][0]["code"] == "overdue"
    [task] = open_tasks(tenant_a)
    assert (task["customer_id"], task["owner_id"], task["status"]) == (gone["id"], owner, "open")
    assert task["id"] == raised[0]["task_id"] and task["reason"] is None
    assert dt.date.fromisoformat(task["due_on"]) > NOW.date() - dt.timedelta(days=1)
    [todo] = [item for item in tenant_a.get("/api/v1/todo").json["items"] if item["kind"] == "churn.winback"]
    assert (todo["customer_id"], todo["link"]) == (gone["id"], f"/customers/{gone['id']}")
    assert todo["key"] == f"churn.winback:{task['id']}" and gone["name"] in todo["title"]
    [note] = [n for n in tenant_a.get("/api/v1/notifications").json["items"] if n["kind"] == "churn.risk_raised"]
    assert note["link"] == f"/customers/{gone['id']}" and gone["name"] in note["title"]
    assert task["due_on"] in note["body"]


def test_a_task_never_opens_twice_for_one_customer(tenant_a):
    gone = drifting(tenant_a)
    enable(tenant_a)
    rescore(tenant_a)
    with inside(tenant_a):  # another scoring that believed the customer was not high yet
        from plugins.churn import tasks
        [task] = db.session.scalars(sa.select(Task)).all()
        again = tasks.Raised(task.customer_id, 80, "high", [], None, None)
        assert tasks.raise_for([again]) == 0
        db.session.commit()
    assert len(tenant_a.get("/api/v1/churn/tasks").json["items"]) == 1
    assert len(events(tenant_a, "churn.risk_raised")) == 2  # the second scoring's warning, still no task
    assert open_tasks(tenant_a)[0]["customer_id"] == gone["id"]


def test_a_customer_without_an_owner_goes_to_its_team_s_manager(tenant_a):
    invite(tenant_a, "manager", team="华北")
    manager = invite(tenant_a, "manager", team="华东")
    drifting(tenant_a, team="华东")
    enable(tenant_a)
    rescore(tenant_a)
    [task] = open_tasks(tenant_a)
    assert task["owner_id"] == manager


def test_a_person_who_leaves_hands_their_open_tasks_on_once(tenant_a):
    from saas.core.notifications import Notification
    manager, agent = invite(tenant_a, "manager", team="华东"), invite(tenant_a, "agent", team="华东")
    drifting(tenant_a, owner_id=agent)  # a customer without a team: the agent's team's manager takes it
    enable(tenant_a)
    rescore(tenant_a)
    [task] = open_tasks(tenant_a)
    assert task["owner_id"] == agent
    [member] = [m for m in tenant_a.get("/api/v1/members").json["items"] if m["user_id"] == agent]
    assert tenant_a.delete(f"/api/v1/members/{member['id']}").status_code == 204
    assert [t["owner_id"] for t in open_tasks(tenant_a)] == [manager]  # the team's manager has it now
    redeliver(tenant_a, "churn", "member.removed")
    assert [t["owner_id"] for t in open_tasks(tenant_a)] == [manager]
    with inside(tenant_a):
        told = db.session.scalars(sa.select(Notification).where(
            Notification.user_id == uuid.UUID(manager), Notification.kind == "churn.tasks_handed")).all()
    assert len(told) == 1 and told[0].params == {"count": 1}


def test_tasks_of_people_who_left_while_the_module_was_off_are_handed_on_when_it_is_turned_on(tenant_a):
    agent, manager = invite(tenant_a, "agent", team="华南"), invite(tenant_a, "manager", team="华南")
    drifting(tenant_a, owner_id=agent, team="华南")
    enable(tenant_a)
    rescore(tenant_a)
    assert tenant_a.put("/api/v1/modules/churn", json={"enabled": False}).status_code == 200
    [member] = [m for m in tenant_a.get("/api/v1/members").json["items"] if m["user_id"] == agent]
    assert tenant_a.delete(f"/api/v1/members/{member['id']}").status_code == 204
    enable(tenant_a)
    assert [t["owner_id"] for t in open_tasks(tenant_a)] == [manager]


def invite(tenant, role: str, team: str | None = None) -> str:
    response = tenant.post("/api/v1/members", json={
        "email": f"{role}-{uuid.uuid4().hex[:6]}@{tenant.tenant['slug']}.example", "password": "a long enough password",
        "role": role, "team": team, "name": role.title()})
    assert response.status_code == 201, response.json
    return response.json["user_id"] if "user_id" in response.json else response.json["id"]


def test_a_purchase_after_the_task_opened_wins_it_back_once(tenant_a):
    enable(tenant_a)
    gone = drifting(tenant_a)
    rescore(tenant_a)
    [task] = open_tasks(tenant_a)
    buy(tenant_a, gone["id"], "388.00", days_ago=400)  # made before the task opened: no win-back
    assert open_tasks(tenant_a)[0]["id"] == task["id"]
    bought = buy(tenant_a, gone["id"], "388.00", at=dt.datetime.now(dt.timezone.utc))
    won = tenant_a.get(f"/api/v1/churn/tasks/{task['id']}").json
    assert (won["status"], won["won_back_amount"], won["won_back_purchase_id"]) == ("won_back", "388.00", bought["id"])
    redeliver(tenant_a, "churn", "purchase.recorded")  # the same event again: nothing more
    assert tenant_a.get(f"/api/v1/churn/tasks/{task['id']}").json == won
    assert len(events(tenant_a, "churn.task_closed")) == 1
    [row] = [r for r in tenant_a.get("/api/v1/churn/kpis?months=1").json["items"] if r["tier"] == "all"]
    assert (row["opened"], row["won_back"], row["win_back_rate"], row["revenue_won_back"]) == (1, 1, 1.0, "388.00")
    assert row["days_to_win_back"] == 0


def test_days_to_win_back_count_to_the_winning_purchase_not_to_when_it_was_recorded(tenant_a):
    enable(tenant_a)
    gone = drifting(tenant_a)
    rescore(tenant_a)
    [task] = open_tasks(tenant_a)
    with inside(tenant_a):  # the task opened ten days ago
        row = db.session.scalar(sa.select(Task).where(Task.id == uuid.UUID(task["id"])))
        row.opened_at -= dt.timedelta(days=10)
        db.session.commit()
    buy(tenant_a, gone["id"], "388.00", at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3))  # recorded today
    assert tenant_a.get(f"/api/v1/churn/tasks/{task['id']}").json["status"] == "won_back"
    [row] = [r for r in tenant_a.get("/api/v1/churn/kpis?months=1").json["items"] if r["tier"] == "all"]
    assert row["won_back"] == 1 and row["days_to_win_back"] == 7


def test_working_a_task_and_bad_input_written_nowhere(tenant_a):
    enable(tenant_a)
    drifting(tenant_a, owner_id=tenant_a.user["id"])
    rescore(tenant_a)
    [task] = open_tasks(tenant_a)
    path = f"/api/v1/churn/tasks/{task['id']}"
    for body, field in (({"status": "won_back"}, "status"), ({"status": "lost"}, "reason"),
                        ({"reason": "other"}, "reason_note"), ({"reason": "cheaper"}, "reason"),
                        ({"owner_id": str(uuid.uuid4())}, "owner_id"), ({"offer": "x" * 501}, "offer"),
                        ({"due_on": "0001-01-01"}, "due_on")):
        bad = tenant_a.patch(path, json=body)
        assert bad.status_code == 422, (body, bad.json)
        assert field in bad.json["error"]["fields"], (body, bad.json)
        assert tenant_a.get(path).json == task
    worked = tenant_a.patch(path, json={"status": "offer_made", "offer": "九折", "reason": "price_competition"})
    assert worked.status_code == 200 and worked.json["status"] == "offer_made"
    lost = tenant_a.patch(path, json={"status": "lost"})
    assert lost.status_code == 200 and lost.json["closed_at"] is not None
    assert tenant_a.patch(path, json={"status": "open"}).status_code == 409
    assert tenant_a.get(f"/api/v1/churn/tasks/{uuid.uuid4()}").status_code == 404
    assert tenant_a.get(f"/api/v1/churn/customers/{uuid.uuid4()}").status_code == 404
    for query in ("level=extreme", "tier=vip", "reason=bored", "owner_id=nope", "limit=0"):
        assert tenant_a.get(f"/api/v1/churn/at-risk?{query}").status_code == 400, query  # a bad query: 400
    assert tenant_a.get("/api/v1/churn/kpis?months=0").status_code == 400
    before = len(tenant_a.get("/api/v1/churn/backtests").json["items"])
    for body in ({}, {"cutoff": "yesterday"}, {"cutoff": NOW.date().isoformat()},
                 {"cutoff": "2026-01-01", "horizon_days": 3}, {"cutoff": "9999-12-31"}, {"cutoff": "0001-01-01"}):
        assert tenant_a.post("/api/v1/churn/backtests", json=body).status_code == 422, body
    assert len(tenant_a.get("/api/v1/churn/backtests").json["items"]) == before
    bad_settings = tenant_a.put("/api/v1/modules/churn", json={"settings": {
        "weights": {"overdue": 2, "bored": 0.1}, "thresholds": {"medium": 80, "high": 50}}})
    assert bad_settings.status_code == 422
    assert set(bad_settings.json["error"]["fields"]["settings"]) == {"weights", "thresholds"}


def signal_event(tenant, name: str, customer_id: str) -> Event:
    with inside(tenant):
        return Event(uuid.uuid4(), tenant.id, name, {"customer_id": customer_id}, NOW)


def handle(tenant, event: Event) -> None:
    from saas.core.accounts import Tenant
    with inside(tenant):
        installed().call_module("churn", "saas_handle_event", db.session.get(Tenant, tenant.id), event=event)
        db.session.commit()


@pytest.mark.parametrize("name, code", [("surveys.low_score", "low_survey"),
                                        ("complaints.breached", "complaint_breach"),
                                        ("visits.overdue", "missed_visits")])
def test_other_modules_events_are_signals_kept_once_per_event(tenant_a, name, code):
    enable(tenant_a)
    customer = steady(tenant_a)
    rescore(tenant_a)
    assert code not in [r["code"] for r in score(tenant_a, customer)["reasons"]]
    event = signal_event(tenant_a, name, customer["id"])
    handle(tenant_a, event)
    handle(tenant_a, event)  # redelivered: one signal
    with inside(tenant_a):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signal)) == 1
    reasons = score(tenant_a, customer)["reasons"]  # rescored at once
    assert code in [r["code"] for r in reasons]
    assert [r["figures"] for r in reasons if r["code"] == code] == [{"count": 1}]


def test_an_event_naming_another_workspace_s_customer_is_ignored(tenant_a, tenant_b):
    enable(tenant_a)
    theirs = tenant_b.customer()
    handle(tenant_a, signal_event(tenant_a, "surveys.low_score", theirs["id"]))
    handle(tenant_a, signal_event(tenant_a, "visits.overdue", "not a uuid"))
    with inside(tenant_a):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signal)) == 0


def test_an_interaction_rescores_the_customer_at_once(tenant_a):
    enable(tenant_a)
    customer = tenant_a.customer()
    talk(tenant_a, customer["id"], 100)
    talk(tenant_a, customer["id"], 120)
    buy(tenant_a, customer["id"], "10.00", 2)
    before = score(tenant_a, customer)
    talk(tenant_a, customer["id"], 1)
    after = score(tenant_a, customer)
    assert after["scored_at"] > before["scored_at"]


def test_without_the_module_404_and_no_tasks(tenant_a, tenant_b):
    enable(tenant_a)
    drifting(tenant_a)
    theirs = drifting(tenant_b)
    rescore(tenant_a)
    for path in ("/at-risk", "/tasks", "/kpis", "/backtests", f"/customers/{theirs['id']}"):
        assert tenant_b.get("/api/v1/churn" + path).status_code == 404, path
    assert tenant_b.post("/api/v1/churn/score").status_code == 404
    with inside(tenant_b):
        scoring_nightly_touches = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
    assert scoring_nightly_touches == 0
    from plugins.churn.plugin import nightly
    with tenant_a.client.application.app_context():
        nightly()
    with inside(tenant_b):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0
    assert len(tenant_a.get("/api/v1/churn/tasks").json["items"]) == 1
    assert tenant_a.get(f"/api/v1/churn/customers/{theirs['id']}").status_code == 404


def test_the_nightly_scoring_is_scheduled_and_set_based(tenant_a, count_queries):
    for _ in range(3):
        drifting(tenant_a)
    enable(tenant_a)
    with inside(tenant_a):
        outcome = scoring.rescore()
        db.session.commit()
        schedules = [s.name for s in installed().schedules()]
    assert outcome.customers == 3 and outcome.raised == 3 and outcome.tasks_opened == 3
    assert "churn.nightly" in schedules
    counted = []
    for more in (2, 6):
        for _ in range(more):
            steady(tenant_a)
        with inside(tenant_a), count_queries() as queries:
            outcome = scoring.rescore()
            db.session.commit()
        counted.append((outcome.customers, queries()))
    assert [customers for customers, _ in counted] == [5, 11]
    assert counted[0][1] == counted[1][1]  # as many statements for twice the customers


def test_a_workspace_read_in_several_chunks_is_scored_once_and_warns_each_crossing_once(tenant_a, monkeypatch):
    """One statement for the workspace, read a chunk at a time while each chunk's scores are
    written on the same connection (a server-side cursor on PostgreSQL)."""
    from plugins.churn import figures
    monkeypatch.setattr(figures, "CHUNK", 2)
    gone = {drifting(tenant_a)["id"] for _ in range(3)}
    for _ in range(4):
        steady(tenant_a)
    enable(tenant_a)
    with inside(tenant_a):
        first = scoring.rescore()
        again = scoring.rescore()
        db.session.commit()
    assert (first.customers, first.raised, first.tasks_opened) == (7, 3, 3)
    assert (again.customers, again.raised, again.tasks_opened) == (7, 0, 0)
    assert sorted(event["customer_id"] for event in events(tenant_a, "churn.risk_raised")) == sorted(gone)
    assert {task["customer_id"] for task in open_tasks(tenant_a)} == gone
    levels = {item["customer_id"]: item["level"] for item in tenant_a.get("/api/v1/churn/at-risk?level=low").json["items"]}
    assert len(levels) == 4 and not gone & levels.keys()


def test_report_cards(tenant_a):
    drifting(tenant_a, "90000.00"), drifting(tenant_a, "1.00")
    enable(tenant_a)
    rescore(tenant_a)
    cards = {card["key"]: card for card in tenant_a.get("/api/v1/reports/cards").json["items"]
             if card["module"] == "churn"}
    assert cards["at_risk"]["value"] == 2 and cards["open_tasks"]["value"] == 2
    assert cards["revenue_won_back"]["value"] == 0 and cards["win_back_rate"]["value"] is None
    dashboard = tenant_a.signed_in().get("/")  # nothing closed this month: a dash, not a 500
    assert dashboard.status_code == 200 and 'data-card="churn.win_back_rate"' in dashboard.get_data(as_text=True)


def test_a_backtest_whose_job_was_lost_reads_as_failed_once_past_its_time_limit(tenant_a):
    from plugins.churn.models import Backtest
    enable(tenant_a)
    now = dt.datetime.now(dt.timezone.utc)
    ago = (lambda **delta: now - dt.timedelta(**delta))
    runs = {  # (asked for, begun): its job lost after it began, or before; one queued, one computing
        "begun long ago": (ago(hours=3), ago(hours=2)), "never begun": (ago(days=2), None),
        "queued": (ago(hours=2), None), "computing": (ago(hours=2), ago(minutes=5))}
    with inside(tenant_a):
        ids = {}
        for name, (asked, begun) in runs.items():
            row = Backtest(cutoff=(NOW - dt.timedelta(days=200)).date(), horizon_days=90, status="running",
                           created_at=asked, started_at=begun)
            db.session.add(row)
            db.session.flush()
            ids[str(row.id)] = name
        db.session.commit()
    listed = {ids[b["id"]]: b["status"] for b in tenant_a.get("/api/v1/churn/backtests").json["items"]}
    assert listed == {"begun long ago": "failed", "never begun": "failed", "queued": "running", "computing": "running"}
    one = next(i for i, name in ids.items() if name == "computing")
    assert tenant_a.get(f"/api/v1/churn/backtests/{one}").json["started_at"] is not None


def test_a_backtest_judges_the_score_against_who_then_bought_nothing(tenant_a):
    for _ in range(3):
        steady(tenant_a)
    for _ in range(2):
        drifting(tenant_a)
    tenant_a.customer()  # never bought: not judged
    enable(tenant_a)
    cutoff = (NOW - dt.timedelta(days=120)).date()
    made = tenant_a.post("/api/v1/churn/backtests", json={"cutoff": cutoff.isoformat(), "horizon_days": 90})
    assert made.status_code == 202, made.json
    done = tenant_a.get(f"/api/v1/churn/backtests/{made.json['id']}").json
    assert done["status"] == "done" and done["started_at"] is not None, done
    results = done["results"]
    assert (results["customers"], results["churners"], results["base_rate"]) == (5, 2, 0.4)
    assert results["rules"]["auc"] == 1.0 and results["recency"]["auc"] == 1.0
    assert results["rules"]["precision_top20"] == 1.0  # the top customer (of five) is a leaver
    assert results["model"] is None and results["model_used"] is False  # five customers: too few for the model
    assert [b["id"] for b in tenant_a.get("/api/v1/churn/backtests").json["items"]] == [made.json["id"]]


def test_a_merge_leaves_the_survivor_with_one_open_task_and_the_signals(tenant_a):
    survivor, merged = drifting(tenant_a), drifting(tenant_a)
    enable(tenant_a)
    rescore(tenant_a)
    assert len(open_tasks(tenant_a)) == 2
    handle(tenant_a, signal_event(tenant_a, "surveys.low_score", merged["id"]))
    response = tenant_a.post(f"/api/v1/customers/{survivor['id']}/merge", json={"merged_id": merged["id"]})
    assert response.status_code == 200, response.json
    [task] = open_tasks(tenant_a)
    assert task["customer_id"] == survivor["id"]
    assert "low_survey" in [r["code"] for r in score(tenant_a, survivor)["reasons"]]
    assert tenant_a.get(f"/api/v1/churn/customers/{merged['id']}").status_code == 404
    with inside(tenant_a):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signal)) == 1


def test_the_churn_rate_counts_who_became_churned_this_month_among_earlier_buyers(tenant_a):
    enable(tenant_a)
    gone = tenant_a.customer()
    buy(tenant_a, gone["id"], "50.00", days_ago=400)  # the classification makes it churned now
    kept = tenant_a.customer()
    buy(tenant_a, kept["id"], "50.00", days_ago=100)  # dormant, not churned
    tenant_a.customer()  # never bought: not among the customers who could churn
    deleted = tenant_a.customer()
    buy(tenant_a, deleted["id"], "50.00", days_ago=400)  # churned too, then deleted: counted nowhere
    assert tenant_a.delete(f"/api/v1/customers/{deleted['id']}").status_code == 204
    rows = tenant_a.get("/api/v1/churn/kpis?months=2").json["items"]
    [this_month] = [r for r in rows if r["tier"] == "all" and r["month"] == NOW.strftime("%Y-%m")]
    assert (this_month["churned"], this_month["customers"], this_month["churn_rate"]) == (1, 2, 0.5)
    assert this_month["win_back_rate"] is None and this_month["days_to_win_back"] is None
    assert {r["month"] for r in rows} == {this_month["month"], rows[0]["month"]} and len({r["month"] for r in rows}) == 2
    assert tenant_a.get("/api/v1/churn/kpis?tier=core").json["items"][-1]["customers"] == 0


def test_the_at_risk_list_pages_by_score(tenant_a):
    drifting(tenant_a)
    drifting(tenant_a, "5.00")
    enable(tenant_a)
    rescore(tenant_a)
    first = tenant_a.get("/api/v1/churn/at-risk?limit=1").json
    second = tenant_a.get(f"/api/v1/churn/at-risk?limit=1&cursor={first['next_cursor']}")
    assert second.status_code == 200, second.json
    both = [*first["items"], *second.json["items"]]
    assert len({item["customer_id"] for item in both}) == 2 and second.json["next_cursor"] is None
    assert both[0]["score"] >= both[1]["score"]


def test_a_purchase_dated_in_the_future_counts_as_today_s_and_the_workspace_is_still_scored(tenant_a):
    """The nightly figures come from the core's, which keep a purchase dated ahead (a shop's clock,
    a typo): days since it would be negative, and the rules refuse the chunk (the whole workspace)."""
    enable(tenant_a)
    ahead = tenant_a.customer()
    buy(tenant_a, ahead["id"], "100.00", days_ago=-400)
    gone = drifting(tenant_a)
    before = score(tenant_a, gone)["scored_at"]
    rescore(tenant_a)
    assert score(tenant_a, gone)["scored_at"] > before  # the whole workspace's run went through
    assert score(tenant_a, ahead)["level"] == "low"
    assert score(tenant_a, gone)["level"] == "high"


def test_a_deleted_customer_s_open_task_leaves_the_lists_and_the_card_until_it_is_restored(tenant_a):
    enable(tenant_a)
    gone = drifting(tenant_a)
    [task] = open_tasks(tenant_a)
    assert task["customer_id"] == gone["id"]

    def open_card() -> int:
        return {card["key"]: card["value"] for card in tenant_a.get("/api/v1/reports/cards").json["items"]
                if card["module"] == "churn"}["open_tasks"]

    assert open_card() == 1
    assert tenant_a.delete(f"/api/v1/customers/{gone['id']}").status_code == 204
    assert open_tasks(tenant_a) == [] and tenant_a.get("/api/v1/churn/tasks").json["items"] == []
    assert open_card() == 0
    assert tenant_a.post(f"/api/v1/customers/{gone['id']}/restore").status_code == 200
    assert [t["id"] for t in open_tasks(tenant_a)] == [task["id"]] and open_card() == 1
