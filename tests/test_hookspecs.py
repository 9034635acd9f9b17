"""One declaration per hook and per event type: the plugin manager and ``emit`` read them and
refuse what they do not declare."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from saas import hookimpl
from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.event_types import CUSTOMER_CREATED
from saas.core.events import emit
from saas.core.hooktypes import EventType, ModuleInfo
from saas.core.hookspecs import DECLARATIONS, Kind, OnError
from saas.core.outbox import OutboxEvent
from saas.core.plugin_api import VERSION
from saas.core.plugins import Plugins
from saas.core.tenancy import tenant_context
from tests.test_plugin_contract import GUIDE, hook_signatures

pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parent.parent


def test_every_hook_spec_is_declared_with_its_kind_shape_and_failure_policy():
    assert set(DECLARATIONS) == set(hook_signatures())
    for name, declaration in DECLARATIONS.items():
        parameters = hook_signatures()[name]
        if declaration.kind is Kind.APPLICATION:
            assert parameters == f"{name}()" and declaration.on_error is None, name
        else:
            assert parameters.startswith(f"{name}(tenant"), name
            assert isinstance(declaration.on_error, OnError), name


def test_the_guide_s_table_of_tenant_hooks_is_their_declarations():
    rows = re.findall(r"^\| `(saas_\w+)` \| ([^|]+) \| (\w+) \|$", GUIDE, flags=re.MULTILINE)
    assert {name: (returns.strip(), policy) for name, returns, policy in rows} == {
        name: (d.returns.description, d.on_error.value) for name, d in DECLARATIONS.items() if d.kind is Kind.TENANT}
    assert len(rows) == len({name for name, _, _ in rows})


@pytest.mark.parametrize("hook, shape", [("saas_permissions", "a list of Permission"),
                                         ("saas_blueprints", "a list of Blueprint"),
                                         ("saas_event_types", "a list of EventType"),
                                         ("saas_module", "a ModuleInfo")])
def test_an_application_hook_of_the_wrong_shape_leaves_its_plugin_out(hook, shape):
    class Wrong:
        @hookimpl
        def saas_module(self):
            return ModuleInfo(name="wrong", title="Wrong")

    setattr(Wrong, hook, hookimpl(lambda self: {"not": "a list"}))
    plugins = Plugins(VERSION)
    assert plugins.add(Wrong(), "wrong") is None
    assert plugins.refused["wrong"] == f"{hook} must return {shape}, not {{'not': 'a list'}}"


def test_a_hook_called_as_the_other_kind_is_the_caller_s_bug(app, tenant_a):
    plugins = app.extensions["saas.plugins"]
    with app.app_context(), tenant_context(tenant_a.id):
        tenant = db.session.get(Tenant, tenant_a.id)
        with pytest.raises(TypeError, match="saas_navigation is one of the tenant hooks, not of the application"):
            plugins._call_one(next(iter(plugins.modules.values())).plugin, "saas_navigation")
        with pytest.raises(TypeError, match="saas_schedules is one of the application hooks, not of the tenant"):
            plugins.call("saas_schedules", tenant)
        with pytest.raises(TypeError, match="saas_blueprints is one of the application hooks"):
            plugins.call_current("saas_blueprints")
        with pytest.raises(TypeError, match="saas_module is one of the application hooks"):
            plugins.call_module("birthdays", "saas_module", tenant)


def test_an_undeclared_event_type_is_refused_in_tests_and_debug_runs_and_nothing_is_written(app, tenant_a):
    typo = EventType("customer.craeted", "A typo")
    with app.app_context(), tenant_context(tenant_a.id):
        with pytest.raises(ValueError, match="event type 'customer.craeted' is not declared"):
            emit(typo, customer_id="x")
        app.testing, app.debug = False, True
        try:
            with pytest.raises(ValueError, match="not declared"):
                emit(typo, customer_id="x")
        finally:
            app.testing, app.debug = True, False
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent)
                                 .where(OutboxEvent.type == typo.name)) == 0


def test_in_production_an_undeclared_event_type_is_logged_as_an_error_and_still_recorded(app, tenant_a, caplog):
    with app.app_context(), tenant_context(tenant_a.id):
        app.testing = False
        try:
            with caplog.at_level(logging.ERROR, logger="saas.core.events"):
                row = emit(EventType("customer.craeted", "A typo"), customer_id="x")
        finally:
            app.testing = True
        assert row.type == "customer.craeted"
        assert "event type 'customer.craeted' is not declared" in caplog.text
        db.session.rollback()


def test_an_event_emitted_by_its_name_still_works_with_a_deprecation_warning(app, tenant_a):
    with app.app_context(), tenant_context(tenant_a.id):
        with pytest.warns(DeprecationWarning, match=r"Emitting an event by its name is deprecated and goes in "
                                                    r"plugin API 0\.3") as warned:
            row = emit("customer.created", customer_id="x", name="x")
        assert row.type == CUSTOMER_CREATED.name
        assert warned[0].filename == __file__  # the warning points at the plugin's line, not the core's
        with pytest.raises(ValueError, match="not declared"), pytest.warns(DeprecationWarning):
            emit("customer.craeted", customer_id="x")
        db.session.rollback()


EMITTERS = {"emit", "emit_many", "emit_selected"}


def test_events_are_emitted_by_their_declared_constant_never_by_a_string():
    literal = []
    for folder in ("saas", "plugins", "tenants", "examples", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == Path(__file__):  # the deprecation test above emits by name on purpose
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in EMITTERS
                        and node.args and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))):
                    literal.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert literal == []
