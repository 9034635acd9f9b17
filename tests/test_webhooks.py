"""Outbound webhooks: endpoints, Standard Webhooks signatures (checked with the `standardwebhooks`
package, as receivers do), retries on a fake clock, 410/429/3xx, the delivery log, secret
rotation, and one tenant's failing endpoint not holding up another's."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from saas.core.webhooks import outbound
from saas.core import queues
from saas.core.db import db
from saas.core.event_types import CUSTOMER_CREATED, CUSTOMER_DELETED
from saas.core.outbox import OutboxEvent
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow
from saas.core.webhooks import WebhookDelivery, WebhookEndpoint
from saas.testing import CSRF_INPUT
from tests.conftest import make_app, rq_retry_due, wait_until
from tests.webhook_receiver import Answer, Receiver


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def register(tenant, receiver, path="/hook", **body):
    response = tenant.post("/api/v1/webhooks", json={"url": receiver.url(path), **body})
    assert response.status_code == 201, response.json
    return response.json


def verify(secret: str, received) -> dict:
    return Webhook(secret).verify(received.body, received.headers)


def deliveries_of(app, tenant) -> list[WebhookDelivery]:
    with app.app_context(), tenant_context(tenant.id):
        rows = list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.created_at)))
        db.session.expunge_all()
        db.session.rollback()
    return rows


class Clock:
    """``outbound``'s idea of now, moved by hand; jitter off unless a test wants it."""

    def __init__(self, monkeypatch):
        self.now = utcnow()
        monkeypatch.setattr(outbound, "utcnow", lambda: self.now)
        monkeypatch.setattr(outbound.random, "uniform", lambda low, high: 1.0)

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta


def send_due(app, tenant, endpoint_id) -> int:
    with app.app_context():
        return outbound.send_due(str(tenant.id), str(endpoint_id))


def test_an_endpoint_is_registered_with_a_secret_shown_once(tenant_a, receiver):
    made = register(tenant_a, receiver, description="shop sync")
    assert made["secret"].startswith("whsec_") and made["event_types"] == ["*"] and made["enabled"] is True
    shown = tenant_a.get(f"/api/v1/webhooks/{made['id']}").json
    assert "secret" not in shown and shown["description"] == "shop sync"
    assert [e["id"] for e in tenant_a.get("/api/v1/webhooks").json["items"]] == [made["id"]]
    audit = tenant_a.get(f"/api/v1/audit-log?object_id={made['id']}").json["items"]
    assert audit and "secret" not in json.dumps(audit) and made["secret"] not in json.dumps(audit)


def test_every_event_arrives_signed_so_that_standardwebhooks_verifies_it(tenant_a, receiver):
    endpoint = register(tenant_a, receiver)
    customer = tenant_a.customer(name="Li Lei")
    [received] = receiver.at("/hook")
    payload = verify(endpoint["secret"], received)
    assert payload["type"] == "customer.created"
    assert payload["data"] == {"customer_id": customer["id"], "name": "Li Lei"}
    assert payload["timestamp"].endswith("Z")
    assert received.headers["content-type"] == "application/json"
    assert received.headers["webhook-signature"].startswith("v1,")


@pytest.mark.parametrize("tamper", ["body", "missing header", "stale timestamp", "wrong secret"])
def test_a_receiver_rejects_what_was_not_signed_by_this_endpoint_s_secret(tenant_a, receiver, tamper):
    endpoint = register(tenant_a, receiver)
    tenant_a.customer()
    [received] = receiver.at("/hook")
    secret, headers, body = endpoint["secret"], dict(received.headers), received.body
    if tamper == "body":
        body = body.replace("customer.created", "customer.deleted")
    elif tamper == "missing header":
        del headers["webhook-signature"]
    elif tamper == "stale timestamp":
        stale = str(int(time.time()) - 600)
        headers["webhook-timestamp"] = stale
        headers["webhook-signature"] = Webhook(secret).sign(headers["webhook-id"],
                                                            dt.datetime.fromtimestamp(int(stale), dt.timezone.utc), body)
    elif tamper == "wrong secret":
        secret = register(tenant_a, receiver, path="/other")["secret"]
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_an_endpoint_gets_only_the_event_types_it_asked_for(tenant_a, receiver):
    register(tenant_a, receiver, event_types=["purchase.recorded"])
    customer = tenant_a.customer()
    tenant_a.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "Tea", "amount": "12.50",
                                             "purchased_at": "2026-05-01T08:00:00Z"})
    types = [json.loads(r.body)["type"] for r in receiver.at("/hook")]
    assert types == ["purchase.recorded"]
    data = json.loads(receiver.at("/hook")[0].body)["data"]
    assert data["customer_id"] == customer["id"] and data["amount"] == "12.50"  # ids and money as strings


