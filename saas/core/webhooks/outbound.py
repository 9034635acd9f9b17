"""Sending webhooks: each event to each endpoint that wants it, signed per Standard Webhooks, at
least once, with retries, and a log of every attempt.

:func:`receive` (the event delivery's receiver, :mod:`saas.core.delivery`) writes one delivery per
endpoint and event (:func:`fan_out`) and, after commit, hands each endpoint to :func:`send_due`. That job claims the endpoint's due deliveries in batches
(a lease, so two workers never send the same one and a crashed worker's claim runs out), posts
them over one kept-alive connection, and records the outcomes a batch at a time. The first
failure stops the batch: the rest wait for the failed delivery's retry, so an endpoint that is
down or slow costs one timeout per retry, not one per event, and holds no worker from the other
endpoints' jobs.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import enum
import json
import logging
import random
import time
import uuid
from dataclasses import dataclass

import httpcore
import sqlalchemy as sa
from flask import current_app
from redis.exceptions import RedisError
from standardwebhooks.webhooks import Webhook

import saas
from saas.core import metrics
from saas.core.accounts import Role, Tenant
from saas.core.db import db
from saas.core.events import emit
from saas.core.event_types import WEBHOOK_ENDPOINT_DISABLED
from saas.core.hooktypes import Schedule
from saas.core.netguard import GuardedBackend
from saas.core.messages import N_
from saas.core.notifications import notify
from saas.core.outbox import OutboxEvent
from saas.core.queues import after_commit, current_queue, job
from saas.core.tenancy import current_tenant_id, insert_many, tenant_context
from saas.core.types import new_id, utcnow
from saas.core.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

# After the 1st, 2nd, ... failed attempt; after the last one the delivery has failed for good.
RETRY_DELAYS = tuple(dt.timedelta(seconds=s) for s in (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600))
JITTER = 0.1  # each delay varies by up to 10% either way, so retries of many deliveries spread out
LONGEST_RETRY_AFTER = dt.timedelta(hours=24)
DISABLE_AFTER = dt.timedelta(days=5)  # an endpoint failing without a success for this long is disabled
LEASE = dt.timedelta(minutes=5)
BATCH = 500  # deliveries claimed, posted and recorded together (a claim and a write of outcomes each)
BUDGET_SECONDS = 30  # a send job stops taking deliveries after this and queues itself again
MAX_ANSWER = 64 * 1024  # bytes of a receiver's answer read (it is not kept, only its status)
JOB_TIMEOUT = 300  # rq stops a send job after this: the budget plus one slow request's three timeouts
POOL = "saas.webhooks.pool"
USER_AGENT = f"Retain-Webhooks/{saas.__version__}".encode()


def payload_of(event: OutboxEvent) -> str:
    """The body every endpoint receives: ``{"type", "timestamp", "data"}``, ids as strings."""
    body = {"type": event.type, "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"), "data": event.data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def endpoints() -> list[WebhookEndpoint]:
    """The bound tenant's enabled endpoints (read once for a batch of events)."""
    return list(db.session.scalars(sa.select(WebhookEndpoint).where(WebhookEndpoint.enabled)))


def fan_out(events: list[OutboxEvent], enabled: list[WebhookEndpoint] | None = None) -> list[uuid.UUID]:
    """Write a delivery of each event for each enabled endpoint that wants it (once, however often
    this runs) and return the endpoints that have one; the caller commits, then :func:`hand_over`.
    The deliveries' ids follow the events' order, which is the order they are sent in."""
    enabled = endpoints() if enabled is None else enabled
    now = utcnow()
    rows = []
    for event in events:
        wanting = [endpoint for endpoint in enabled if endpoint.wants(event.type)]
        payload = payload_of(event) if wanting else None
        rows.extend({"id": new_id(), "endpoint_id": endpoint.id, "event_id": event.id, "event_type": event.type,
                     "payload": payload} for endpoint in wanting)
    if not rows:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(INSERT_DELIVERIES, {"tenant_id": current_tenant_id(), "now": now, **_columns(rows)})
    else:
        existing = {(row.event_id, row.endpoint_id) for row in db.session.execute(
            sa.select(WebhookDelivery.event_id, WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.event_id.in_({row["event_id"] for row in rows})))}
        insert_many(WebhookDelivery, [
            {**row, "status": DeliveryStatus.pending.value, "attempts": 0, "attempt_log": [], "created_at": now,
             "next_attempt_at": now} for row in rows if (row["event_id"], row["endpoint_id"]) not in existing])
    return sorted({row["endpoint_id"] for row in rows})


