"""The menu that the enabled modules add to a workspace, for the API and the pages alike."""

from __future__ import annotations

import dataclasses

from saas.core.accounts import Role, Tenant
from saas.core.plugins import installed


def navigation(tenant: Tenant, role: Role) -> list[dict]:
    """``saas_navigation`` entries as dicts with their ``module``, in menu order (order, label)."""
    found = installed().call("saas_navigation", tenant, role=role)
    items = [{"module": module, **dataclasses.asdict(item)} for module, items in found for item in items or []]
    return sorted(items, key=lambda item: (item["order"], item["label"]))
