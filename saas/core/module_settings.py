"""A module's settings in a workspace, as the module's code reads them (routes, handlers, jobs).

Beside :mod:`saas.core.modules` rather than in it: the schema to load them with is the plugin's,
known to :mod:`saas.core.plugins`, which imports that module.
"""

from __future__ import annotations

import marshmallow as ma

from saas.core.accounts import Tenant
from saas.core.modules import states
from saas.core.plugins import installed
from saas.core.tenancy import current_tenant


def settings_of(module: str, tenant: Tenant | None = None) -> dict:
    """``module``'s settings in ``tenant`` (the bound workspace by default), loaded through the
    module's settings schema: typed values (decimals, dates), the defaults where the admin set
    nothing, keys the schema no longer knows left out. For a route, an event handler or a job::

        days = settings_of("birthdays")["days_ahead"]
    """
    modules = installed().modules
    if module not in modules:
        raise LookupError(f"no module named '{module}' is installed")
    schema = modules[module].info.settings
    if schema is None:
        return {}
    stored = states(tenant if tenant is not None else current_tenant()).settings.get(module, {})
    return schema(unknown=ma.EXCLUDE).load(stored)