# On PostgreSQL a batch of events' deliveries is one statement, the same whatever the batch's size
# (the ORM's multi-row VALUES differed with each size, and psycopg parsed each afresh: about half
# of the fan-out's time); a delivery already written (an event delivered twice) is left as it is.
INSERT_DELIVERIES = sa.text("""
    INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_type, payload, status, attempts,
                                    attempt_log, created_at, next_attempt_at)
    SELECT CAST(:tenant_id AS uuid), d.id, d.endpoint_id, d.event_id, d.event_type, d.payload, 'pending', 0,
           CAST('[]' AS json), :now, :now
    FROM unnest(CAST(:id AS uuid[]), CAST(:endpoint_id AS uuid[]), CAST(:event_id AS uuid[]),
                CAST(:event_type AS text[]), CAST(:payload AS text[])) AS d (id, endpoint_id, event_id, event_type, payload)
    ON CONFLICT (tenant_id, endpoint_id, event_id) DO NOTHING
""")


def receive(events: list[OutboxEvent]) -> None:
    """Each event's deliveries, written in the delivery's transaction; once it commits, each
    endpoint that got one is handed to its sender."""
    tenant_id = current_tenant_id()
    after_commit(_hand_over_committed, *((tenant_id, endpoint_id) for endpoint_id in fan_out(events)))


