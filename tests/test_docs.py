"""What the docs say about the code, checked against the code so the two cannot drift apart."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from saas.core import event_types
from saas.core.plugins import ENTRY_POINT_GROUP

ROOT = Path(__file__).resolve().parent.parent


def test_the_plugin_guide_lists_every_event_of_the_core():
    guide = (ROOT / "docs" / "plugins.md").read_text()
    paragraph = guide[guide.index("The core's events are constants of"):].split("\n\n")[0]
    constants = {name for name, value in vars(event_types).items() if value in event_types.CORE_EVENT_TYPES}
    assert len(constants) == len(event_types.CORE_EVENT_TYPES)
    assert set(re.findall(r"`([A-Z_]+)`", paragraph)) == constants


def test_the_readme_layout_names_every_feature_package_of_the_core():
    readme = (ROOT / "README.md").read_text()
    packages = {path.parent.name for path in (ROOT / "saas" / "core").glob("*/__init__.py")}
    assert packages and all(f"`saas/core/{name}/`" in readme for name in packages), sorted(packages)


def _guides() -> list[tuple[str, str]]:
    return [(path.name, path.read_text()) for path in sorted((ROOT / "docs").glob("*.md"))] + [
        ("README.md", (ROOT / "README.md").read_text())]


def test_every_import_from_retain_in_the_docs_code_examples_exists():
    imports = []
    for name, text in _guides():
        for block in re.findall(r"```python\n(.*?)```", text, re.S):
            for module, names in re.findall(r"^\s*from ((?:saas|tenants|plugins)[\w.]*) import ([\w, ]+)$", block, re.M):
                imports += [(name, module, item.strip()) for item in names.split(",")]
    assert len(imports) > 20
    for guide, module, item in imports:
        assert hasattr(importlib.import_module(module), item), f"{guide}: from {module} import {item}"


def test_every_dotted_retain_name_the_docs_mention_exists():
    mentioned = {(name, dotted) for name, text in _guides()
                 for dotted in re.findall(r"`(saas(?:\.\w+)+)(?:\([^`]*\))?`", text) if dotted != ENTRY_POINT_GROUP}
    assert len(mentioned) > 20
    missing = []
    for guide, dotted in sorted(mentioned):
        try:
            pkgutil.resolve_name(dotted)
        except (ImportError, AttributeError):
            missing.append(f"{guide}: {dotted}")
    assert missing == []
