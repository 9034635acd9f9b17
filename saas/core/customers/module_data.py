"""What enabled modules add to a customer's data when it leaves or joins another: export columns
and merges. The export and merge features call these; modules implement the hooks."""

from __future__ import annotations

import uuid

from saas.core.hooktypes import ExportField
from saas.core.plugins import installed


def export_fields() -> list[tuple[str, ExportField]]:
    """``[(module, field)]``: the extra export columns of the bound tenant's enabled modules."""
    return [(module, field) for module, fields in installed().call_current("saas_export_fields")
            for field in fields or []]


def merge_module_data(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> None:
    """Let every enabled module move its data from ``merged_id`` to ``survivor_id``, in the current
    transaction; a module that raises aborts the merge (the exception propagates)."""
    installed().call_current("saas_merge_customers", survivor_id=survivor_id, merged_id=merged_id)