def _hand_over_committed(endpoints_: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    for tenant_id, endpoint_id in endpoints_:
        hand_over(tenant_id, [endpoint_id])


def hand_over(tenant_id: uuid.UUID, endpoint_ids: list[uuid.UUID]) -> None:
    """Have each endpoint's due deliveries sent: one waiting job per endpoint, however many events."""
    for endpoint_id in endpoint_ids:
        try:
            current_queue().enqueue_once(_job_key(endpoint_id), send_due, str(tenant_id), str(endpoint_id),
                                         queue="webhooks", timeout=JOB_TIMEOUT)
        except RedisError as error:  # the deliveries are written: the webhook sweep sends them later
            log.warning("webhooks of endpoint %s left for the sweep: %s", endpoint_id, error)


def _job_key(endpoint_id) -> str:
    return f"webhooks-{endpoint_id}"


@dataclass(frozen=True)
class Claimed:
    """A delivery leased to a sender: what it takes to send it, not the ORM row."""

    id: uuid.UUID
    payload: str
    attempts: int
    created_at: dt.datetime
    attempt_log: list


@dataclass
class Outcome:
    delivery: Claimed
    attempted_at: dt.datetime
    duration_ms: int
    status_code: int | None = None
    error: str | None = None
    retry_after: dt.timedelta | None = None
    gone: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Target:
    """What a send job reads of its endpoint once: where to post and how to sign (a secret
    rotated meanwhile stays valid for a day, and the job's budget is 30 s)."""

    url: str
    signers: list[Webhook]
    failing: bool  # failing since, or paused until, some time: a success must clear it

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> "Target":
        now = utcnow()
        return cls(endpoint.url, [Webhook(secret) for secret in endpoint.secrets_at(now)],
                   endpoint.failing_since is not None or endpoint.paused_until is not None)


@job
def send_due(tenant_id: str, endpoint_id: str) -> int:
    """Send the endpoint's due deliveries, a batch at a time, until none is due or one fails.
    Returns how many succeeded.

    The endpoint is read once; each claim checks in its own statement that the endpoint is still
    on and not pausing, so a batch costs the claim, the posts and one write of the outcomes."""
    tenant_uuid, endpoint_uuid = uuid.UUID(tenant_id), uuid.UUID(endpoint_id)
    current_queue().started(_job_key(endpoint_id))
    sent = 0
    deadline = time.monotonic() + BUDGET_SECONDS
    with tenant_context(tenant_uuid):
        endpoint = db.session.get(WebhookEndpoint, (tenant_uuid, endpoint_uuid))
        target = Target.of(endpoint) if endpoint is not None and endpoint.enabled else None
        db.session.commit()
        while target is not None and time.monotonic() < deadline:
            batch = _claim(endpoint_uuid)
            if not batch:
                break
            outcomes = _post_all(target, batch, deadline)
            sent += sum(outcome.succeeded for outcome in outcomes)
            target = _record(tenant_uuid, endpoint_uuid, target, batch, outcomes)
            db.session.commit()
            if len(outcomes) < len(batch) or len(batch) < BATCH:
                break
        _schedule_next(tenant_uuid, endpoint_uuid)
        db.session.commit()
    return sent


def _claim(endpoint_id: uuid.UUID) -> list[Claimed]:
    """The endpoint's due deliveries, oldest first, leased to this job (committed: the lease is
    what keeps another sender off them while they are posted); none while the endpoint is off or
    pausing after a failure."""
    now = utcnow()
    _commit_without_waiting_for_the_disk()
    sendable = sa.exists().where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.enabled,
                                 sa.or_(WebhookEndpoint.paused_until.is_(None), WebhookEndpoint.paused_until <= now))
    due = (
        sa.select(WebhookDelivery.id)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == DeliveryStatus.pending,
               WebhookDelivery.next_attempt_at <= now,
               sa.or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now), sendable)
        .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    rows = db.session.execute(
        sa.update(WebhookDelivery).where(WebhookDelivery.id.in_(due)).values(claimed_until=now + LEASE)
        .returning(WebhookDelivery.id, WebhookDelivery.payload, WebhookDelivery.attempts, WebhookDelivery.created_at,
                   WebhookDelivery.attempt_log)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted((Claimed(*row) for row in rows), key=lambda claimed: (claimed.created_at, claimed.id))


def _post_all(target: Target, batch: list[Claimed], deadline: float) -> list[Outcome]:
    """Post the batch in order until one fails or the job's time is up (a slow receiver that does
    answer must not keep a worker, nor outlive rq's timeout with nothing recorded)."""
    outcomes = []
    for delivery in batch:
        outcome = post(target.url, target.signers, delivery)
        outcomes.append(outcome)
        if not outcome.succeeded or time.monotonic() >= deadline:
            break
    return outcomes


def request_headers(delivery_id: uuid.UUID, at: dt.datetime, signatures: str) -> list[tuple[str, str]]:
    """The headers of an attempt at ``at``: what :func:`post` sends, and what a delivery's page
    shows (with ``signatures`` standing in for the signatures, which the secret makes)."""
    return [
        ("content-type", "application/json"),
        ("user-agent", USER_AGENT.decode()),
        ("webhook-id", str(delivery_id)),
        ("webhook-timestamp", str(int(at.timestamp()))),
        ("webhook-signature", signatures),
    ]


def post(url: str, signers: list[Webhook], delivery: Claimed) -> Outcome:
    """One signed attempt; never raises for what the receiver or the network does."""
    now = utcnow()
    signatures = " ".join(signer.sign(str(delivery.id), now, delivery.payload) for signer in signers)
    headers = [(name.encode(), value.encode()) for name, value in request_headers(delivery.id, now, signatures)]
    timeout = current_app.config["WEBHOOK_TIMEOUT_SECONDS"]
    started = time.perf_counter()
    outcome = Outcome(delivery, now, 0)
    try:
        response = _answer(url, headers, delivery.payload.encode(), timeout)
    except httpcore.TimeoutException:
        outcome.error = f"no answer within {timeout:g} s"
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as error:
        outcome.error = str(error)[:500] or type(error).__name__
    except Exception as error:  # whatever else goes wrong is this attempt's failure, never a stuck delivery
        log.warning("webhook delivery %s failed unexpectedly", delivery.id, exc_info=True)
        outcome.error = f"{type(error).__name__}: {error}"[:500]
    else:
        outcome.status_code = response.status
        if 300 <= response.status < 400:
            location = _header(response, b"location") or "?"
            outcome.error = f"redirects are not followed (to {location[:200]})"
        elif response.status == 410:
            outcome.gone = True
        elif response.status in (429, 503):
            outcome.retry_after = _retry_after(_header(response, b"retry-after"), now)
    outcome.duration_ms = round((time.perf_counter() - started) * 1000)
    return outcome


def _answer(url: str, headers: list, body: bytes, timeout: float) -> httpcore.Response:
    """POST and read at most ``MAX_ANSWER`` bytes of the answer within ``timeout``: nobody's
    receiver keeps a sender with a huge or trickling body (the connection is dropped then)."""
    deadline = time.monotonic() + timeout
    with _pool().stream("POST", url, headers=headers, content=body,
                        extensions={"timeout": {"connect": timeout, "read": timeout, "write": timeout,
                                                "pool": timeout}}) as response:
        read = 0
        for chunk in response.iter_stream():
            read += len(chunk)
            if read > MAX_ANSWER or time.monotonic() > deadline:
                break
    return response


def _header(response: httpcore.Response, name: bytes) -> str | None:
    for key, value in response.headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _retry_after(value: str | None, now: dt.datetime) -> dt.timedelta | None:
    """``Retry-After`` in seconds or as an HTTP date; nonsense is ignored."""
    value = (value or "").strip()
    if not value or not value.isascii():
        return None
    if value.isdigit():
        return dt.timedelta(seconds=min(int(value), int(LONGEST_RETRY_AFTER.total_seconds())))
    try:
        wait = email.utils.parsedate_to_datetime(value) - now
    except (TypeError, ValueError, OverflowError):
        return None
    return min(max(wait, dt.timedelta(0)), LONGEST_RETRY_AFTER)


def retry_delay(attempts: int, retry_after: dt.timedelta | None = None) -> dt.timedelta | None:
    """How long to wait after the ``attempts``-th failed attempt (None: give up), with jitter;
    a receiver's ``Retry-After`` is honoured when it asks for longer."""
    if attempts > len(RETRY_DELAYS):
        return None
    delay = RETRY_DELAYS[attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)
    return max(delay, retry_after) if retry_after else delay


def _record(tenant_id: uuid.UUID, endpoint_id: uuid.UUID, target: Target, batch: list[Claimed],
            outcomes: list[Outcome]) -> Target:
    """Write the outcomes, a batch in a few statements, and return the target as it is now. After a
    failure the endpoint pauses until that delivery's retry: the deliveries behind it, and those of
    events still to come, wait rather than time out too. The endpoint's row is read and written
    only when a failure, or the first success after failures, changes it."""
    now = utcnow()
    endpoint = None
    if target.failing or not outcomes[-1].succeeded:
        endpoint = db.session.get(WebhookEndpoint, (tenant_id, endpoint_id))  # None: deleted meanwhile
    failing_since, paused_until = (endpoint.failing_since, endpoint.paused_until) if endpoint else (None, None)
    updates, counted = [], []
    for outcome in outcomes:
        delivery = outcome.delivery
        tried = delivery.attempts + 1
        attempt = {"attempted_at": outcome.attempted_at.isoformat(), "status_code": outcome.status_code,
                   "duration_ms": outcome.duration_ms, "error": outcome.error}
        row = {"tenant_id": tenant_id, "id": delivery.id, "attempts": tried,
               "last_status_code": outcome.status_code, "last_error": outcome.error,
               "last_duration_ms": outcome.duration_ms, "status": DeliveryStatus.pending, "finished_at": None,
               "next_attempt_at": None, "attempt_log": [*delivery.attempt_log, attempt]}
        updates.append(row)
        if outcome.succeeded:
            row.update(status=DeliveryStatus.succeeded, finished_at=now)
            failing_since = paused_until = None
            counted.append("succeeded")
            continue
        failing_since = failing_since or now
        delay = None if outcome.gone else retry_delay(tried, outcome.retry_after)
        if delay is None:
            row.update(status=DeliveryStatus.failed, finished_at=now)
            counted.append("failed")
        else:
            row["next_attempt_at"] = paused_until = now + delay
            counted.append("retrying")
    _commit_without_waiting_for_the_disk()
    _write(updates)
    after_commit(metrics.count_webhook_outcomes, *counted)
    untried = [delivery.id for delivery in batch[len(outcomes):]]
    if untried:
        db.session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id.in_(untried))
                           .values(claimed_until=None).execution_options(synchronize_session=False))
    failed = outcomes[-1] if not outcomes[-1].succeeded else None
    if endpoint is not None:
        endpoint.failing_since, endpoint.paused_until = failing_since, paused_until
        if failed is not None and failed.gone:
            disable(endpoint, "the endpoint answered 410 Gone")
        elif failed is not None and now - failing_since >= DISABLE_AFTER:
            disable(endpoint, f"every delivery has failed since {failing_since:%Y-%m-%d %H:%M} UTC")
    return Target(target.url, target.signers, failing=failed is not None)


