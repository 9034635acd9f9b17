"""The hook contract stays documented and tested: every hook has its section in docs/plugins.md,
with its exact signature, and a test of its own (a test function named after it)."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import sqlalchemy as sa

from saas.core import hookspecs
from saas.testing import table_problems

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "plugins.md").read_text()


def hook_signatures() -> dict[str, str]:
    return {
        name: f"{name}({', '.join(inspect.signature(function).parameters)})"
        for name, function in vars(hookspecs).items()
        if name.startswith("saas_") and callable(function)
    }


def test_every_hook_is_documented_with_its_exact_signature():
    documented = set(re.findall(r"^### `(saas_\w+\([^)]*\))`$", GUIDE, flags=re.MULTILINE))
    assert set(hook_signatures().values()) == documented


def test_every_hook_has_a_docstring():
    assert all(getattr(hookspecs, name).__doc__ for name in hook_signatures())


def test_every_hook_has_a_test_of_its_own():
    test_names = {
        node.name
        for path in (ROOT / "tests").glob("test_*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }
    untested = [hook for hook in hook_signatures() if not any(hook in name for name in test_names)]
    assert untested == []


def test_every_installed_module_s_tables_are_named_after_it_and_keyed_by_tenant(app):
    modules = app.extensions["saas.plugins"].modules
    assert "birthdays" in modules  # the example plugin: at least one module's tables are checked
    for name in modules:
        assert table_problems(app, name) == [], name


def test_a_table_named_after_nothing_or_keyed_by_id_alone_is_reported(app):
    registry = sa.orm.registry()
    module = app.extensions["saas.plugins"].modules["birthdays"]
    package = module.plugin.__name__.rpartition(".")[0]

    class Stray:
        __module__ = f"{package}.models"
        __table__ = sa.Table("stray_things", registry.metadata, sa.Column("id", sa.Integer, primary_key=True))

    registry.map_declaratively(Stray)
    assert table_problems(app, "birthdays", registry) == [
        "stray_things: the name must start with 'birthdays_'",
        "stray_things: the primary key must be (tenant_id, id)",
    ]
