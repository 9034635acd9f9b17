"""Redelivering an event to one module's handler, to prove the handler safe to run twice.

The core records that a module handled an event in the handler's own transaction, so the core
never runs a handler twice for one event. The same fact can still reach a handler twice (two
events about one purchase, a back-fill beside the event, a handler whose e-mail went out before a
rollback), so a handler should be idempotent on its own: ``redeliver`` calls it again with an
event it has seen, bypassing that record, as the core's delivery job calls it (the workspace
bound, the handler's writes committed when it returns).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa


def redeliver(workspace, module: str, event):
    """Hand ``module``'s ``saas_handle_event`` the workspace's ``event`` once more, and commit.

    ``event`` is an event id, a :class:`saas.core.outbox.Event`, or an event type (an
    :class:`~saas.core.hooktypes.EventType` such as ``CUSTOMER_CREATED``, or its name): then the
    workspace's latest event of that type. Returns the :class:`~saas.core.outbox.Event` handed over::

        customer = on.customer()                      # the handler ran once, after the request
        redeliver(on, "stamps", CUSTOMER_CREATED)     # and now twice
        assert len(on.get("/api/v1/stamps").get_json()["items"]) == 1
    """
    from saas.core.accounts import Tenant
    from saas.core.db import db
    from saas.core.outbox import Event, OutboxEvent
    from saas.core.plugins import installed
    from saas.core.tenancy import tenant_context

    app = workspace.client.application
    with app.app_context(), tenant_context(workspace.id):
        plugins = installed()
        if module not in plugins.modules:
            raise LookupError(f"no module named '{module}' is installed")
        row = _event_row(db.session, OutboxEvent, event)
        tenant = db.session.get(Tenant, workspace.id)
        handed = Event.of(row)
        try:
            plugins.call_module(module, "saas_handle_event", tenant, event=handed)
            db.session.commit()
        finally:
            db.session.rollback()
    return handed


def _event_row(session, model, event):
    event = getattr(event, "name", event)  # an EventType: its name
    if isinstance(event, str) and "." in event:
        query = sa.select(model).where(model.type == event).order_by(model.occurred_at.desc(), model.id.desc())
        what = f"no '{event}' event in this workspace"
    else:
        event_id = getattr(event, "id", event)
        query = sa.select(model).where(model.id == uuid.UUID(str(event_id)))
        what = f"no event {event_id} in this workspace"
    row = session.scalars(query.limit(1)).first()
    if row is None:
        raise LookupError(what)
    return row