def _commit_without_waiting_for_the_disk() -> None:
    """Let the sender's own bookkeeping (a lease, a batch's outcomes) commit without waiting for
    PostgreSQL's log to reach the disk: a crash of the database loses at most its last fraction
    of a second of commits, which means a lease that ran out early or a delivery sent again (at
    least once, as ever), never a damaged row. The wait was a tenth of a batch's time."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL synchronous_commit = off"))


# On PostgreSQL a batch's outcomes are one statement whatever its size: arrays unnested into rows.
# (A statement per row, or a VALUES list compiled afresh for every batch, took longer than posting.)
UPDATE_OUTCOMES = sa.text("""
    UPDATE webhook_deliveries AS d
    SET attempts = o.attempts, claimed_until = NULL, last_status_code = o.status_code, last_error = o.error,
        last_duration_ms = o.duration_ms, status = o.status, finished_at = o.finished_at,
        next_attempt_at = o.next_attempt_at, attempt_log = CAST(o.attempt_log AS json)
    FROM unnest(CAST(:id AS uuid[]), CAST(:attempts AS int[]), CAST(:last_status_code AS int[]),
                CAST(:last_error AS text[]), CAST(:last_duration_ms AS int[]), CAST(:status AS text[]),
                CAST(:finished_at AS timestamptz[]), CAST(:next_attempt_at AS timestamptz[]),
                CAST(:attempt_log AS text[]))
         AS o (id, attempts, status_code, error, duration_ms, status, finished_at, next_attempt_at, attempt_log)
    WHERE d.tenant_id = CAST(:tenant_id AS uuid) AND d.id = o.id
