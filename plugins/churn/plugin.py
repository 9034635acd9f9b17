"""The ``churn`` module's hooks: what it adds, and how it follows purchases, interactions and the
events of other modules (by event type name only; it never imports them).

Events it follows: ``purchase.recorded`` (rescore the customer; a purchase after an open task
opened wins it back), ``interaction.logged`` (rescore), ``member.removed`` (the person's open
tasks handed on), and ``surveys.low_score``, ``complaints.breached``, ``visits.overdue`` (a
signal kept once per event id, then rescore).
Events it emits: ``churn.risk_raised``, ``churn.task_closed`` (:mod:`plugins.churn.event_types`).
Nightly (``churn.nightly``, 02:30): the purchase model refitted, then every customer rescored.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas import __version__, hookimpl
from saas.core.event_types import INTERACTION_LOGGED, MEMBER_REMOVED, PURCHASE_RECORDED
from saas.core.hooktypes import ModuleInfo, NavItem, Permission, Schedule
from saas.core.modules import for_each_workspace

from plugins.churn import cards, demo, jobs, merges, scoring, segments, signals, tasks, todo
from plugins.churn.api import bp
from plugins.churn.event_types import EVENT_TYPES, SIGNAL_EVENTS
from plugins.churn.pages import pages, panel
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


@hookimpl
def saas_blueprints():
    return [bp, pages]


@hookimpl
def saas_permissions():
    return [Permission("churn.tasks", _l("Work the win-back tasks of others"), ("owner", "admin", "manager")),
            Permission("churn.run", _l("Rescore the workspace and run backtests"), ("owner", "admin", "manager"))]


@hookimpl
def saas_event_types():
    return list(EVENT_TYPES)


def nightly() -> None:
    """Every workspace with the module on: refit the purchase model (when its settings use it),
    then rescore every customer (a transaction each)."""
    for_each_workspace(NAME, "churn.nightly", lambda tenant: jobs.refit_and_rescore())


@hookimpl
def saas_module_enabled(tenant, settings):
    """Save the segments of customers at risk ("At risk: core customers"); hand on the open tasks of
    people who left while the module was off."""
    segments.save_starting(tenant)
    tasks.reassign_departed()


@hookimpl
def saas_segment_conditions(tenant):
    return [segments.condition()]


@hookimpl
def saas_schedules():
    return [Schedule("churn.nightly", "30 2 * * *", nightly)]


@hookimpl
def saas_handle_event(tenant, event):
    if event.type == PURCHASE_RECORDED.name:
        tasks.won_back_by(uuid.UUID(event.data["purchase_id"]))
        scoring.rescore([uuid.UUID(event.data["customer_id"])])
    elif event.type == INTERACTION_LOGGED.name:
        scoring.rescore([uuid.UUID(event.data["customer_id"])])
    elif event.type == MEMBER_REMOVED.name:
        tasks.reassign_from(uuid.UUID(event.data["user_id"]), event.data.get("team"))
    elif event.type in SIGNAL_EVENTS:
        customer_id = signals.record(event)
        if customer_id is not None:
            scoring.rescore([customer_id])


@hookimpl
def saas_todo_items(tenant, member):
    """The member's open win-back tasks, by due date."""
    return todo.items_of(member.user_id, _)


@hookimpl
def saas_report_cards(tenant):
    return cards.cards()


@hookimpl
def saas_merge_customers(tenant, survivor_id, merged_id):
    """The survivor takes the merged customer's signals and tasks, and is rescored."""
    merges.merge(survivor_id, merged_id)
    scoring.rescore([survivor_id])


# -- what people see (plugins/churn/pages/) ---------------------------------------------------------


@hookimpl
def saas_navigation(tenant, role):
    """Every member may open the module's pages (each checks what a role may change)."""
    return [NavItem(NAME, _("Churn warnings"), "/churn/", order=40)]


@hookimpl
def saas_customer_panels(tenant, customer):
    """The score, its level and main reasons, and the win-back task, linking to the task."""
    return [panel.panel(customer)]


@hookimpl
def saas_demo_data(tenant, now):
    demo.fill(now)
