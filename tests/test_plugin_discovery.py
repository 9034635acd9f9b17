"""Plugins come from the ``saas.plugins`` entry points; one that cannot be used is left out, and the
application starts anyway."""

from __future__ import annotations

import configparser
import importlib
import importlib.metadata
import logging
import sys
import textwrap
from pathlib import Path

import pytest

from saas.core import plugin_api
from saas.core.plugins import Plugins

GROUP = "saas.plugins.discovery_test"
PLUGINS = {
    "good_plugin": '''
        from saas import hookimpl
        from saas.core.hooktypes import ModuleInfo

        @hookimpl
        def saas_module():
            return ModuleInfo(name="good", title="Good", core=">=0.1,<1")
    ''',
    "broken_plugin": '''
        raise ImportError("a dependency is missing")
    ''',
    "future_plugin": '''
        from saas import hookimpl
        from saas.core.hooktypes import ModuleInfo

        @hookimpl
        def saas_module():
            return ModuleInfo(name="future", title="Future", core=">=2")
    ''',
    "typo_plugin": '''
        from saas import hookimpl
        from saas.core.hooktypes import ModuleInfo

        @hookimpl
        def saas_module():
            return ModuleInfo(name="typo", title="Typo")

        @hookimpl
        def saas_customer_panel(tenant, customer):  # not a hook: the spec is saas_customer_panels
            return []
    ''',
    "misnamed_plugin": '''
        from saas import hookimpl
        from saas.core.hooktypes import ModuleInfo

        @hookimpl
        def saas_module():
            return ModuleInfo(name="other", title="Other")
    ''',
    "silent_plugin": '''
        def helper():
            return 1
    ''',
    "orphan_plugin": '''
        from saas import hookimpl
        from saas.core.hooktypes import ModuleInfo

        @hookimpl
        def saas_module():
            return ModuleInfo(name="orphan", title="Orphan", requires=("missing",))
    ''',
    "strict_plugin": '''
        import marshmallow as ma
        from saas import hookimpl
        from saas.core.hooktypes import ModuleInfo

        class Settings(ma.Schema):
            api_token = ma.fields.String(required=True)  # no default: a tenant could not enable it

        @hookimpl
        def saas_module():
            return ModuleInfo(name="strict", title="Strict", settings=Settings)
    ''',
    "renamed_plugin": '''
        from saas import hookimpl
        from saas.core.hooktypes import ModuleInfo

        @hookimpl
        def saas_module():
            return ModuleInfo(name="renamed", title="Renamed")

        @hookimpl(specname="saas_navigation")
        def menu(tenant, role):
            return []
    ''',
    "clash_plugin": '''
        from flask import Blueprint
        from saas import hookimpl
        from saas.core.hooktypes import ModuleInfo

        @hookimpl
        def saas_module():
            return ModuleInfo(name="clash", title="Clash")

        @hookimpl
        def saas_blueprints():
            return [Blueprint("customers", __name__)]  # the core's customer API is called that
    ''',
}
ENTRY_POINTS = {"good": "good_plugin", "broken": "broken_plugin", "future": "future_plugin", "typo": "typo_plugin",
                "silent": "silent_plugin", "orphan": "orphan_plugin", "misnamed": "misnamed_plugin",
                "strict": "strict_plugin", "renamed": "renamed_plugin", "clash": "clash_plugin"}


@pytest.fixture
def installed_plugins(tmp_path, monkeypatch):
    """Install the plugins above as one distribution on sys.path, with entry points in GROUP."""
    for module, source in PLUGINS.items():
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
    dist = tmp_path / "discovery_test-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: discovery-test\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[{GROUP}]\n" + "".join(f"{name} = {module}\n" for name, module in ENTRY_POINTS.items()))
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield
    for module in PLUGINS:
        sys.modules.pop(module, None)


def test_usable_plugins_load_and_the_others_are_left_out_with_a_reason(installed_plugins, caplog):
    plugins = Plugins(plugin_api.VERSION)
    with caplog.at_level(logging.ERROR, logger="saas.core.plugins"):
        plugins.load_entry_points(GROUP)
        plugins.check_requirements()
    assert set(plugins.modules) == {"good", "clash"}  # the clash shows only in an application
    reasons = plugins.refused
    assert set(reasons) == {"broken", "future", "typo", "silent", "orphan", "misnamed", "strict", "renamed"}
    assert "import failed" in reasons["broken"] and "a dependency is missing" in reasons["broken"]
    assert "needs plugin API >=2, this is 0.2" in reasons["future"]
    assert "saas_customer_panel" in reasons["typo"]  # pm.check_pending() names the unknown hook
    assert "saas_module" in reasons["silent"]
    assert "missing" in reasons["orphan"]
    assert "calls itself 'other'" in reasons["misnamed"]
    assert "every setting needs a default" in reasons["strict"] and "api_token" in reasons["strict"]
    assert "specname" in reasons["renamed"] and "menu" in reasons["renamed"]
    assert all(f"plugin {name} left out" in caplog.text for name in reasons)
    assert not plugins.pm.is_registered(sys.modules["typo_plugin"])


def test_the_application_starts_without_the_plugins_it_left_out(installed_plugins, monkeypatch):
    from saas.core import plugins as plugins_module
    from saas.app import create_app

    monkeypatch.setattr(plugins_module, "ENTRY_POINT_GROUP", GROUP)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 40})
    host = app.extensions["saas.plugins"]
    assert set(host.modules) == {"good"}
    assert host.refused["clash"] == "blueprint names already in use: customers"
    assert app.test_client().get("/api/v1/openapi.json").status_code == 200


def test_every_built_in_plugin_is_registered_in_setup_cfg_like_a_third_party_one():
    """The packages under plugins/ reach the app only through their ``saas.plugins`` entry point."""
    root = Path(__file__).resolve().parent.parent
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    declared = [line.split("=", 1) for line in config["options.entry_points"]["saas.plugins"].splitlines() if line]
    registered = {name.strip(): target.strip() for name, target in declared}
    packages = {path.name for path in (root / "plugins").iterdir() if (path / "__init__.py").exists()}
    assert {target.split(".")[1] for target in registered.values()} == packages
    assert all(target.startswith("plugins.") and ":" not in target for target in registered.values())
    installed = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="saas.plugins")}
    assert registered.items() <= installed.items(), "setup.cfg changed: pip install -e . again"