""")


def _write(updates: list[dict]) -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(sa.update(WebhookDelivery), [{**row, "claimed_until": None} for row in updates])
        return
    columns = _columns(updates, "tenant_id")
    columns["attempt_log"] = [json.dumps(log) for log in columns["attempt_log"]]
    db.session.execute(UPDATE_OUTCOMES, {"tenant_id": current_tenant_id(), **columns})


def _columns(rows: list[dict], *leaving_out: str) -> dict[str, list]:
    """Rows as columns (for ``unnest``); enums as their values."""
    return {name: [row[name].value if isinstance(row[name], enum.Enum) else row[name] for row in rows]
            for name in rows[0] if name not in leaving_out}


def disable(endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop sending to ``endpoint``: its waiting deliveries fail, and the admins are told through
    the ``webhook.endpoint_disabled`` event and the endpoint's ``disabled_reason``."""
    if not endpoint.enabled:
        return
    log.warning("webhook endpoint %s of tenant %s disabled: %s", endpoint.id, endpoint.tenant_id, reason)
    endpoint.enabled, endpoint.disabled_reason = False, reason
    failed = db.session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryStatus.pending)
        .values(status=DeliveryStatus.failed, finished_at=utcnow(), next_attempt_at=None,
                last_error="the endpoint was disabled")
        .execution_options(synchronize_session="fetch")
    ).rowcount
    after_commit(metrics.count_webhook_outcomes, *["disabled"] * failed)
    emit(WEBHOOK_ENDPOINT_DISABLED, endpoint_id=endpoint.id, url=endpoint.url, reason=reason)
    notify([Role.owner, Role.admin], N_("Retain stopped sending to the webhook endpoint %(url)s"),
           N_("It kept failing. Switch it on again in the settings once it answers."), params={"url": endpoint.url},
           link=f"/settings/webhooks/{endpoint.id}", kind="core.webhook_disabled")


def _schedule_next(tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> None:
    """If deliveries wait for a later attempt, the end of another sender's lease (a sender that
    died holds its batch until then) or the endpoint's pause, run again then."""
    endpoint = db.session.get(WebhookEndpoint, (tenant_id, endpoint_id))
    free_at = sa.case((WebhookDelivery.claimed_until > WebhookDelivery.next_attempt_at, WebhookDelivery.claimed_until),
                      else_=WebhookDelivery.next_attempt_at)
    next_at = db.session.scalar(
        sa.select(sa.func.min(free_at))
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == DeliveryStatus.pending)
    )
    if next_at is not None and endpoint is not None and endpoint.enabled:
        next_at = max(next_at, endpoint.paused_until or next_at)
        current_queue().enqueue_at(max(next_at, utcnow()), send_due, str(tenant_id), str(endpoint_id),
                                   queue="webhooks", key=_job_key(endpoint_id), timeout=JOB_TIMEOUT)


@job
def sweep_due() -> int:
    """Hand every endpoint with a delivery due to a sender (after an outage, or in the embedded
    set-up, which has no delayed jobs); returns how many endpoints."""
    handed = 0
    tenant_ids = list(db.session.scalars(sa.select(Tenant.id)))
    db.session.rollback()
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            now = utcnow()
            endpoints = list(db.session.scalars(
                sa.select(WebhookDelivery.endpoint_id).distinct()
                .where(WebhookDelivery.status == DeliveryStatus.pending, WebhookDelivery.next_attempt_at <= now,
                       sa.or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now))
            ))
            db.session.rollback()
        hand_over(tenant_id, endpoints)
        handed += len(endpoints)
    return handed


def _pool() -> httpcore.ConnectionPool:
    """One connection pool per application, guarded against private networks unless allowed."""
    pool = current_app.extensions.get(POOL)
    if pool is None:
        backend = GuardedBackend(allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"])
        pool = current_app.extensions[POOL] = httpcore.ConnectionPool(
            network_backend=backend, max_connections=50, keepalive_expiry=30, retries=0)
    return pool


SCHEDULES = (Schedule("webhooks.sweep", "* * * * *", sweep_due, "webhooks"),)
