"""The complaints module's clocks at work: the escalation job (the owner at 80%, the owner and
their manager at the breach with ``complaints.breached``, the admins at 150%), each once; a breach
reaching the churn module as a signal through the event alone; the owner's /today list; cases
opened by a low survey score and by another module's intake event, once per event id. A
controllable clock (``plugins.complaints.clock.now``), never sleeping."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from saas import hookimpl
from saas.core.db import db
from saas.core.hooktypes import EventType, ModuleInfo
from saas.core.plugins import installed
from saas.core.tenancy import tenant_context
from saas.testing import sign_up

from tests.conftest import make_app
from tests.test_complaints import MONDAY_10, Clock, open_case, step

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def now(monkeypatch):
    from plugins.complaints import clock

    moved = Clock(MONDAY_10)
    monkeypatch.setattr(clock, "now", moved)
    return moved


def run(tenant, work):
    with tenant.client.application.app_context(), tenant_context(tenant.id):
        result = work()
        db.session.commit()
    return result


def escalate(tenant, now):
    from plugins.complaints import escalation

    return run(tenant, lambda: escalation.escalate(now()))


def member(tenant, role: str, team: str | None) -> dict:
    made = tenant.post("/api/v1/members", json={"email": f"{role}-{uuid.uuid4().hex[:6]}@complaints.example",
                                                "password": "a long enough password", "role": role, "team": team})
    assert made.status_code == 201, made.json
    return made.json


def notes(tenant) -> list[tuple[str, str]]:
    from saas.core.notifications import Notification

    rows = run(tenant, lambda: db.session.execute(sa.select(Notification.user_id, Notification.kind).where(
        Notification.kind.like("complaints.%"))).all())
    return sorted((str(user_id), kind) for user_id, kind in rows)


def events(tenant, name: str) -> list[dict]:
    from saas.core.outbox import OutboxEvent

    return run(tenant, lambda: [row.data for row in db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.type == name).order_by(OutboxEvent.occurred_at))])


def test_a_late_case_goes_from_its_owner_to_the_manager_to_the_admins_once_each(tenant_a, now):
    tenant_a.enable("complaints")
    rep, manager = member(tenant_a, "agent", "north"), member(tenant_a, "manager", "north")
    member(tenant_a, "manager", "south")  # not the rep's manager
    admin = member(tenant_a, "admin", None)
    customer = tenant_a.customer(owner_id=rep["user_id"])
    case = open_case(tenant_a, customer)
    assert case["owner_id"] == rep["user_id"]
    assert escalate(tenant_a, now).warned == 0
    now.move(minutes=48)  # 80% of the hour
    assert escalate(tenant_a, now).warned == 1
    assert escalate(tenant_a, now).warned == 0  # once
    assert notes(tenant_a) == [(rep["user_id"], "complaints.warning")]
    now.move(minutes=12)
    outcome = escalate(tenant_a, now)
    assert (outcome.breached, outcome.to_admins) == (1, 0)
    assert escalate(tenant_a, now).breached == 0
    assert notes(tenant_a) == sorted([(rep["user_id"], "complaints.warning"), (rep["user_id"], "complaints.breached"),
                                      (manager["user_id"], "complaints.breached")])
    [breach] = events(tenant_a, "complaints.breached")
    assert (breach["case_id"], breach["customer_id"], breach["target"]) == (case["id"], customer["id"], "response")
    now.move(minutes=30)  # 150% of the hour
    assert escalate(tenant_a, now).to_admins == 1
    assert escalate(tenant_a, now).to_admins == 0
    told = {user for user, kind in notes(tenant_a) if kind == "complaints.escalated"}
    assert admin["user_id"] in told and tenant_a.user["id"] in told and rep["user_id"] not in told
    step(tenant_a, case, "acknowledge")
    now.move(hours=100)  # the plan and the resolution breached too, the response met late: no more of it
    assert escalate(tenant_a, now).breached == 2
    assert sorted(e["target"] for e in events(tenant_a, "complaints.breached")) == ["plan", "resolution", "response"]
    got = tenant_a.get(f"/api/v1/complaints/{case['id']}").json
    assert {t: c["state"] for t, c in got["clocks"].items()} == {t: "breached" for t in ("response", "plan", "resolution")}


def test_a_paused_or_resolved_case_is_not_escalated(tenant_a, now):
    tenant_a.enable("complaints")
    paused, resolved = open_case(tenant_a), open_case(tenant_a)
    step(tenant_a, paused, "pause")
    step(tenant_a, resolved, "resolve", resolution="Refunded")
    now.move(hours=5)
    outcome = escalate(tenant_a, now)
    assert (outcome.warned, outcome.breached, outcome.to_admins) == (0, 0, 0)


def test_a_breach_raises_churn_risk_through_the_event_alone(tenant_a, now):
    from plugins.churn.models import Signal

    tenant_a.enable("complaints")
    tenant_a.enable("churn")
    customer = tenant_a.customer()
    open_case(tenant_a, customer)
    now.move(hours=2)
    escalate(tenant_a, now)  # the event is handed over after commit, and handled in-process here
    kinds = run(tenant_a, lambda: db.session.execute(sa.select(Signal.customer_id, Signal.kind)).all())
    assert [(str(c), k.value) for c, k in kinds] == [(customer["id"], "complaint_breach")]


def test_each_open_case_is_on_its_owner_s_today_list_by_its_soonest_clock(tenant_a, now):
    tenant_a.enable("complaints")
    later, sooner = open_case(tenant_a, priority="low"), open_case(tenant_a, priority="urgent")
    waiting, done = open_case(tenant_a), open_case(tenant_a)
    step(tenant_a, waiting, "pause")
    step(tenant_a, done, "resolve", resolution="Refunded")
    items = [i for i in tenant_a.get("/api/v1/todo").json["items"] if i["kind"] == "complaints.case"]
    assert [i["link"] for i in items] == [f"/complaints/{c['id']}" for c in (waiting, sooner, later)]
    assert dt.datetime.fromisoformat(items[1]["due_at"]) == dt.datetime.fromisoformat(sooner["next_due_at"])


def low_score(tenant, customer_id) -> object:
    from saas.core.events import Event

    return Event(uuid.uuid4(), tenant.id, "surveys.low_score",
                 {"customer_id": customer_id, "survey_id": str(uuid.uuid4()), "response_id": str(uuid.uuid4()),
                  "kind": "nps", "score": 3}, MONDAY_10)


def handle(tenant, event) -> None:
    from saas.core.accounts import Tenant

    run(tenant, lambda: installed().call_module("complaints", "saas_handle_event",
                                                db.session.get(Tenant, tenant.id), event=event))


def test_a_low_survey_score_opens_one_case_per_event_and_none_when_the_settings_say_so(tenant_a, tenant_b):
    tenant_a.enable("complaints")
    customer = tenant_a.customer()
    event = low_score(tenant_a, customer["id"])
    handle(tenant_a, event)
    handle(tenant_a, event)  # redelivered: still one case
    [case] = tenant_a.get("/api/v1/complaints").json["items"]
    assert (case["customer_id"], case["channel"], case["category"]) == (customer["id"], "survey", "service_attitude")
    assert case["description"] == "NPS 3 in a survey"
    handle(tenant_a, low_score(tenant_a, None))  # an anonymous survey's
    handle(tenant_a, low_score(tenant_a, tenant_b.customer()["id"]))  # another workspace's customer
    assert len(tenant_a.get("/api/v1/complaints").json["items"]) == 1
    tenant_a.enable("complaints", {"survey_intake": False})
    handle(tenant_a, low_score(tenant_a, customer["id"]))
    assert len(tenant_a.get("/api/v1/complaints").json["items"]) == 1


def test_a_low_score_answered_in_a_survey_opens_a_case_by_the_event(tenant_a):
    """The whole way: the surveys module's event, delivered after commit, handled by this module."""
    from saas.core.events import emit

    tenant_a.enable("complaints")
    tenant_a.enable("surveys")
    customer = tenant_a.customer()
    run(tenant_a, lambda: emit(installed().event_type("surveys.low_score"), customer_id=customer["id"], survey_id=str(uuid.uuid4()),
                               response_id=str(uuid.uuid4()), kind="csat", score=1))
    [case] = tenant_a.get("/api/v1/complaints").json["items"]
    assert case["customer_id"] == customer["id"] and case["description"] == "CSAT 1 in a survey"


