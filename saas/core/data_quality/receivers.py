"""Keeping the duplicate scan in step with the customers: the application calls :func:`connect`
once and gives :func:`receive` to the event delivery (:mod:`saas.core.delivery`).

A batch of delivered events that created, deleted or restored customers, or changed a name,
company, e-mail or phone (from a request or an import alike), queues one scan of the workspace
once the delivery commits (one waiting scan per workspace, however many events); the scan finds
which customers changed by their versions. A merged customer's keys and pairs go in the merge's
own transaction (:data:`saas.core.customers.signals.merged`)."""

from __future__ import annotations

import uuid

from saas.core.customers import signals
from saas.core.data_quality import scan
from saas.core.event_types import CUSTOMER_CREATED, CUSTOMER_DELETED, CUSTOMER_RESTORED, CUSTOMER_UPDATED
from saas.core.outbox import OutboxEvent
from saas.core.tenancy import current_tenant_id

CHANGES = {CUSTOMER_CREATED.name, CUSTOMER_DELETED.name, CUSTOMER_RESTORED.name}
COMPARED = {"name", "company", "email", "phone"}  # the fields the keys are made of


def connect() -> None:
    signals.merged.connect(merged)


def receive(events: list[OutboxEvent]) -> None:
    if any(event.type in CHANGES or event.type == CUSTOMER_UPDATED.name
           and COMPARED & set((event.data or {}).get("fields", ())) for event in events):
        scan.scan_after_commit(current_tenant_id())


def merged(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> None:
    scan.forget([merged_id])
