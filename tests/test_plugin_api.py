"""The plugin API's version: what ModuleInfo.core is checked against, and how long old names live."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import pytest
from packaging.version import Version

from saas.api.base import ApiBlueprint
from saas.core import plugin_api

pytestmark = pytest.mark.backend_independent


def minor(version: str) -> tuple[int, int]:
    release = Version(version).release
    return release[0], release[1] if len(release) > 1 else 0


def test_a_deprecated_name_lives_one_minor_version_and_no_longer():
    for name, removed_in in plugin_api.DEPRECATIONS.items():
        pkgutil.resolve_name(name)  # still there, for the plugins written against the version before
        assert minor(plugin_api.VERSION) < minor(removed_in), f"{name} should have gone in plugin API {removed_in}"
        assert minor(removed_in) == (minor(plugin_api.VERSION)[0], minor(plugin_api.VERSION)[1] + 1), name


def test_the_old_idempotent_decorator_still_works_and_says_it_is_not_needed():
    bp = ApiBlueprint("old_style", __name__, url_prefix="/api/v1/old-style")

    def view():
        return {}

    with pytest.warns(DeprecationWarning, match=r"ApiBlueprint.idempotent is deprecated and goes in plugin API 0\.3"):
        assert bp.idempotent(view) is view


def test_the_plugin_guide_has_a_changelog_entry_for_this_version():
    guide = (Path(__file__).resolve().parent.parent / "docs" / "plugins.md").read_text(encoding="utf-8")
    changelog = guide[guide.index("## Versions and changelog"):]
    assert re.search(rf"^### {re.escape(plugin_api.VERSION)}\b", changelog, re.M)
    for name in plugin_api.DEPRECATIONS:
        assert name.rpartition(".")[2] in changelog, f"the changelog does not say that {name} is deprecated"
