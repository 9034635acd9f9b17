"""The layout the product owner fixed, and imports that point toward the core.

``saas/core/`` holds at its root the mechanisms every feature uses, and one package per feature.
The tests below state what may import what, counting every import, those inside functions too, so
a late import cannot hide a cycle.
"""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "saas" / "core"

# What each feature package may import besides the mechanisms at the root of the core. Customers is
# the base of every feature; a feature builds only on those listed (the table is acyclic, checked).
FEATURES = {
    "customers": set(),
    "classification": {"customers"},
    "segments": {"customers", "classification"},
    "imports": {"customers", "classification"},
    "data_quality": {"customers"},
    "webhooks": {"customers"},
    "reports": {"customers", "classification"},
}


def test_the_top_level_is_as_fixed():
    for name in ("saas", "saas/core", "plugins", "tenants", "migrations", "tests"):
        assert (ROOT / name).is_dir(), name
    for name in ("wsgi.py", "setup.cfg", "pyproject.toml", "Makefile", "README.md", ".ci/run"):
        assert (ROOT / name).is_file(), name


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (in functions too), by absolute name; for
    ``from package import name`` both ``package`` and ``package.name`` (one of them is a module)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    own = module_name(path) if path.is_relative_to(ROOT) else path.stem
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def core_modules() -> dict[str, Path]:
    return {module_name(path): path for path in CORE.rglob("*.py")}


def core_imports() -> dict[str, set[str]]:
    """Each module of the core and the modules of the core it imports (packages included)."""
    known = core_modules()
    found = {}
    for name, path in known.items():
        targets = set()
        for imported in imports_of(path):
            while imported.startswith("saas.core.") and imported not in known:
                imported = imported.rpartition(".")[0]  # a name inside a module: the module
            if imported.startswith("saas.core.") and imported != name:
                targets.add(imported)
        found[name] = targets
    return found


def place(module: str) -> str:
    """``root`` for a mechanism at the root of the core, else the feature package's name."""
    part = (module.split(".") + [""])[2]
    return part if part and (CORE / part).is_dir() else "root"


def test_imports_are_counted_inside_functions_too(tmp_path):
    late = tmp_path / "late.py"
    late.write_text("def hand_over():\n    from saas.core import jobs\n    import saas.core.plugins\n")
    assert {"saas.core", "saas.core.jobs", "saas.core.plugins"} <= imports_of(late)


def test_every_feature_package_is_declared_and_builds_on_declared_features_only():
    packages = {path.parent.name for path in CORE.glob("*/__init__.py")}
    assert packages == set(FEATURES)
    for feature, bases in FEATURES.items():
        assert bases <= set(FEATURES) - {feature}, feature
    # acyclic: a feature never builds on one that builds on it
    order = []
    while len(order) < len(FEATURES):
        ready = [f for f, bases in FEATURES.items() if f not in order and bases <= set(order)]
        assert ready, f"the features' bases form a cycle among {sorted(set(FEATURES) - set(order))}"
        order += ready


def test_the_root_s_mechanisms_never_import_a_feature():
    wrong = [f"{module} imports {target}" for module, targets in core_imports().items() if place(module) == "root"
             for target in targets if place(target) != "root"]
    assert wrong == []


def test_a_feature_imports_the_mechanisms_and_the_features_it_builds_on():
    wrong = []
    for module, targets in core_imports().items():
        feature = place(module)
        if feature == "root":
            continue
        allowed = {"root", feature, *FEATURES[feature]}
        wrong += [f"{module} imports {target}" for target in targets if place(target) not in allowed]
    assert wrong == []


def test_the_core_has_no_import_cycle():
    """A module imports its targets and, first, every package above them (Python runs those)."""
    graph = {}
    for module, targets in core_imports().items():
        edges = set()
        for target in targets:
            parts = target.split(".")
            edges |= {".".join(parts[:n]) for n in range(3, len(parts) + 1)}
        graph[module] = edges - {module} - {".".join(module.split(".")[:n]) for n in range(3, module.count(".") + 1)}
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_core_imports_neither_the_shell_nor_tenants_nor_plugins():
    for name, path in core_modules().items():
        for module in imports_of(path):
            top = module.split(".")[0]
            assert top not in {"tenants", "plugins"}, f"{path}: imports {module}"
            assert module == "saas" or not module.startswith("saas.") or module.startswith("saas.core"), \
                f"{path}: imports {module}"


def test_a_plugin_never_imports_another():
    for path in (ROOT / "plugins").rglob("*.py"):
        own = path.relative_to(ROOT / "plugins").parts[0]
        for module in imports_of(path):
            parts = module.split(".")
            assert parts[0] != "plugins" or len(parts) < 2 or parts[1] == own, f"{path}: imports {module}"


def test_importing_the_core_does_not_import_the_app():
    every = ", ".join(sorted(name for name in core_modules() if name != "saas.core"))
    code = f"import sys, {every}; print('saas.app' in sys.modules, 'flask_smorest' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
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
