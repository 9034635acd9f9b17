"""Domain events through an outbox: a change and its event commit together or not at all.

:func:`emit` adds the event row (:mod:`saas.core.outbox`) to the session of the change. After the
commit the event ids are handed to :mod:`saas.core.delivery` together (one hand-over per
transaction, :func:`saas.core.queues.after_commit`), which fans each out to every enabled module's
``saas_handle_event`` and to the receivers the application wired (webhooks). If the hand-over
fails (Redis down), the event simply stays undelivered: the sweeper hands over every event still
undelivered after a grace period, so an outage delays events but never loses them. Delivery is
at least once; a module's handler runs once per event (``handled_events``).

Every event type is declared once, in :mod:`saas.core.event_types` or a module's
``saas_event_types``, and emitted by that :class:`~saas.core.hooktypes.EventType`. An undeclared
type fails loudly in tests and debug runs, and is logged as an error (and still recorded) in
production: a typo must not silently feed nobody.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.types import TypeDecorator

from saas.core import delivery, plugin_api
from saas.core.audit import current_actor
from saas.core.db import db
from saas.core.hooktypes import EventType
from saas.core.outbox import Event, OutboxEvent  # noqa: F401  Event: what handlers receive (docs/plugins.md)
from saas.core.plugins import installed
from saas.core.queues import after_commit
from saas.core.sql import json_object, uuid_text
from saas.core.tenancy import current_tenant_id, insert_from, insert_many, scoped
from saas.core.types import UTCDateTime, new_id, utcnow

log = logging.getLogger(__name__)


def declared(type_: EventType | str) -> str:
    """The name of event type ``type_``, which the core or an installed module must declare."""
    if isinstance(type_, str):  # plugin API 0.1
        plugin_api.deprecated("saas.core.events.emit", "pass the EventType that saas_event_types returns",
                              usage="Emitting an event by its name", stacklevel=4)
        name = type_
    else:
        name = type_.name
    if installed().event_type(name) is None:
        message = f"event type {name!r} is not declared: return it from your module's saas_event_types()"
        if current_app.testing or current_app.debug:
            raise ValueError(message)
        log.error(message)
    return name


def emit(type_: EventType, **data: Any) -> OutboxEvent:
    """Record an event of ``type_`` with ``data`` (JSON values) in the current transaction and tenant."""
    row = OutboxEvent(id=new_id(), tenant_id=current_tenant_id(), type=declared(type_), data=_plain(data),
                      actor=current_actor().label)
    db.session.add(row)
    after_commit(delivery.hand_over, (row.tenant_id, row.id))  # ids: no row to reload after commit
    return row


def emit_many(type_: EventType, datas: list[dict[str, Any]]) -> int:
    """Record one ``type_`` event per item of ``datas`` in one statement (set-based work: a recompute
    can change thousands of customers); handed over after commit like :func:`emit`'s."""
    if not datas:
        return 0
    name, tenant_id, now, actor = declared(type_), current_tenant_id(), utcnow(), current_actor().label
    rows = [{"id": new_id(), "tenant_id": tenant_id, "type": name, "data": _plain(data), "occurred_at": now,
             "actor": actor} for data in datas]
    insert_many(OutboxEvent, rows)
    after_commit(delivery.hand_over, *((tenant_id, row["id"]) for row in rows))
    return len(rows)


def emit_selected(type_: EventType, rows: sa.Select, *, many: bool = False) -> int:
    """Record one ``type_`` event per row of ``rows`` with one ``INSERT ... SELECT``: each row's
    labelled columns are its data (UUIDs as text). Returns how many.

    The event ids come back to be handed over after commit, as :func:`emit`'s do; with ``many``
    (a whole tenant's recompute: a million events) they stay in the database, and after commit
    one job hands over the statement's events by their shared ``occurred_at``, page by page.
    """
    name, tenant_id, now = declared(type_), current_tenant_id(), utcnow()
    source = scoped(rows, tenant_id).subquery()  # a caller's SELECT: only the bound tenant's rows
    plain = [column for column in source.c if not isinstance(column.type, (sa.Uuid, sa.String, sa.Integer, sa.Boolean))
             or isinstance(column.type, TypeDecorator)]
    if plain:  # dates and amounts would read differently on each database than emit() writes them
        raise TypeError(f"emit_selected takes text, UUID, integer and boolean columns; not {plain[0].key}")
    data = json_object(*(part for column in source.c for part in (
        sa.literal(column.key), uuid_text(column) if isinstance(column.type, sa.Uuid) else column)))
    events = sa.select(sa.literal(name).label("type"), data.label("data"),
                       sa.literal(current_actor().label).label("actor"),
                       sa.literal(now, UTCDateTime()).label("occurred_at")).select_from(source)
    if many:
        count = insert_from(OutboxEvent, events).rowcount
        if count:
            after_commit(delivery.hand_over_emitted, (tenant_id, now))
        return count
    ids = list(insert_from(OutboxEvent, events, returning=OutboxEvent.id).scalars())
    after_commit(delivery.hand_over, *((tenant_id, event_id) for event_id in ids))
    return len(ids)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)  # ids, decimals, dates: as strings
