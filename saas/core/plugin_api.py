"""The version of the plugin API, and the public names it keeps for a while under an old name.

The plugin API is what ``docs/plugins.md`` documents: the hooks and their types, the public core
functions it names, ``ApiBlueprint`` and ``saas.testing``. ``ModuleInfo.core`` is a PEP 440
specifier checked against :data:`VERSION` when the plugin loads. A minor version adds; a public
name renamed or retired in one keeps working, with a ``DeprecationWarning``, until the next minor
version, which removes it (``tests/test_plugin_api.py`` fails while a name outlives its version).
The changelog is in ``docs/plugins.md``.
"""

from __future__ import annotations

import warnings

VERSION = "0.2"


# Every deprecated public name, with the version that removes it.
DEPRECATIONS: dict[str, str] = {
    "saas.api.base.ApiBlueprint.idempotent": "0.3",
    "saas.core.events.emit": "0.3",  # given an event type's name (a str) instead of its EventType
}


def deprecated(name: str, instead: str, *, usage: str | None = None, stacklevel: int = 3) -> None:
    """Warn the plugin that called ``name`` (a key of :data:`DEPRECATIONS`) what to do ``instead``.

    ``usage`` names what is deprecated when it is one way of calling ``name`` rather than the
    name itself; ``stacklevel`` counts from this function to the plugin's frame."""
    warnings.warn(f"{usage or name} is deprecated and goes in plugin API {DEPRECATIONS[name]}: {instead}",
                  DeprecationWarning, stacklevel=stacklevel)