class WeChat:
    """A plugin that takes complaints in a WeChat account: its event, named through the hook."""

    COMPLAINT = None

    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="wechat", title="WeChat")

    @hookimpl
    def saas_event_types(self):
        return [EventType("wechat.complaint", "A complaint came in by WeChat", {"customer_id": "...",
                                                                             "description": "..."})]

    @hookimpl(optionalhook=True)  # it may load before the complaints module declares the hook
    def complaints_intake_events(self):
        return {"wechat.complaint": "wechat"}


@pytest.fixture
def wechat_app(app, database):
    import plugins.complaints.plugin

    return make_app(database, plugins=[("wechat", WeChat()), ("complaints", plugins.complaints.plugin)])


def test_another_module_s_channel_opens_cases_through_the_hook_the_module_declares(wechat_app):
    from saas.core.events import emit

    tenant = sign_up(wechat_app.test_client())
    tenant.enable("complaints")
    customer = tenant.customer()

    def complain(**data):
        run(tenant, lambda: emit(installed().event_type("wechat.complaint"), customer_id=customer["id"], **data))

    complain(description="冷链断了，牛奶坏了", category="product_quality", priority="high")
    assert tenant.get("/api/v1/complaints").json["items"] == []  # the channel's module is off
    tenant.enable("wechat")
    complain(description="冷链断了，牛奶坏了", category="product_quality", priority="high")
    complain(description="  ")  # says nothing: no case
    complain(description="Late again", category="no such category")
    cases = tenant.get("/api/v1/complaints").json["items"]
    assert sorted((c["channel"], c["category"], c["priority"]) for c in cases) == [
        ("wechat", "other", "normal"), ("wechat", "product_quality", "high")]


