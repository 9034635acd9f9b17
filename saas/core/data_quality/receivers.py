"""Keeping the duplicate scan in step with the customers, through their signals
(:mod:`saas.core.customers.signals`): the application calls :func:`connect` once.

A new customer queues a scan once the transaction commits (one waiting scan per workspace however
many are created); a merged customer's keys and pairs go in the merge's transaction. Changes and
deletions are found by the scan itself (by version), nightly or when asked for."""

from __future__ import annotations

import uuid

from saas.core.customers import signals
from saas.core.data_quality import scan
from saas.core.tenancy import current_tenant_id


def connect() -> None:
    signals.created.connect(new_customers)
    signals.merged.connect(merged)


def new_customers(customer_ids: list[uuid.UUID]) -> None:
    scan.scan_after_commit(current_tenant_id())


def merged(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> None:
    scan.forget([merged_id])
