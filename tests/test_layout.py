"""The layout the product owner fixed, and imports that point toward the core."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_top_level_is_as_fixed():
    for name in ("saas", "saas/core", "plugins", "tenants", "migrations", "tests"):
        assert (ROOT / name).is_dir(), name
    for name in ("wsgi.py", "setup.cfg", "pyproject.toml", "Makefile", "README.md", ".ci/run"):
        assert (ROOT / name).is_file(), name


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_core_imports_neither_the_shell_nor_tenants_nor_plugins():
    for path in (ROOT / "saas" / "core").rglob("*.py"):
        for module in imported_modules(path):
            top = module.split(".")[0]
            assert top not in {"tenants", "plugins"}, f"{path}: imports {module}"
            assert module == "saas" or not module.startswith("saas.") or module.startswith("saas.core"), \
                f"{path}: imports {module}"


def test_importing_the_core_does_not_import_the_app():
    import subprocess
    import sys

    code = "import sys, saas.core.models; print('saas.app' in sys.modules, 'flask_smorest' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.split() == ["False", "False"]


def test_setup_cfg_declares_extras_and_the_plugin_entry_point_group():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert {"test", "postgresql"} <= set(config["options.extras_require"])
    assert "saas.plugins" in config["options.entry_points"]
    for requirement in config["options"]["install_requires"].strip().splitlines():
        assert any(op in requirement for op in (">=", "~=")), f"pin a compatible range: {requirement}"


def test_pyproject_only_names_the_build_backend():
    text = (ROOT / "pyproject.toml").read_text()
    assert "[build-system]" in text and "[project]" not in text
