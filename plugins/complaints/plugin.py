"""The ``complaints`` module's hooks: what it adds, the clocks' escalation, the intake from low
survey scores and other modules' channels, and what it puts on the core's pages (the /today
list, the customer's timeline).

Events it follows: ``surveys.low_score`` (a case, once per event id, when its settings take them)
and the intake events other modules name (:mod:`plugins.complaints.hookspecs`).
Events it emits: ``complaints.opened``, ``complaints.breached`` (which the churn module takes as a
signal), ``complaints.resolved`` (:mod:`plugins.complaints.event_types`).
Every five minutes (``complaints.clocks``): warnings, breaches and escalation of the open cases.
Mondays (``complaints.digest``, 01:00 UTC): last week's cause review by e-mail to the managers.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas import __version__, hookimpl
from saas.core.hooktypes import ModuleInfo, NavItem, Permission, Schedule
from saas.core.messages import N_
from saas.core.modules import for_each_workspace

from plugins.complaints import (cards, clock, demo, digest, escalation, hookspecs, intake,  # noqa: F401  hookspecs: read by the plugin host
                                merges, panel, timeline, todo)
from plugins.complaints.api import bp
from plugins.complaints.pages import pages, public_pages
from plugins.complaints.event_types import EVENT_TYPES
from plugins.complaints.settings import NAME, Settings

STEP_WORDS = {"opened": N_("Complaint opened"), "acknowledged": N_("Complaint acknowledged"),
              "plan_agreed": N_("Plan agreed"), "resolved": N_("Complaint resolved"),
              "confirmed": N_("Customer confirmed the resolution"), "closed": N_("Complaint closed"),
              "reopened": N_("Complaint reopened"), "paused": N_("Waiting for the customer"),
              "resumed": N_("No longer waiting for the customer")}


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
    return [bp, pages, public_pages]


@hookimpl
def saas_permissions():
    return [Permission("complaints.review", _l("See the weekly cause review and get its digest"),
                       ("owner", "admin", "manager"))]


@hookimpl
def saas_event_types():
    return list(EVENT_TYPES)


def check_clocks() -> None:
    """Every five minutes: each workspace's warnings, breaches and escalations due by now."""
    for_each_workspace(NAME, "complaints.clocks", lambda tenant: escalation.escalate(clock.now()))


@hookimpl
def saas_schedules():
    return [Schedule("complaints.clocks", "*/5 * * * *", check_clocks, queue="default"),
            Schedule("complaints.digest", "0 1 * * 1", send_digests)]  # Mondays, 09:00 in China


def send_digests() -> None:
    """Mondays: last week's cause review to each workspace's managers (where its settings say so)."""
    for_each_workspace(NAME, "complaints.digest", lambda tenant: digest.send_weekly())


@hookimpl
def saas_handle_event(tenant, event):
    """A low survey score, or another module's intake event: a case, once per event id."""
    if event.type == intake.LOW_SCORE:
        intake.from_low_score(event)
        return
    channel = intake.channel_events(tenant).get(event.type)
    if channel is not None:
        intake.from_channel(event, channel)


@hookimpl
def saas_todo_items(tenant, member):
    """``member``'s open cases, by their soonest clock."""
    return todo.items_of(member.user_id, _)


@hookimpl
def saas_timeline_items(tenant, customer_id, before, limit):
    """Each step of each of the customer's cases."""
    return timeline.items(customer_id, before, limit, {kind: _(words) for kind, words in STEP_WORDS.items()})


@hookimpl
def saas_navigation(tenant, role):
    """Every member may open the queue (the review checks its permission)."""
    return [NavItem(NAME, _("Complaints"), "/complaints/", order=45)]


@hookimpl
def saas_customer_panels(tenant, customer):
    """The customer's open complaints, the latest one and the clocks missed in 90 days."""
    return [panel.panel(customer)]


@hookimpl
def saas_report_cards(tenant):
    return cards.cards()


@hookimpl
def saas_demo_data(tenant, now):
    demo.fill(now)


@hookimpl
def saas_merge_customers(tenant, survivor_id, merged_id):
    merges.merge(survivor_id, merged_id)
