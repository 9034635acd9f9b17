"""The hook contract stays documented and tested: every hook has its section in docs/plugins.md,
with its exact signature, and a test that calls it (tests/hook_calls.py checks at the end of a run
of the whole suite that each hook's implementations ran in some test)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from saas.app import create_app
from saas.core import hookspecs
from saas.testing import table_problems
from tests import hook_calls

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


def test_every_hook_is_called_in_a_test_which_a_run_of_the_whole_suite_checks_at_its_end(request):
    """tests/hook_calls.py records, for each hook, the tests during which an implementation of it
    ran, and fails a run of the whole suite that called a hook in no test. Here: it knows every
    hook, and sees this test's own calls (an application loading its plugins calls saas_module)."""
    recorder = request.config.pluginmanager.get_plugin(hook_calls.NAME)
    assert recorder.hooks == sorted(hook_signatures())
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40})
    assert {hook for hook, tests in recorder.calls.items() if request.node.nodeid in tests} >= {
        "saas_module", "saas_blueprints", "saas_permissions", "saas_event_types", "saas_schedules"}


@pytest.mark.parametrize("args, options, whole", [
    pytest.param([], {}, True, id="no arguments: testpaths"),
    pytest.param(["../tests"], {}, True, id="the tests folder"),
    pytest.param([".."], {}, True, id="the project"),
    pytest.param(["../tests/test_plugin_contract.py"], {}, False, id="a file"),
    pytest.param(["../tests/test_cli.py::test_x"], {}, False, id="a node id"),
    pytest.param(["../docs"], {}, False, id="another folder"),
    pytest.param(["../tests"], {"keyword": "sqlite"}, False, id="-k"),
    pytest.param(["../tests"], {"markexpr": "not browser"}, False, id="-m"),
    pytest.param(["../tests"], {"deselect": ["tests/test_cli.py"]}, False, id="--deselect"),
    pytest.param(["../tests"], {"ignore": ["tests/test_cli.py"]}, False, id="--ignore"),
    pytest.param(["../tests"], {"lf": True}, False, id="--lf"),
    pytest.param(["../tests"], {"shouldfail": "stopping after 1 failures"}, False, id="-x, stopped"),
])
def test_only_a_run_of_the_whole_suite_is_checked_for_hooks_no_test_called(args, options, whole):
    source = pytest.Config.ArgsSource.ARGS if args else pytest.Config.ArgsSource.TESTPATHS
    config = SimpleNamespace(args=args or ["tests"], args_source=source, rootpath=ROOT,
                             invocation_params=SimpleNamespace(dir=ROOT / "docs"),
                             option=SimpleNamespace(**{k: v for k, v in options.items() if k != "shouldfail"}))
    session = SimpleNamespace(config=config, shouldstop=False, shouldfail=options.get("shouldfail", False))
    assert hook_calls.whole_suite(session, pytest.ExitCode.OK) is whole
    assert hook_calls.whole_suite(session, pytest.ExitCode.INTERRUPTED) is False


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
