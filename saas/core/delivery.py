"""Delivering committed events: to each module the workspace enabled, and to the receivers the
application wired in (webhooks), at least once, and in order.

:mod:`saas.core.events` hands the ids over after commit (:func:`hand_over`): a commit's events go
as one :func:`deliver_events` job per tenant, which takes them in the order they were emitted,
``BATCH`` at a time, a transaction each; a statement's events (``emit_selected(many=True)``, a
million at a recompute) go as one :func:`deliver_emitted` job, which takes them the same way for
a while and then queues itself to go on, so the queue never holds more than that one job for them.
Each batch goes to each receiver (``init_app(receivers=...)``): a function that takes the batch's
outbox rows and writes what it needs in the same transaction, deferring anything that must see
the commit with :func:`saas.core.queues.after_commit`; and each event to every enabled module
that handles events, in a :func:`handle_event` job of its own. A batch commits before the next
is read, so what a receiver writes for it (a webhook delivery) comes before the next batch's.
The periodic :func:`sweep_events` hands over whatever a Redis outage left behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from typing import Callable

import sqlalchemy as sa
from flask import current_app
from redis.exceptions import RedisError

from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.hooktypes import Schedule
from saas.core.modules import enabled_modules
from saas.core.outbox import Event, HandledEvent, OutboxEvent, undelivered
from saas.core.plugins import installed
from saas.core.queues import current_queue, job
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow

log = logging.getLogger(__name__)

SWEEP_GRACE = dt.timedelta(seconds=60)
BATCH = 500  # events delivered in one transaction
BUDGET_SECONDS = 60  # a deliver_emitted job queues its sequel after this
JOB_TIMEOUT = 600  # rq stops a delivery job after this (a commit's events, or a budget's worth)
RECEIVERS = "saas.event_receivers"

Receiver = Callable[[list[OutboxEvent]], None]


def init_app(app, *, receivers: tuple[Receiver, ...] = ()) -> None:
    """Every batch of events delivered also goes to each of ``receivers``, in its transaction."""
    app.extensions[RECEIVERS] = tuple(receivers)


def hand_over(events: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    """Hand just-committed events (``(tenant id, event id)``, in the order emitted) to the queue:
    one job per tenant, a single event as a :func:`deliver_event` job; if Redis is away, the
    sweeper will hand them over."""
    queue = current_queue()
    by_tenant: dict[uuid.UUID, list[str]] = {}
    for tenant_id, event_id in events:
        by_tenant.setdefault(tenant_id, []).append(str(event_id))
    for tenant_id, ids in by_tenant.items():
        try:
            if len(ids) == 1:
                queue.enqueue(deliver_event, str(tenant_id), ids[0])
            else:
                queue.enqueue(deliver_events, str(tenant_id), ids, timeout=JOB_TIMEOUT)
        except RedisError as error:
            log.warning("%d events of tenant %s left for the sweeper: %s", len(ids), tenant_id, error)


def hand_over_emitted(stamps: list[tuple[uuid.UUID, dt.datetime]]) -> None:
    """Hand over the events that statements emitted in bulk, known by tenant and stamp only
    (``emit_selected(many=True)``): a :func:`deliver_emitted` job each."""
    for tenant_id, occurred_at in sorted(set(stamps)):
        try:
            current_queue().enqueue(deliver_emitted, str(tenant_id), occurred_at.isoformat(), queue="low",
                                    timeout=JOB_TIMEOUT)
        except RedisError as error:
            log.warning("events of tenant %s emitted at %s left for the sweeper: %s", tenant_id, occurred_at, error)


@job
def deliver_emitted(tenant_id: str, occurred_at: str, after: str | None = None) -> int:
    """Deliver the undelivered events of one bulk statement (one ``occurred_at``) in id order,
    ``BATCH`` at a time, from the one after ``after``; after ``BUDGET_SECONDS`` the job queues its
    own sequel and stops. Returns how many it delivered."""
    stamp, tenant_uuid = dt.datetime.fromisoformat(occurred_at), uuid.UUID(tenant_id)
    cursor = uuid.UUID(after) if after else None
    deadline = time.monotonic() + BUDGET_SECONDS
    delivered = 0
    while True:
        with tenant_context(tenant_uuid):
            batch = sa.select(OutboxEvent.id).where(OutboxEvent.occurred_at == stamp, OutboxEvent.delivered_at.is_(None))
            if cursor is not None:
                batch = batch.where(OutboxEvent.id > cursor)
            ids = list(db.session.scalars(batch.order_by(OutboxEvent.id).limit(BATCH)))
            db.session.rollback()
        if not ids:
            return delivered
        delivered += _deliver_batch(tenant_uuid, ids)
        cursor = ids[-1]
        if len(ids) < BATCH:
            return delivered
        if time.monotonic() > deadline:
            current_queue().enqueue(deliver_emitted, tenant_id, occurred_at, str(cursor), queue="low",
                                    timeout=JOB_TIMEOUT)
            return delivered


@job
def deliver_event(tenant_id: str, event_id: str) -> None:
    """Give the event to each module the tenant has enabled that handles events and to each
    receiver; mark it delivered."""
    deliver_events(tenant_id, [event_id])


@job
def deliver_events(tenant_id: str, event_ids: list[str]) -> None:
    """:func:`deliver_event` for many events of one tenant, in the order given, ``BATCH`` to a
    transaction."""
    tenant_uuid = uuid.UUID(tenant_id)
    for start in range(0, len(event_ids), BATCH):
        _deliver_batch(tenant_uuid, [uuid.UUID(i) for i in event_ids[start:start + BATCH]])


def _deliver_batch(tenant_id: uuid.UUID, event_ids: list[uuid.UUID]) -> int:
    """Deliver these events, oldest first, and commit; returns how many were found. The receivers
    get the rows as read (what an outbox row holds, not ORM instances: making and flushing those
    was most of a batch's time), and one UPDATE marks the batch delivered."""
    with tenant_context(tenant_id):
        rows = db.session.execute(sa.select(*_EVENTS.c).where(  # gone: rolled back in a savepoint, or the tenant
            _EVENTS.c.id.in_(event_ids)).order_by(_EVENTS.c.occurred_at, _EVENTS.c.id)).all()
        if not rows:
            db.session.rollback()
            return 0
        tenant = db.session.get(Tenant, tenant_id)
        handlers = {impl.plugin_name for impl in installed().pm.hook.saas_handle_event.get_hookimpls()}
        modules = sorted(handlers & enabled_modules(tenant))
        for receive in current_app.extensions[RECEIVERS]:
            receive(rows)
        for row in rows:
            for module in modules:
                current_queue().enqueue(handle_event, str(tenant_id), str(row.id), module)
        db.session.execute(sa.update(OutboxEvent).where(OutboxEvent.id.in_([row.id for row in rows]),
                                                        OutboxEvent.delivered_at.is_(None))
                           .values(delivered_at=utcnow()).execution_options(synchronize_session=False))
        db.session.commit()
        return len(rows)


_EVENTS = OutboxEvent.__table__


@job
def handle_event(tenant_id: str, event_id: str, module: str) -> None:
    """Run one module's ``saas_handle_event``, once per event: the handler's writes and the record
    that it ran commit together, so a second delivery finds the record (or fails on it) and
    changes nothing. A failure is retried by rq; in-process, the event is marked undelivered
    again, so the next event sweep delivers it once more (to the modules that have not handled it)."""
    tenant_uuid, event_uuid = uuid.UUID(tenant_id), uuid.UUID(event_id)
    plugins = installed()
    with tenant_context(tenant_uuid):
        tenant = db.session.get(Tenant, tenant_uuid)
        row = db.session.get(OutboxEvent, (tenant_uuid, event_uuid))
        if tenant is None or row is None or module not in enabled_modules(tenant) or module not in plugins.modules:
            return
        if db.session.get(HandledEvent, (tenant_uuid, event_uuid, module)) is not None:
            return
        try:
            plugins.call_module(module, "saas_handle_event", tenant, event=Event.of(row))
            db.session.add(HandledEvent(event_id=event_uuid, module=module))
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            if db.session.get(HandledEvent, (tenant_uuid, event_uuid, module)) is not None:
                return  # a twin of this job handled it meanwhile: nothing went wrong
            plugins.record_error(tenant_uuid, module, "saas_handle_event", error)
            if not current_queue().retries:  # in-process: the event sweep will hand it over again
                row.delivered_at = None
                db.session.commit()
            raise


@job
def sweep_events(grace_seconds: float = SWEEP_GRACE.total_seconds()) -> int:
    """Hand over every event still undelivered after the grace period; returns how many."""
    handed = 0
    tenant_ids = list(db.session.scalars(db.select(Tenant.id)))
    db.session.rollback()
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            ids = [str(event_id) for event_id in undelivered(dt.timedelta(seconds=grace_seconds))]
            if ids:
                current_queue().enqueue(deliver_events, str(tenant_id), ids)
                handed += len(ids)
            db.session.commit()
    return handed


SCHEDULES = (Schedule("events.sweep", "* * * * *", sweep_events, "low"),)
