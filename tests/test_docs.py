"""What the docs say about the code, checked against the code so the two cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

from saas.core.event_types import CORE_EVENT_TYPES

ROOT = Path(__file__).resolve().parent.parent


def test_the_plugin_guide_lists_every_event_of_the_core():
    guide = (ROOT / "docs" / "plugins.md").read_text()
    paragraph = guide[guide.index("Events of the core:"):].split("\n\n")[0]
    assert set(re.findall(r"`([a-z_]+\.[a-z_]+)`", paragraph)) == {event.name for event in CORE_EVENT_TYPES}


def test_the_readme_layout_names_every_feature_package_of_the_core():
    readme = (ROOT / "README.md").read_text()
    packages = {path.parent.name for path in (ROOT / "saas" / "core").glob("*/__init__.py")}
    assert packages and all(f"`saas/core/{name}/`" in readme for name in packages), sorted(packages)
