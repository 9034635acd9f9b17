"""The ``visits`` module's hooks: what it adds, the daily planning, and re-planning a customer
whose tier, owner or preferences changed."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask_babel import lazy_gettext as _l

from saas import __version__, hookimpl
from saas.core.event_types import CUSTOMER_TIER_CHANGED, CUSTOMER_UPDATED
from saas.core.hooktypes import ModuleInfo, Permission, Schedule
from saas.core.modules import for_each_workspace

from plugins.visits import clock, planner
from plugins.visits.api import bp
from plugins.visits.pages import feed_pages
from plugins.visits.cadences import Settings

NAME = planner.NAME
REPLANNED_BY = {"owner_id", "preferences"}  # a customer.updated naming one of these re-plans it


@hookimpl
def saas_module():
    return ModuleInfo(
        name=NAME, title=_l("Return visits"),
        description=_l("Return visits planned from the value tier, on each person's working days, with outcomes"),
        version=__version__, core="~=0.2", settings=Settings,
        migrations=str(Path(__file__).parent / "migrations"),
        translations=str(Path(__file__).parent / "translations"),
    )


@hookimpl
def saas_blueprints():
    return [bp, feed_pages]


@hookimpl
def saas_permissions():
    return [Permission("visits.plan", _l("Plan visits now and change a customer's cadence"),
                       ("owner", "admin", "manager")),
            Permission("visits.team", _l("See another person's or a team's visits and feed"),
                       ("owner", "admin", "manager"))]


def plan_daily() -> None:
    """Daily: plan the next weeks in every workspace with the module on, on its local date."""
    for_each_workspace(NAME, "visits.plan", lambda tenant: planner.plan(clock.today(tenant)))


@hookimpl
def saas_schedules():
    return [Schedule("visits.plan", "15 2 * * *", plan_daily)]


@hookimpl
def saas_module_enabled(tenant, settings):
    planner.plan(clock.today(tenant))


@hookimpl
def saas_handle_event(tenant, event):
    """A customer's new tier, owner or preferences: its future visits are planned again (the core
    runs a handler once per event id; planning again is idempotent as well)."""
    if event.type == CUSTOMER_TIER_CHANGED.name or (
            event.type == CUSTOMER_UPDATED.name and REPLANNED_BY & set(event.data.get("fields", ()))):
        planner.replan(clock.today(tenant), [uuid.UUID(event.data["customer_id"])])
