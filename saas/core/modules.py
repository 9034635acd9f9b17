"""Which modules each tenant has switched on, with their settings, and the errors plugins raised.

The enabled set is read on every request that reaches a module or a tenant hook, so it is cached
per process and keyed by ``Tenant.modules_version``, which every change bumps in the same
transaction: the next request in any process that loads the tenant sees the change, and a
request pays no query while nothing changed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
import uuid
from dataclasses import dataclass
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core import metrics
from saas.core.accounts import Tenant
from saas.core.db import TenantScoped, db
from saas.core.tenancy import tenant_context
from saas.core.types import UTCDateTime, utcnow

log = logging.getLogger(__name__)


class TenantModule(TenantScoped, db.Model):
    """A module's state in one tenant; no row means never enabled (off, default settings)."""

    __tablename__ = "tenant_modules"
    __audit__ = True
    __table_args__ = (sa.UniqueConstraint("tenant_id", "module"),)

    module: Mapped[str] = mapped_column(sa.String(50))
    enabled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    changed_by: Mapped[str | None] = mapped_column(sa.String(80))  # "user:<id>", "api_key:<id>", "system"
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PluginError(TenantScoped, db.Model):
    """An exception a plugin raised in a tenant hook or job, kept for the tenant's admins."""

    @classmethod
    def of(cls, tenant_id: uuid.UUID, module: str, hook: str, error: BaseException) -> "PluginError":
        text = "".join(traceback.format_exception_only(type(error), error)).strip()[:1000]
        metrics.count_module_error(module, hook)
        return cls(tenant_id=tenant_id, module=module, hook=hook, error=text)

    __tablename__ = "plugin_errors"
    __table_args__ = (sa.Index("ix_plugin_errors_tenant_time", "tenant_id", "occurred_at"),)

    module: Mapped[str] = mapped_column(sa.String(50))
    hook: Mapped[str] = mapped_column(sa.String(100))
    error: Mapped[str] = mapped_column(sa.String(1000))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class ModuleStates:
    version: int
    enabled: frozenset[str]
    settings: dict[str, dict]


_cache: dict[uuid.UUID, ModuleStates] = {}
_cache_lock = threading.Lock()


def states(tenant: Tenant) -> ModuleStates:
    """The tenant's module states (read in the current tenant context, cached by version)."""
    cached = _cache.get(tenant.id)
    if cached is not None and cached.version == tenant.modules_version:
        return cached
    rows = db.session.execute(
        sa.select(TenantModule.module, TenantModule.enabled, TenantModule.settings)
        .where(TenantModule.tenant_id == tenant.id)
    ).all()
    fresh = ModuleStates(
        version=tenant.modules_version,
        enabled=frozenset(module for module, enabled, _ in rows if enabled),
        settings={module: dict(settings or {}) for module, _, settings in rows},
    )
    with _cache_lock:
        _cache[tenant.id] = fresh
    return fresh


def enabled_modules(tenant: Tenant) -> frozenset[str]:
    return states(tenant).enabled


def tenants_with(module: str) -> list[Tenant]:
    """The active tenants that have ``module`` enabled, for work that runs for all of them at once
    (schedules): open a :func:`~saas.core.tenancy.tenant_context` for each."""
    found = []
    for tenant in db.session.scalars(sa.select(Tenant).where(Tenant.status == "active").order_by(Tenant.created_at)):
        with tenant_context(tenant.id):
            if module in enabled_modules(tenant):
                found.append(tenant)
    return found


def for_each_workspace(module: str, task: str, work: Callable[[Tenant], None]) -> int:
    """Periodic work: ``work(tenant)`` for every active workspace that enabled ``module``, each in
    its own tenant context and transaction, committed when ``work`` returns. A workspace whose work
    raises is rolled back, logged and recorded in its module errors (under ``task``), and the others
    go on. Returns how many failed."""
    tenant_ids = [tenant.id for tenant in tenants_with(module)]
    db.session.rollback()
    failed = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            try:
                work(db.session.get(Tenant, tenant_id))
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                log.exception("%s failed for tenant %s", task, tenant_id)
                db.session.add(PluginError.of(tenant_id, module, task, error))
                db.session.commit()
                failed += 1
    return failed
