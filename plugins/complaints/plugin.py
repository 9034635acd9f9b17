"""The ``complaints`` module's hooks: what it adds, the clocks' escalation, the low-score intake,
and what it puts on the pages of the core (the /today list, the profile, the dashboard, the
customer's timeline).

Events it follows: ``surveys.low_score`` (a case, once per event id, when its settings take them).
Events it emits: ``complaints.opened``, ``complaints.breached`` (which the churn module takes as a
signal), ``complaints.resolved`` (:mod:`plugins.complaints.event_types`).
Every five minutes (``complaints.clocks``): warnings, breaches and escalation of the open cases.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from saas import __version__, hookimpl
from saas.core.hooktypes import ModuleInfo, Permission

from plugins.complaints.api import bp
from plugins.complaints.event_types import EVENT_TYPES
from plugins.complaints.settings import NAME, Settings


@hookimpl
def saas_module():
    return ModuleInfo(
        name=NAME, title=_l("Complaints"),
        description=_l("Complaint cases against the 1-24-48 clocks (respond, plan, resolve), escalated when late, "
                       "confirmed by the customer and reviewed by cause every week"),
        version=__version__, core="~=0.2", settings=Settings,
        migrations=str(Path(__file__).parent / "migrations"),
        translations=str(Path(__file__).parent / "translations"),
    )


@hookimpl
def saas_blueprints():
    return [bp]


@hookimpl
def saas_permissions():
    return [Permission("complaints.review", _l("See the weekly cause review and get its digest"),
                       ("owner", "admin", "manager"))]


@hookimpl
def saas_event_types():
    return list(EVENT_TYPES)