def test_a_deleted_customer_s_case_leaves_the_queue_and_is_not_escalated_until_restored(tenant_a, now):
    tenant_a.enable("complaints")
    customer = tenant_a.customer()
    case = open_case(tenant_a, customer)
    assert tenant_a.delete(f"/api/v1/customers/{customer['id']}").status_code == 204
    now.move(hours=2)
    assert escalate(tenant_a, now).breached == 0
    assert tenant_a.get("/api/v1/complaints/queue").json["items"] == []
    assert tenant_a.post(f"/api/v1/customers/{customer['id']}/restore").status_code == 200
    assert [c["id"] for c in tenant_a.get("/api/v1/complaints/queue").json["items"]] == [case["id"]]
    assert escalate(tenant_a, now).breached == 1


def test_the_job_moves_the_stored_due_times_when_the_business_hours_change(tenant_a, now):
    from tests.test_complaints import at

    def queued_due():
        [queued] = tenant_a.get("/api/v1/complaints/queue").json["items"]
        return at(queued["next_due_at"])

    tenant_a.enable("complaints", {"clock": "business_hours"})
    case = open_case(tenant_a)  # Monday 10:00: the response due at 11:00
    tenant_a.enable("complaints", {"clock": "business_hours", "opens": "10:30:00"})
    fresh = at(tenant_a.get(f"/api/v1/complaints/{case['id']}").json["clocks"]["response"]["due_at"])
    assert fresh == MONDAY_10 + dt.timedelta(minutes=90)  # 10:00-10:30 no longer counted
    assert queued_due() == MONDAY_10 + dt.timedelta(hours=1)  # stored by the opening
    escalate(tenant_a, now)
    assert queued_due() == fresh
    tenant_a.enable("complaints", {"clock": "business_hours", "closes": "10:30:00"})
    escalate(tenant_a, now)
    assert queued_due() == dt.datetime(2026, 12, 1, 9, 30, tzinfo=MONDAY_10.tzinfo)  # half an hour each day
