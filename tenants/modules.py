"""Module toggles: a tenant's admin switches installed modules on and off, and sets their settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import marshmallow as ma
import sqlalchemy as sa

from saas.core.accounts import Tenant
from saas.core.audit import current_actor
from saas.core.db import db
from saas.core.errors import Conflict, Invalid, NotFound
from saas.core.event_types import MODULE_DISABLED, MODULE_ENABLED
from saas.core.events import emit
from saas.core.modules import PluginError, TenantModule, states
from saas.core.plugins import Module, Plugins
from saas.core.types import utcnow


@dataclass(frozen=True)
class ModuleState:
    """An installed module as one tenant sees it."""

    module: Module
    enabled: bool
    settings: dict

    @property
    def name(self) -> str:
        return self.module.name


def default_settings(module: Module) -> dict:
    schema = module.info.settings
    return schema().dump(schema().load({})) if schema is not None else {}


def _settings_of(module: Module, stored: dict | None) -> dict:
    return {**default_settings(module), **(stored or {})}


def module_states(plugins: Plugins, tenant: Tenant) -> list[ModuleState]:
    current = states(tenant)
    return [
        ModuleState(module, module.name in current.enabled, _settings_of(module, current.settings.get(module.name)))
        for module in sorted(plugins.modules.values(), key=lambda m: m.name)
    ]


def module_state(plugins: Plugins, tenant: Tenant, name: str) -> ModuleState:
    if name not in plugins.modules:
        raise NotFound(f"no module named '{name}' is installed")
    return next(state for state in module_states(plugins, tenant) if state.name == name)


def set_module(plugins: Plugins, tenant: Tenant, name: str, *, enabled: bool | None = None,
               settings: dict | None = None) -> ModuleState:
    """Switch ``name`` on or off and/or replace its settings for ``tenant``, in the current transaction.

    The tenant's row is locked first, so concurrent changes queue up: each sees the one before
    and bumps ``modules_version``, which tells every process to reload. Settings are validated
    against the module's schema (422 with field errors). Enabling a
    module whose required modules are off, or disabling one another enabled module requires,
    is a 409 that names them. The module's enable/disable hook runs before anything is kept.
    """
    db.session.refresh(tenant, with_for_update=True)  # one change at a time per tenant, on fresh state
    state = module_state(plugins, tenant, name)
    module = state.module
    enabled = state.enabled if enabled is None else enabled
    new_settings = state.settings if settings is None else _validated(module, settings)
    on = states(tenant).enabled
    if enabled and not state.enabled:
        missing = [required for required in module.info.requires if required not in on]
        if missing:
            raise Conflict(f"'{name}' needs {_names(missing)} enabled first", {"enabled": [f"Enable {_names(missing)} first."]})
    if not enabled and state.enabled:
        dependants = sorted(other.name for other in plugins.modules.values()
                            if other.name in on and name in other.info.requires)
        if dependants:
            raise Conflict(f"{_names(dependants)} needs '{name}'; disable it first",
                           {"enabled": [f"Disable {_names(dependants)} first."]})
    row = db.session.scalar(sa.select(TenantModule).where(TenantModule.module == name))
    if row is None:
        row = TenantModule(module=name)
        db.session.add(row)
    actor = current_actor()
    row.enabled, row.settings = enabled, new_settings
    row.changed_by = f"{actor.type}:{actor.id}" if actor.id else actor.type
    row.changed_at = utcnow()
    tenant.modules_version = (tenant.modules_version or 0) + 1  # read under the lock: never lost
    db.session.flush()
    if enabled != state.enabled:
        hook = "saas_module_enabled" if enabled else "saas_module_disabled"
        try:
            plugins.call_module(name, hook, tenant, **({"settings": new_settings} if enabled else {}))
        except Exception as error:
            plugins.record_error(tenant.id, name, hook, error)
            raise Conflict(f"the '{name}' module refused to be {'enabled' if enabled else 'disabled'}: {error}") from None
        emit(MODULE_ENABLED if enabled else MODULE_DISABLED, module=name)
    return ModuleState(module, enabled, new_settings)


def error_counts(since: dt.datetime) -> dict[str, int]:
    """How many errors each module raised in the bound tenant since ``since``."""
    rows = db.session.execute(sa.select(PluginError.module, sa.func.count()).where(PluginError.occurred_at >= since)
                              .group_by(PluginError.module))
    return {module: count for module, count in sorted(rows)}


def recent_errors(limit: int = 50) -> list[PluginError]:
    return list(db.session.scalars(
        sa.select(PluginError).order_by(PluginError.occurred_at.desc(), PluginError.id.desc()).limit(limit)
    ))


def _validated(module: Module, settings: dict) -> dict:
    schema = module.info.settings
    if schema is None:
        if settings:
            raise Invalid(f"the '{module.name}' module has no settings", {"settings": ["This module has no settings."]})
        return {}
    try:
        loaded = schema().load(settings)
    except ma.ValidationError as error:
        raise Invalid(f"the settings of '{module.name}' are not valid", {"settings": error.messages}) from None
    return {**default_settings(module), **schema().dump(loaded)}


def _names(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)
