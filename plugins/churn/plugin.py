"""The ``churn`` module's hooks: what it adds, and how it follows purchases, interactions and the
events of other modules (by event type name only; it never imports them)."""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from saas import __version__, hookimpl
from saas.core.hooktypes import ModuleInfo

from plugins.churn import models  # noqa: F401  (the tables join the metadata)
from plugins.churn.settings import NAME, Settings


@hookimpl
def saas_module():
    return ModuleInfo(
        name=NAME, title=_l("Churn warnings"),
        description=_l("Which customers are drifting away and why, a win-back task for each one at high risk, "
                       "and a backtest that says how far to trust the warnings"),
        version=__version__, core="~=0.2", settings=Settings,
        migrations=str(Path(__file__).parent / "migrations"),
        translations=str(Path(__file__).parent / "translations"),
    )
