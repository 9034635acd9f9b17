"""Sending without a request: a survey's schedule (quarterly to a segment or a tier), and after a
customer's event with a delay (a purchase, a logged visit), once per event however often it is
delivered; bad schedules and events refused with nothing written."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from saas.core.db import db
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow
from saas.testing import redeliver
from tests.test_surveys import NPS, enable, make


def invitations(app, tenant) -> list:
    from plugins.surveys.models import Invitation

    with app.app_context(), tenant_context(tenant.id):
        rows = [(str(i.customer_id), i.due_at, i.delivered_at, i.source) for i in db.session.scalars(
            sa.select(Invitation).order_by(Invitation.sent_at, Invitation.id))]
        db.session.rollback()
    return rows


def run(app, tenant, work, *args):
    """``work(*args)`` in the workspace, committed; the jobs it queued run as the context ends."""
    with app.app_context():
        with tenant_context(tenant.id):
            result = work(*args)
            db.session.commit()
    return result


def test_a_scheduled_survey_goes_to_its_segment_when_its_months_come_round(app, tenant_a):
    from plugins.surveys import plugin, triggers

    enable(tenant_a, throttle_days=0)
    vip = tenant_a.customer(tags=["vip"], email="vip@example.com")
    tenant_a.customer(email="other@example.com")
    segment = tenant_a.post("/api/v1/segments", json={"name": "VIP", "filter": {"tags": ["vip"]}}).json
    survey = make(tenant_a, state="active", schedule={"every_months": 3, "segment_id": segment["id"]})
    assert survey["schedule"] == {"every_months": 3, "segment_id": segment["id"]} and survey["last_scheduled_at"] is None
    with app.app_context():
        plugin.scheduled_sending()
    [(customer_id, due_at, delivered_at, source)] = invitations(app, tenant_a)
    assert customer_id == vip["id"] and due_at is None and delivered_at is not None
    assert source == f"send:{survey['id']}:{vip['id']}:0"  # the customer's first invitation of the survey
    with app.app_context():
        plugin.scheduled_sending()  # the same day: not due again
    assert len(invitations(app, tenant_a)) == 1
    assert run(app, tenant_a, triggers.run_schedules, utcnow() + dt.timedelta(days=80)) == 0
    assert run(app, tenant_a, triggers.run_schedules, utcnow() + dt.timedelta(days=93)) == 1
    assert len(invitations(app, tenant_a)) == 2
    assert tenant_a.get(f"/api/v1/surveys/{survey['id']}").json["last_scheduled_at"] is not None
    closed = tenant_a.patch(f"/api/v1/surveys/{survey['id']}", json={"state": "closed"})
    assert closed.status_code == 200
    assert run(app, tenant_a, triggers.run_schedules, utcnow() + dt.timedelta(days=400)) == 0


def test_bad_schedules_and_events_are_refused_and_nothing_is_written(tenant_a):
    enable(tenant_a)
    for bad in ({"schedule": {"every_months": 0, "tier": "core"}}, {"schedule": {"every_months": 3}},
                {"schedule": {"every_months": 3, "tier": "core", "segment_id": str(uuid.uuid4())}},
                {"schedule": {"every_months": 3, "segment_id": str(uuid.uuid4())}},
                {"schedule": {"every_months": 3, "tier": "vip"}}, {"schedule": {"every_months": 3, "segment_id": "x"}},
                {"send_after": [{"event": "purchase.made"}]}, {"send_after": [{"event": "surveys.low_score"}]},
                {"send_after": [{"event": "module.enabled"}]},
                {"send_after": [{"event": "purchase.recorded", "delay_hours": -1}]}, {"send_after": "purchase"}):
        response = tenant_a.post("/api/v1/surveys", json={"title": "x", "questions": [NPS], **bad})
        assert response.status_code == 422, (bad, response.status_code)
    assert tenant_a.get("/api/v1/surveys").json["items"] == []
    made = make(tenant_a, schedule={"every_months": 3, "tier": "important"},
                send_after=[{"event": "interaction.logged", "delay_hours": 2}])
    assert made["send_after"] == [{"event": "interaction.logged", "delay_hours": 2}]
    assert tenant_a.patch(f"/api/v1/surveys/{made['id']}", json={"schedule": None}).json["schedule"] is None


def test_after_a_purchase_the_survey_is_due_later_and_delivered_once_by_the_sweep(app, tenant_a):
    from plugins.surveys import sending

    enable(tenant_a, throttle_days=30)
    make(tenant_a, state="active", send_after=[{"event": "purchase.recorded", "delay_hours": 24}])
    customer = tenant_a.customer(email="buyer@example.com")
    bought = tenant_a.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "龙井", "amount": "88.00",
                                                      "purchased_at": utcnow().isoformat()})
    assert bought.status_code == 201
    [(customer_id, due_at, delivered_at, source)] = invitations(app, tenant_a)
    assert customer_id == customer["id"] and delivered_at is None and source.startswith("event:")
    assert dt.timedelta(hours=23) < due_at - utcnow() < dt.timedelta(hours=25)
    redeliver(tenant_a, "surveys", "purchase.recorded")  # a redelivered event adds nothing
    assert len(invitations(app, tenant_a)) == 1
    assert run(app, tenant_a, sending.deliver_due) == 0  # not due yet
    assert run(app, tenant_a, sending.deliver_due, utcnow() + dt.timedelta(hours=25)) == 1
    assert invitations(app, tenant_a)[0][2] is not None  # delivered by the job the sweep queued
    assert run(app, tenant_a, sending.deliver_due, utcnow() + dt.timedelta(hours=26)) == 0  # queued once
    tenant_a.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "龙井", "amount": "18.00",
                                             "purchased_at": utcnow().isoformat()})
    assert len(invitations(app, tenant_a)) == 1  # asked within the throttle already (its invitation is pending)


def test_after_a_logged_visit_without_delay_the_link_goes_at_once(app, tenant_a):
    enable(tenant_a)
    make(tenant_a, state="active", send_after=[{"event": "interaction.logged"}])
    make(tenant_a, state="draft", send_after=[{"event": "interaction.logged"}])  # not active: not sent
    customer = tenant_a.customer(email="visited@example.com")
    logged = tenant_a.post("/api/v1/interactions", json={"customer_id": customer["id"], "channel": "visit",
                                                         "subject": "门店拜访", "occurred_at": utcnow().isoformat()})
    assert logged.status_code == 201, logged.json
    [(customer_id, due_at, delivered_at, _)] = invitations(app, tenant_a)
    assert customer_id == customer["id"] and due_at is None and delivered_at is not None
