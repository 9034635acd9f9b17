"""Fault suite: a webhook receiver down for hours, on a clock the test moves (never a sleep for
simulated time). The receiver's port refuses connections, as a stopped server's does; the
periodic ``webhooks.sweep`` (what the scheduler runs every minute) is run each time the clock
reaches the next moment something is due. Back after six hours, the receiver gets every
delivery exactly once at the next retry of the schedule; down for good, every delivery ends
failed (dead-lettered, in the deliveries' log, and can be redelivered), the first after the
schedule's eight attempts and the rest when the endpoint is disabled after ``DISABLE_AFTER``.
Figures: the simulated time to the last delivery and to the last dead letter, the sweeps it took."""

from __future__ import annotations

import datetime as dt
import json
import time

import sqlalchemy as sa

from saas.core import queues
from saas.core.db import db
from saas.core.tenancy import tenant_context
from saas.core.webhooks import WebhookDelivery, WebhookEndpoint, outbound
from tests.conftest import free_port
from tests.test_webhooks import Clock
from tests.test_webhooks import deliveries_of as deliveries
from tests.webhook_receiver import Receiver

EVENTS = 20
MAX_SWEEPS = 400


def next_due(app, tenant) -> dt.datetime | None:
    """When the endpoint has something to send next: its pause's end or a pending delivery's attempt."""
    with app.app_context(), tenant_context(tenant.id):
        attempt = db.session.scalar(sa.select(sa.func.min(WebhookDelivery.next_attempt_at))
                                    .where(WebhookDelivery.status == "pending"))
        paused = db.session.scalar(sa.select(WebhookEndpoint.paused_until))
        db.session.rollback()
    return None if attempt is None else max(attempt, paused or attempt)


def sweep(app) -> None:
    """The scheduler's ``webhooks.sweep`` once, and the send jobs it hands over."""
    with app.app_context():
        outbound.sweep_due()
        queues.current_queue().run_pending()


class Outage:
    def __init__(self, app, tenant, clock):
        self.app, self.tenant, self.clock = app, tenant, clock
        self.started = clock.now
        self.sweeps = 0

    def run_until(self, until: dt.datetime | None = None) -> None:
        """Move the clock from due moment to due moment, sweeping at each, until nothing is pending
        or the next moment is past ``until``."""
        while (due := next_due(self.app, self.tenant)) is not None and (until is None or due <= until):
            assert self.sweeps < MAX_SWEEPS, "the deliveries never settle"
            self.clock.now = max(self.clock.now, due)
            sweep(self.app)
            self.sweeps += 1
        if until is not None:
            self.clock.now = max(self.clock.now, until)

    def hours(self) -> float:
        return round((self.clock.now - self.started) / dt.timedelta(hours=1), 3)


def start(tenant, monkeypatch, port: int):
    clock = Clock(monkeypatch)
    made = tenant.post("/api/v1/webhooks", json={"url": f"http://127.0.0.1:{port}/hook"})
    assert made.status_code == 201, made.json
    for n in range(EVENTS):
        tenant.customer(name=f"while the receiver is down {n}")
    return clock, made.json


def test_a_receiver_back_after_six_hours_gets_every_delivery_once_at_the_next_retry(app, tenant_a, monkeypatch,
                                                                                    figure):
    port = free_port()  # nothing listens: connection refused
    clock, endpoint = start(tenant_a, monkeypatch, port)
    outage = Outage(app, tenant_a, clock)
    wall = time.monotonic()
    outage.run_until(outage.started + dt.timedelta(hours=6))
    first = deliveries(app, tenant_a)[0]
    assert {d.status.value for d in deliveries(app, tenant_a)} == {"pending"}
    assert first.attempts == 5 and all(d.attempts == 0 for d in deliveries(app, tenant_a)[1:])  # they wait behind it
    with Receiver(port) as receiver:
        back = clock.now
        outage.run_until()
        rows = deliveries(app, tenant_a)
        assert {d.status.value for d in rows} == {"succeeded"} and len(rows) == EVENTS
        ids = [r.headers["webhook-id"] for r in receiver.at("/hook")]
        assert sorted(ids) == sorted(str(d.id) for d in rows)  # each once
        assert [json.loads(r.body)["type"] for r in receiver.at("/hook")] == ["customer.created"] * EVENTS
    attempts = [dt.datetime.fromisoformat(a["attempted_at"]) for a in rows[0].attempt_log]
    waits = [later - earlier for earlier, later in zip(attempts, attempts[1:])]
    assert waits == list(outbound.RETRY_DELAYS[:5])  # 5 s, 5 min, 30 min, 2 h, 5 h: then it answered
    assert tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}").json["failing_since"] is None

    figure("receiver down", 6, "h simulated")
    figure("last delivery after the receiver was back", round((clock.now - back) / dt.timedelta(hours=1), 3),
           "h simulated")
    figure("deliveries lost or doubled", 0, "deliveries")
    figure("sweeps run / wall time", outage.sweeps, f"sweeps in {time.monotonic() - wall:.2f} s")


def test_a_receiver_down_for_good_has_every_delivery_dead_lettered_on_the_schedule(app, tenant_a, monkeypatch,
                                                                                   figure):
    port = free_port()
    clock, endpoint = start(tenant_a, monkeypatch, port)
    outage = Outage(app, tenant_a, clock)
    outage.run_until()
    rows = deliveries(app, tenant_a)
    assert {d.status.value for d in rows} == {"failed"} and len(rows) == EVENTS
    first = rows[0]
    assert first.attempts == len(outbound.RETRY_DELAYS) + 1 and "refused" in first.last_error.lower()
    scheduled = sum(outbound.RETRY_DELAYS, dt.timedelta())
    assert first.finished_at - outage.started == scheduled  # about 27.6 h: its eight attempts
    disabled = [d for d in rows if d.last_error == "the endpoint was disabled"]
    shown = tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}").json
    assert shown["enabled"] is False and "failed since" in shown["disabled_reason"]
    assert clock.now - outage.started >= outbound.DISABLE_AFTER and len(disabled) >= 1
    last_dead = max(d.finished_at for d in rows)
    assert last_dead - outage.started < outbound.DISABLE_AFTER + scheduled

    with Receiver(port) as receiver:  # a dead letter can be sent again by hand once it is back
        tenant_a.patch(f"/api/v1/webhooks/{endpoint['id']}", json={"enabled": True})
        again = tenant_a.post(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{first.id}/redeliver")
        assert again.status_code == 202
        assert [r.headers["webhook-id"] for r in receiver.at("/hook")] == [str(first.id)]

    figure("first delivery dead-lettered after", round(scheduled / dt.timedelta(hours=1), 3), "h simulated")
    figure("every delivery dead-lettered after", round((last_dead - outage.started) / dt.timedelta(hours=1), 3),
           "h simulated")
    figure("dead-lettered by the schedule / by disabling the endpoint", len(rows) - len(disabled),
           f"/ {len(disabled)} deliveries")
