"""Whether a module's models keep the table rules the core relies on."""

from __future__ import annotations

import types


def table_problems(app, module: str, registry=None) -> list[str]:
    """What breaks the table rules in ``module``'s models (those defined in the package of its
    plugin): each table is named ``<module>_...`` and has the primary key ``(tenant_id, id)``.
    ``registry`` defaults to the core's (``db.Model.registry``). Empty when all is well::

        assert table_problems(app, "birthdays") == []
    """
    from saas.core.db import db  # here, so that importing saas.testing needs no application

    plugin = app.extensions["saas.plugins"].modules[module].plugin
    where = plugin.__name__ if isinstance(plugin, types.ModuleType) else type(plugin).__module__
    package = where.rpartition(".")[0] or where
    problems = []
    for mapper in (registry or db.Model.registry).mappers:
        if not mapper.class_.__module__.startswith(package + "."):
            continue
        for table in mapper.tables:
            if not table.name.startswith(module + "_"):
                problems.append(f"{table.name}: the name must start with '{module}_'")
            if [c.name for c in table.primary_key.columns] != ["tenant_id", "id"]:
                problems.append(f"{table.name}: the primary key must be (tenant_id, id)")
    return problems
