"""The ``surveys`` module's hooks: what it adds, its pages and menu entry, the profile panel, the
dashboard's cards, the owner's to-do list, the demo workspace's survey, and the hook it declares
for other plugins' channels (``hookspecs``)."""

from __future__ import annotations

from pathlib import Path

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas import __version__, hookimpl
from saas.core.hooktypes import ModuleInfo, NavItem, Panel, Permission, Schedule, TodoItem
from saas.core.module_settings import settings_of
from saas.core.modules import for_each_workspace

from plugins.surveys import cards, demo, hookspecs, loop, merging, profile, sending, triggers  # noqa: F401  hookspecs: read by the plugin host
from plugins.surveys.api import bp
from plugins.surveys.pages import pages as staff_pages
from plugins.surveys.public import pages
from plugins.surveys.settings import NAME, Settings
from plugins.surveys.texts import language_of


@hookimpl
def saas_module():
    return ModuleInfo(
        name=NAME, title=_l("Surveys"),
        description=_l("NPS, CSAT and CES surveys by single-use links; every unhappy answer followed up"),
        version=__version__, core="~=0.2", settings=Settings,
        migrations=str(Path(__file__).parent / "migrations"),
        translations=str(Path(__file__).parent / "translations"),
    )


@hookimpl
def saas_blueprints():
    return [bp, pages, staff_pages]


@hookimpl
def saas_permissions():
    return [Permission("surveys.manage", _l("Create and change surveys"), ("owner", "admin", "manager")),
            Permission("surveys.send", _l("Send surveys to customers"), ("owner", "admin", "manager"))]


@hookimpl
def saas_event_types():
    return list(loop.EVENT_TYPES)


def scheduled_sending() -> None:
    """Daily: send each workspace's surveys whose schedule has come round."""
    for_each_workspace(NAME, "surveys.scheduled", lambda tenant: triggers.run_schedules())


def due_sending() -> None:
    """Every ten minutes: queue the invitations that came due (sent after an event, with a delay)."""
    for_each_workspace(NAME, "surveys.due", lambda tenant: sending.deliver_due())


@hookimpl
def saas_schedules():
    return [Schedule("surveys.scheduled", "0 1 * * *", scheduled_sending),  # 09:00 in China
            Schedule("surveys.due", "*/10 * * * *", due_sending)]


@hookimpl
def saas_handle_event(tenant, event):
    """A customer's event that a survey is sent after (a purchase, a logged visit...): an invitation,
    once per event and survey."""
    triggers.after_event(event)


@hookimpl
def saas_merge_customers(tenant, survivor_id, merged_id):
    merging.merge(survivor_id, merged_id)


@hookimpl
def saas_customer_panels(tenant, customer):
    """The customer's latest NPS and CSAT, each with when it was given."""
    latest = profile.latest_scores(customer.id)
    rows = tuple((label, _("%(score)s (%(when)s)", score=score, when=when.date().isoformat()) if score is not None
                  else _("No answer yet"))
                 for label, (score, when) in ((_("Latest NPS"), latest["nps"]), (_("Latest CSAT"), latest["csat"])))
    return [Panel(NAME, _("Surveys"), rows)]


@hookimpl
def saas_timeline_items(tenant, customer_id, before, limit):
    """Each answer the customer gave (an anonymous survey's keep no customer: none of them)."""
    return profile.timeline(customer_id, before, limit, language_of(str(get_locale())))


@hookimpl
def saas_todo_items(tenant, member):
    """A low score of one of ``member``'s customers, for the workspace's ``follow_up_days``."""
    days = settings_of(NAME, tenant)["follow_up_days"]
    return [TodoItem(f"surveys.low_score:{customer_id}:{when.isoformat()}:{kind}",
                     _("%(name)s gave %(kind)s %(score)s: follow up", name=name, kind=kind.upper(), score=score),
                     when, f"/customers/{customer_id}", "surveys.low_score", customer_id)
            for customer_id, name, kind, score, when in loop.to_follow_up(member.user_id, days)]


@hookimpl
def saas_navigation(tenant, role):
    """Every member reads the surveys and their results (each page checks what a role may change)."""
    return [NavItem(NAME, _("Surveys"), "/surveys/", order=45)]


@hookimpl
def saas_report_cards(tenant):
    """NPS and CSAT of the last 90 days, with their answers, beside the 90 days before."""
    return cards.cards()


@hookimpl
def saas_demo_data(tenant, now):
    demo.fill(now)