def test_unknown_event_types_and_bad_urls_are_a_422_and_register_nothing(tenant_a, receiver):
    bad_type = tenant_a.post("/api/v1/webhooks", json={"url": receiver.url("/h"), "event_types": ["customer.eaten"]})
    assert bad_type.status_code == 422 and "customer.eaten" in bad_type.json["error"]["fields"]["event_types"][0]
    for url in ("ftp://127.0.0.1/x", "not a url", "http://user:pw@127.0.0.1/x", "http:///nohost", ""):
        response = tenant_a.post("/api/v1/webhooks", json={"url": url})
        assert response.status_code == 422, url
    assert tenant_a.get("/api/v1/webhooks").json["items"] == []


def test_failed_deliveries_are_retried_on_the_schedule_then_given_up(app, tenant_a, receiver, monkeypatch):
    clock = Clock(monkeypatch)
    receiver.answer("/hook", Answer(status=500))
    endpoint = register(tenant_a, receiver)
    tenant_a.customer()
    waits = []
    for _ in range(len(outbound.RETRY_DELAYS)):
        [delivery] = deliveries_of(app, tenant_a)
        waits.append(delivery.next_attempt_at - clock.now)
        assert send_due(app, tenant_a, endpoint["id"]) == 0  # not due yet: nothing sent
        clock.advance(waits[-1])
        send_due(app, tenant_a, endpoint["id"])
    assert waits == list(outbound.RETRY_DELAYS)  # 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
    [delivery] = deliveries_of(app, tenant_a)
    assert delivery.status.value == "failed" and delivery.attempts == 8 and delivery.last_status_code == 500
    assert len(receiver.at("/hook")) == 8
    assert len({r.headers["webhook-id"] for r in receiver.at("/hook")}) == 1  # one message, retried
    log = tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{delivery.id}").json
    assert [a["status_code"] for a in log["attempt_log"]] == [500] * 8


def test_retry_delays_vary_by_up_to_a_tenth_either_way():
    for attempt, base in enumerate(outbound.RETRY_DELAYS, start=1):
        delays = {outbound.retry_delay(attempt) for _ in range(50)}
        assert all(base * 0.9 <= d <= base * 1.1 for d in delays) and len(delays) > 1
    assert outbound.retry_delay(len(outbound.RETRY_DELAYS) + 1) is None


def test_a_429_waits_as_long_as_retry_after_asks(app, tenant_a, receiver, monkeypatch):
    clock = Clock(monkeypatch)
    receiver.answer("/hook", Answer(status=429, headers={"Retry-After": "120"}))
    register(tenant_a, receiver)
    tenant_a.customer()
    [delivery] = deliveries_of(app, tenant_a)
    assert delivery.next_attempt_at - clock.now == dt.timedelta(seconds=120)  # not the 5 s of the schedule
    assert delivery.last_status_code == 429 and delivery.status.value == "pending"


def test_a_410_disables_the_endpoint_and_tells_the_admins(app, tenant_a, receiver):
    receiver.answer("/gone", Answer(status=410))
    endpoint = register(tenant_a, receiver, path="/gone")
    watcher = register(tenant_a, receiver, path="/watch", event_types=["webhook.endpoint_disabled"])
    tenant_a.customer()
    shown = tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}").json
    assert shown["enabled"] is False and "410" in shown["disabled_reason"]
    [told] = receiver.at("/watch")
    assert verify(watcher["secret"], told)["data"]["endpoint_id"] == endpoint["id"]
    [note] = tenant_a.get("/api/v1/notifications").json["items"]  # the owner's; the API speaks English
    assert (note["kind"], note["link"]) == ("core.webhook_disabled", f"/settings/webhooks/{endpoint['id']}")
    assert note["title"] == f"Retain stopped sending to the webhook endpoint {endpoint['url']}"
    assert f"Retain 已停止向 Webhook 端点 {endpoint['url']} 发送" in tenant_a.signed_in().get(
        "/notifications").get_data(as_text=True)  # and its page, in the workspace's Chinese
    tenant_a.customer()
    assert len(receiver.at("/gone")) == 1  # nothing more is sent to it
    again = tenant_a.patch(f"/api/v1/webhooks/{endpoint['id']}", json={"enabled": True}).json
    assert again["enabled"] is True and again["disabled_reason"] is None


