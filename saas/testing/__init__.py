"""Helpers for testing a module against the real core: workspaces signed up through the API, one
with the module on and one without, the table rules, and an event redelivered to a handler.

    from saas.testing import redeliver, workspaces_with

    def test_only_the_enabled_workspace_sees_it(client):
        on, off = workspaces_with(client, "birthdays", settings={"days_ahead": 3})
        assert on.get("/api/v1/birthdays/upcoming").status_code == 200
        assert off.get("/api/v1/birthdays/upcoming").status_code == 404
        assert on.signed_in().get("/birthdays/").status_code == 200  # a page: needs a session

The application must have its database migrated; :mod:`saas.testing.fixtures` is a pytest plugin
that gives you one (``pytest_plugins = ["saas.testing.fixtures"]``).
"""

from saas.testing.events import redeliver
from saas.testing.tables import table_problems
from saas.testing.workspaces import CSRF_INPUT, Caller, Workspace, sign_up, workspaces_with

__all__ = ["CSRF_INPUT", "Caller", "Workspace", "redeliver", "sign_up", "table_problems", "workspaces_with"]
