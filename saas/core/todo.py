"""A person's to-do list: every enabled module's ``saas_todo_items`` for them, soonest due first.

A module whose hook fails is left out and its error recorded (the hook is ``isolate``), so the
list still answers with what the other modules have.
"""

from __future__ import annotations

from saas.core.hooktypes import TodoItem
from saas.core.plugins import installed, results


def todo_items(tenant, member) -> list[TodoItem]:
    """What ``member`` (a :class:`~saas.core.accounts.Membership`) has to do, by ``due_at``."""
    items = results(installed().call("saas_todo_items", tenant, member=member))
    return sorted(items, key=lambda item: (item.due_at, item.title, item.key))