@pytest.mark.parametrize("location", ["/elsewhere", "http://169.254.169.254/latest/meta-data/"])
def test_redirects_are_not_followed(app, tenant_a, receiver, location):
    target = receiver.url(location) if location.startswith("/") else location
    receiver.answer("/moved", Answer(status=302, headers={"Location": target}))
    register(tenant_a, receiver, path="/moved")
    tenant_a.customer()
    [delivery] = deliveries_of(app, tenant_a)
    assert delivery.status.value == "pending" and delivery.last_status_code == 302
    assert "redirects are not followed" in delivery.last_error and target in delivery.last_error
    assert [r.path for r in receiver.received] == ["/moved"]  # nothing else was asked for


def test_a_send_job_for_another_tenant_s_endpoint_sends_nothing(app, tenant_a, tenant_b, receiver, monkeypatch):
    clock = Clock(monkeypatch)
    receiver.answer("/hook", Answer(status=500))
    endpoint = register(tenant_a, receiver)
    tenant_a.customer()  # one failed attempt
    receiver.answer("/hook", Answer(status=200))
    clock.advance(dt.timedelta(minutes=1))  # its retry is due
    send_due(app, tenant_b, endpoint["id"])  # in B's tenant context A's endpoint does not exist
    assert len(receiver.at("/hook")) == 1 and deliveries_of(app, tenant_a)[0].attempts == 1
    assert send_due(app, tenant_a, endpoint["id"]) == 1  # it was due: A's own job sends it


def test_an_endpoint_failing_for_days_is_disabled(app, tenant_a, receiver, monkeypatch):
    clock = Clock(monkeypatch)
    receiver.answer("/down", Answer(status=503))
    endpoint = register(tenant_a, receiver, path="/down")
    tenant_a.customer()
    for _ in range(6):  # 5 s + 5 min + 30 min + 2 h + 5 h + 10 h: not yet five days
        clock.advance(dt.timedelta(hours=10))
        send_due(app, tenant_a, endpoint["id"])
    assert tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}").json["enabled"] is True
    tenant_a.customer()  # a new event: its delivery waits while the endpoint backs off
    clock.advance(dt.timedelta(days=5))
    send_due(app, tenant_a, endpoint["id"])
    shown = tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}").json
    assert shown["enabled"] is False and "failed since" in shown["disabled_reason"]
    assert {d.status.value for d in deliveries_of(app, tenant_a)} == {"failed"}


def test_after_a_failure_the_endpoint_backs_off_instead_of_timing_out_on_every_event(app, tenant_a, receiver):
    receiver.answer("/down", Answer(status=500))
    endpoint = register(tenant_a, receiver, path="/down")
    for n in range(5):
        tenant_a.customer(name=f"while down {n}")
    assert len(receiver.at("/down")) == 1  # one attempt; the other four wait for its retry
    assert tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}").json["failing_since"] is not None


def test_one_tenant_s_slow_endpoint_does_not_hold_up_another_tenant_s(app, tenant_a, tenant_b, receiver):
    receiver.answer("/slow", Answer(delay=app.config["WEBHOOK_TIMEOUT_SECONDS"] + 1))
    register(tenant_a, receiver, path="/slow")
    register(tenant_b, receiver, path="/fast")
    for n in range(3):
        tenant_a.customer(name=f"a{n}")
    started = time.monotonic()
    tenant_b.customer(name="b")  # the request and its deliveries, in-process
    assert time.monotonic() - started < app.config["WEBHOOK_TIMEOUT_SECONDS"]
    assert len(receiver.at("/fast")) == 1
    assert len(receiver.at("/slow")) == 1  # timed out once, then backed off


