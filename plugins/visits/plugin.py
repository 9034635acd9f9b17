"""The ``visits`` module's hooks: what it adds, the daily planning, and re-planning a customer
whose tier, owner or preferences changed."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas import __version__, hookimpl
from saas.core.event_types import CUSTOMER_DELETED, CUSTOMER_RESTORED, CUSTOMER_TIER_CHANGED, CUSTOMER_UPDATED
from saas.core.hooktypes import ModuleInfo, NavItem, Permission, Schedule, TodoItem
from saas.core.modules import for_each_workspace

from plugins.visits import agenda, cards, clock, demo, escalation, jobs, outcomes, planner
from plugins.visits.api import bp
from plugins.visits.pages import feed_pages, pages, panel
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
    return [bp, pages, feed_pages]


@hookimpl
def saas_permissions():
    return [Permission("visits.plan", _l("Plan visits now and change a customer's cadence"),
                       ("owner", "admin", "manager")),
            Permission("visits.team", _l("See another person's or a team's visits and feed"),
                       ("owner", "admin", "manager"))]


def plan_daily() -> None:
    """Daily: plan the next weeks in every workspace with the module on, on its local date."""
    for_each_workspace(NAME, "visits.plan", lambda tenant: planner.plan(clock.today(tenant)))


def escalate_daily() -> None:
    """Daily: tell the owners, then the managers, of overdue visits."""
    for_each_workspace(NAME, "visits.escalate", lambda tenant: escalation.escalate(clock.today(tenant)))


@hookimpl
def saas_schedules():
    return [Schedule("visits.plan", "15 2 * * *", plan_daily),
            Schedule("visits.escalate", "0 8 * * *", escalate_daily)]


@hookimpl
def saas_event_types():
    return list(escalation.EVENT_TYPES)


@hookimpl
def saas_todo_items(tenant, member):
    """``member``'s visits due today or overdue (automated messages need no one), in one query, each
    linking to its page, where its outcome is logged."""
    today = clock.today(tenant)
    tz = clock.zone(tenant)
    return [TodoItem(f"visits.visit:{visit.id}",
                     _("%(purpose)s with %(name)s (%(channel)s)", purpose=_(outcomes.PURPOSE_WORDS[visit.purpose]),
                       name=name, channel=visit.channel),
                     clock.due_at(visit.due_on, visit.due_minute or 0, tz), f"/visits/{visit.id}",
                     "visits.due", visit.customer_id)
            for visit, name in agenda.due([member.user_id], "up_to_today", today, staff_only=True)]



@hookimpl
def saas_module_enabled(tenant, settings):
    """The first weeks are planned by a job after the commit: for a big workspace, minutes of work."""
    jobs.plan_after_commit(tenant.id)


@hookimpl
def saas_handle_event(tenant, event):
    """A customer's new tier, owner or preferences, its deletion or restoring: its future visits
    are planned again (the core runs a handler once per event id; planning again is idempotent)."""
    if event.type in (CUSTOMER_TIER_CHANGED.name, CUSTOMER_DELETED.name, CUSTOMER_RESTORED.name) or (
            event.type == CUSTOMER_UPDATED.name and REPLANNED_BY & set(event.data.get("fields", ()))):
        planner.replan(clock.today(tenant), [uuid.UUID(event.data["customer_id"])])  # a deleted one: none


@hookimpl
def saas_merge_customers(tenant, survivor_id, merged_id):
    """The merged customer's logged visits go to the survivor; its planned ones go (the survivor's
    plan stands, and is planned again when its tier changes)."""
    planner.merge(survivor_id, merged_id)


@hookimpl
def saas_report_cards(tenant):
    """This month's visit completion against plan beside last month's, and the visits overdue now."""
    return cards.cards(tenant)


# -- what people see (plugins/visits/pages/) --------------------------------------------------------


@hookimpl
def saas_navigation(tenant, role):
    """Every member may open the module's pages (each checks what a role may change)."""
    return [NavItem(NAME, _("Return visits"), "/visits/", order=45)]


@hookimpl
def saas_customer_panels(tenant, customer):
    """The next and last visits and the cadence the customer follows, linking to its cadence page."""
    return [panel.panel(customer)]


@hookimpl
def saas_demo_data(tenant, now):
    demo.fill(now)