def test_the_delivery_log_shows_each_delivery_and_redelivers_on_request(app, tenant_a, receiver):
    receiver.answer("/hook", Answer(status=500, delay=0.1))  # a tenth of a second: the duration to see
    endpoint = register(tenant_a, receiver)
    tenant_a.customer()
    [item] = tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json["items"]
    assert (item["event_type"], item["status"], item["attempts"], item["last_status_code"]) == (
        "customer.created", "pending", 1, 500)
    assert 100 <= item["last_duration_ms"] < app.config["WEBHOOK_TIMEOUT_SECONDS"] * 1000
    receiver.answer("/hook", Answer(status=200))
    again = tenant_a.post(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{item['id']}/redeliver")
    assert again.status_code == 202
    detail = tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{item['id']}").json
    assert detail["status"] == "succeeded" and [a["status_code"] for a in detail["attempt_log"]] == [500, 200]
    assert detail["attempt_log"][0]["duration_ms"] == item["last_duration_ms"]
    assert detail["last_duration_ms"] == detail["attempt_log"][1]["duration_ms"]  # the latest attempt's
    assert json.loads(detail["payload"])["type"] == "customer.created"
    failed = tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries?status=failed").json["items"]
    assert failed == []


def test_a_rotated_secret_overlaps_with_the_old_one_for_a_day(app, tenant_a, receiver):
    endpoint = register(tenant_a, receiver)
    rotated = tenant_a.post(f"/api/v1/webhooks/{endpoint['id']}/rotate-secret").json
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != endpoint["secret"]
    overlap = dt.datetime.fromisoformat(rotated["previous_secret_expires_at"]) - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(hours=23, minutes=59) < overlap <= dt.timedelta(hours=24)
    tenant_a.customer()
    [during] = receiver.at("/hook")
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert verify(endpoint["secret"], during) == verify(rotated["secret"], during)  # both verify
    with app.app_context(), tenant_context(tenant_a.id):  # a day later: the overlap is over
        db.session.execute(sa.update(WebhookEndpoint).values(previous_secret_expires_at=utcnow()))
        db.session.commit()
    tenant_a.customer()
    after = receiver.at("/hook")[-1]
    verify(rotated["secret"], after)
    with pytest.raises(WebhookVerificationError):
        verify(endpoint["secret"], after)


def test_deleting_an_endpoint_stops_deliveries_and_removes_its_log(app, tenant_a, receiver):
    endpoint = register(tenant_a, receiver)
    tenant_a.customer()
    assert tenant_a.delete(f"/api/v1/webhooks/{endpoint['id']}").status_code == 204
    tenant_a.customer()
    assert len(receiver.at("/hook")) == 1 and deliveries_of(app, tenant_a) == []
    assert tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}").status_code == 404


def test_webhooks_are_for_admins(tenant_a, receiver):
    key = tenant_a.post("/api/v1/api-keys", json={"name": "agent", "scopes": ["read", "write"]}).json["key"]
    response = tenant_a.client.get("/api/v1/webhooks", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 403


def test_events_declared_by_modules_reach_webhooks_too(app, tenant_a, receiver):
    names = {t["name"] for t in tenant_a.get("/api/v1/event-types").json["items"]}
    endpoint = register(tenant_a, receiver, event_types=sorted(names))
    with app.app_context(), tenant_context(tenant_a.id):
        event = OutboxEvent(tenant_id=tenant_a.id, type="birthdays.greeted", data={"customer_id": "x"}, actor="system")
        db.session.add(event)
        db.session.commit()
        event_id = event.id
    with app.app_context():
        from saas.core import delivery
        delivery.deliver_event(str(tenant_a.id), str(event_id))
        from saas.core import queues
        queues.current_queue().run_pending()
    assert [verify(endpoint["secret"], r)["type"] for r in receiver.at("/hook")] == ["birthdays.greeted"]


def test_docs_webhooks_shows_every_core_event_with_its_exact_body():
    """docs/webhooks.md's catalogue: one section per core event, its example body that of the catalogue."""
    import re
    from pathlib import Path

    from saas.core.event_types import CORE_EVENT_TYPES

    text = (Path(__file__).resolve().parent.parent / "docs" / "webhooks.md").read_text()
    sections = dict(re.findall(r"### `([a-z_.]+)`\n\n.*?\n\n```json\n(.*?)\n```", text, re.S))
    assert set(sections) == {t.name for t in CORE_EVENT_TYPES}
    for event_type in CORE_EVENT_TYPES:
        body = json.loads(sections[event_type.name])
        assert set(body) == {"type", "timestamp", "data"}
        assert body["type"] == event_type.name and body["data"] == event_type.example


# -- on rq, with a Redis server of the test's own ----------------------------------------------


@pytest.fixture
def rq_app(app, database, redis_server):
    return make_app(database, REDIS_URL=redis_server.url, WEBHOOK_TIMEOUT_SECONDS=1)


def work(app) -> None:
    with app.app_context():
        queues.current_queue().work(burst=True)


def signed_up(app, sign_up):
    tenant = sign_up()
    tenant.client = app.test_client()
    return tenant


@pytest.mark.redis
def test_on_rq_a_failed_delivery_is_retried_by_the_worker_after_its_backoff(rq_app, sign_up, receiver, monkeypatch):
    monkeypatch.setattr(outbound, "RETRY_DELAYS", (dt.timedelta(seconds=1),) * 3)
    tenant = signed_up(rq_app, sign_up)
    endpoint = register(tenant, receiver)
    receiver.answer("/hook", Answer(status=503))
    tenant.customer(name="Retried")
    assert receiver.at("/hook") == []  # nothing is sent until a worker runs
    work(rq_app)
    assert len(receiver.at("/hook")) == 1
    receiver.answer("/hook", Answer(status=200))
    [waiting] = deliveries_of(rq_app, tenant)  # rq counts whole seconds: the delivery's own time must come too
    wait_until(lambda: utcnow() >= waiting.next_attempt_at and rq_retry_due(rq_app), what="the delivery's backoff")
    work(rq_app)  # the worker's scheduler queues the retry once its backoff is over
    received = receiver.at("/hook")
    assert len(received) == 2 and received[0].headers["webhook-id"] == received[1].headers["webhook-id"]
    assert verify(endpoint["secret"], received[1])["type"] == "customer.created"
    [delivery] = deliveries_of(rq_app, tenant)
    assert delivery.status.value == "succeeded" and delivery.attempts == 2


@pytest.mark.redis
def test_on_rq_many_events_make_one_send_job_per_endpoint_sending_them_in_order(rq_app, sign_up, receiver):
    tenant = signed_up(rq_app, sign_up)
    endpoint = register(tenant, receiver)
    names = [f"c{n:02d}" for n in range(30)]
    for name in names:
        tenant.customer(name=name)
    work(rq_app)
    bodies = [verify(endpoint["secret"], r) for r in receiver.at("/hook")]
    assert [b["data"]["name"] for b in bodies] == names
    with rq_app.app_context():
        finished = queues.current_queue().queue("webhooks").finished_job_registry.get_job_ids()
    assert len(finished) < len(names)  # waiting jobs are not duplicated per event


@pytest.mark.redis
def test_on_rq_events_committed_together_reach_an_endpoint_in_order_through_one_delivery_job(
        rq_app, sign_up, receiver, monkeypatch):
    """A commit's events are fanned out by one job, a batch after another, and sent a batch after
    another: in the order emitted, whatever the batches' sizes."""
    from rq.job import Job

    from saas.core import delivery
    from saas.core.events import emit_many

    monkeypatch.setattr(delivery, "BATCH", 4)
    monkeypatch.setattr(outbound, "BATCH", 3)
    tenant = signed_up(rq_app, sign_up)
    endpoint = register(tenant, receiver)
    work(rq_app)  # the sign-up's own
    with rq_app.app_context():
        default = queues.current_queue().queue("default").finished_job_registry
        before = set(default.get_job_ids())
        with tenant_context(tenant.id):
            emit_many(CUSTOMER_DELETED, [{"customer_id": str(uuid.uuid4()), "n": n} for n in range(10)])
            db.session.commit()
    work(rq_app)
    bodies = [verify(endpoint["secret"], r) for r in receiver.at("/hook")]
    assert [b["data"]["n"] for b in bodies if b["type"] == "customer.deleted"] == list(range(10))
    with rq_app.app_context():
        jobs = Job.fetch_many(sorted(set(default.get_job_ids()) - before), connection=queues.current_queue().redis)
    assert [job.func_name.rpartition(".")[2] for job in jobs if "deliver" in job.func_name] == ["deliver_events"]


@pytest.mark.redis
def test_on_rq_one_tenant_s_slow_endpoint_delays_another_s_by_one_timeout_at_most(rq_app, sign_up, receiver):
    slow, fast = signed_up(rq_app, sign_up), signed_up(rq_app, sign_up)
    receiver.answer("/slow", Answer(delay=3))
    register(slow, receiver, path="/slow")
    register(fast, receiver, path="/fast")
    for n in range(5):
        slow.customer(name=f"slow {n}")
    fast.customer(name="fast")
    work(rq_app)  # one worker: the slow endpoint's job times out once (1 s), then backs off
    # Counted, not timed (a loaded machine stretches wall time): the worker spent one timeout on
    # the slow endpoint, left its other deliveries waiting, and went on to the fast one.
    assert len(receiver.at("/fast")) == 1 and len(receiver.at("/slow")) == 1
    assert sorted(d.attempts for d in deliveries_of(rq_app, slow)) == [0, 0, 0, 0, 1]
    assert [d.status.value for d in deliveries_of(rq_app, fast)] == ["succeeded"]


def test_owners_and_admins_are_told_on_their_landing_page_when_an_endpoint_was_switched_off(tenant_a, receiver):
    receiver.answer("/gone", Answer(status=410))
    register(tenant_a, receiver, path="/gone")
    tenant_a.customer()
    owner = tenant_a.signed_in()
    owner.post("/language", data={"locale": "en", "csrf_token": CSRF_INPUT.search(
        owner.get("/").get_data(as_text=True)).group(1)})  # the workspace speaks Chinese
    page = owner.get("/").get_data(as_text=True)
    assert "Retain stopped sending webhooks to" in page and receiver.url("/gone") in page and "410 Gone" in page
    agent = tenant_a.post("/api/v1/members", json={"email": "agent@a.example", "password": "a long enough password",
                                                   "role": "agent"})
    assert agent.status_code == 201
    browser = tenant_a.client.application.test_client()
    token = CSRF_INPUT.search(browser.get("/login").get_data(as_text=True)).group(1)
    browser.post("/login", data={"email": "agent@a.example", "password": "a long enough password", "csrf_token": token})
    browser.post("/language", data={"locale": "en", "csrf_token": token})
    assert "Retain stopped sending webhooks" not in browser.get("/").get_data(as_text=True)


@pytest.mark.redis
def test_on_rq_deliveries_claimed_by_a_sender_that_died_are_sent_when_its_lease_ends(rq_app, sign_up, receiver):
    tenant = signed_up(rq_app, sign_up)
    endpoint = register(tenant, receiver)
    work(rq_app)  # the endpoint's creation events: nothing to send yet
    tenant.customer(name="claimed, then orphaned")
    with rq_app.app_context():
        events = queues.current_queue().queue("default")
        [fan_out] = events.jobs
        events.remove(fan_out)
        fan_out.perform()  # the delivery is written (and a send job queued)
        with tenant_context(tenant.id):
            [claimed] = outbound._claim(uuid.UUID(endpoint["id"]))  # a sender claims it, then dies
    work(rq_app)  # the next sender finds it leased: it waits for the lease instead of spinning
    assert receiver.at("/hook") == []
    with rq_app.app_context():
        registry = queues.current_queue().queue("webhooks").scheduled_job_registry
        [job_id] = registry.get_job_ids()
        waits = registry.get_scheduled_time(job_id) - dt.datetime.now(dt.timezone.utc)
    assert outbound.LEASE - dt.timedelta(seconds=30) < waits <= outbound.LEASE


@pytest.mark.parametrize("status, retry_after, waits", [
    (503, "120", dt.timedelta(seconds=120)),  # a 503 may ask for time too
    (429, "99999999999999", outbound.LONGEST_RETRY_AFTER),  # capped, not an overflow
    (429, "²", dt.timedelta(seconds=5)),  # not a number: the schedule's delay
    (429, "soon", dt.timedelta(seconds=5)),
])
def test_whatever_retry_after_says_the_attempt_is_recorded(app, tenant_a, receiver, monkeypatch, status,
                                                           retry_after, waits):
    clock = Clock(monkeypatch)
    receiver.answer("/hook", Answer(status=status, headers={"Retry-After": retry_after}))
    register(tenant_a, receiver)
    tenant_a.customer()
    [delivery] = deliveries_of(app, tenant_a)
    assert delivery.attempts == 1 and delivery.claimed_until is None
    assert delivery.next_attempt_at - clock.now == waits


def test_a_new_url_or_switching_back_on_ends_the_back_off(app, tenant_a, receiver):
    receiver.answer("/down", Answer(status=500))
    endpoint = register(tenant_a, receiver, path="/down")
    tenant_a.customer(name="while down")
    assert tenant_a.get(f"/api/v1/webhooks/{endpoint['id']}").json["failing_since"] is not None
    moved = tenant_a.patch(f"/api/v1/webhooks/{endpoint['id']}", json={"url": receiver.url("/up")})
    assert moved.status_code == 200
    tenant_a.customer(name="after the move")
    assert [json.loads(r.body)["data"]["name"] for r in receiver.at("/up")] == ["while down", "after the move"]


def test_a_delivery_being_sent_cannot_be_redelivered_at_the_same_time(app, tenant_a, receiver):
    receiver.answer("/hook", Answer(status=500))
    endpoint = register(tenant_a, receiver)
    tenant_a.customer()
    [delivery] = deliveries_of(app, tenant_a)
    with app.app_context(), tenant_context(tenant_a.id):
        db.session.execute(sa.update(WebhookDelivery).values(claimed_until=utcnow() + outbound.LEASE))
        db.session.commit()
    again = tenant_a.post(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{delivery.id}/redeliver")
    assert again.status_code == 409 and len(receiver.at("/hook")) == 1


def test_a_send_job_stops_after_its_time_budget_and_keeps_what_it_sent(app, tenant_a, receiver, monkeypatch):
    monkeypatch.setattr(outbound, "BUDGET_SECONDS", 0.5)
    receiver.answer("/slow", Answer(delay=0.3))  # answers, slowly
    endpoint = register(tenant_a, receiver, path="/slow")
    with app.app_context(), tenant_context(tenant_a.id):
        for n in range(6):
            from saas.core.events import emit
            emit(CUSTOMER_CREATED, customer_id=uuid.uuid4(), name=f"n{n}")
        db.session.commit()  # after commit: fan-out, then one send job, in-process
    sent = [d for d in deliveries_of(app, tenant_a) if d.status.value == "succeeded"]
    assert 1 <= len(sent) < 6  # the job stopped early...
    assert all(d.claimed_until is None for d in deliveries_of(app, tenant_a))  # ...and released the rest
    while send_due(app, tenant_a, endpoint["id"]):
        pass
    assert {d.status.value for d in deliveries_of(app, tenant_a)} == {"succeeded"}
    assert len(receiver.at("/slow")) == 6


@pytest.mark.parametrize("answer", [Answer(body=b"x" * (1024 * 1024)), Answer(body=b"ok" * 20, trickle=0.2)])
def test_a_huge_or_trickling_answer_does_not_hold_the_sender(app, tenant_a, receiver, answer):
    receiver.answer("/chatty", answer)
    register(tenant_a, receiver, path="/chatty")
    started = time.monotonic()
    tenant_a.customer()
    assert time.monotonic() - started < app.config["WEBHOOK_TIMEOUT_SECONDS"] + 1.5
    [delivery] = deliveries_of(app, tenant_a)
    assert delivery.status.value == "succeeded" and delivery.last_status_code == 204


def test_a_batch_of_events_fans_out_in_the_same_few_statements_however_many_and_only_once(
        app, tenant_a, receiver, count_queries, monkeypatch):
    from saas.core import delivery
    from saas.core.events import emit_many

    register(tenant_a, receiver, "/one")
    register(tenant_a, receiver, "/two")
    monkeypatch.setattr(queues.InProcessQueue, "enqueue", lambda self, func, *args, **kw: None)  # by hand here

    def deliver(count: int) -> int:
        with app.app_context(), tenant_context(tenant_a.id):
            emit_many(CUSTOMER_DELETED, [{"customer_id": str(uuid.uuid4())} for _ in range(count)])
            ids = [str(i) for _, i in db.session.info[queues._AFTER_COMMIT][delivery.hand_over]]
            db.session.commit()
        with app.app_context(), count_queries() as seen:
            delivery.deliver_events(str(tenant_a.id), ids)
        with app.app_context():
            delivery.deliver_events(str(tenant_a.id), ids)  # again: nothing more is written
        return seen()

    deliver(1)  # the first delivery also reads what later ones find cached
    assert deliver(2) == deliver(8)
    assert len([d for d in deliveries_of(app, tenant_a) if d.event_type == "customer.deleted"]) == 2 * 11
