"""The ``loyalty`` module's hooks: what it adds, and how it follows purchases and refunds."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from pathlib import Path

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas import __version__, hookimpl
from saas.core.event_types import PURCHASE_RECORDED, PURCHASE_REFUNDED
from saas.core.hooktypes import ModuleInfo, NavItem, Panel, Permission, Schedule, TodoItem
from saas.core.modules import for_each_workspace

from plugins.loyalty import demo, ledger
from plugins.loyalty.api import bp
from plugins.loyalty.pages import pages
from plugins.loyalty.rules import Settings

NAME = ledger.NAME


@hookimpl
def saas_module():
    return ModuleInfo(
        name=NAME, title=_l("Loyalty points"),
        description=_l("Points for every purchase (multiplied by value tier and campaigns), spent on rewards"),
        version=__version__, core="~=0.2", settings=Settings,
        migrations=str(Path(__file__).parent / "migrations"),
        translations=str(Path(__file__).parent / "translations"),
    )


@hookimpl
def saas_blueprints():
    return [bp, pages]


@hookimpl
def saas_navigation(tenant, role):
    """Every member may open the overview (the pages check what each role may change)."""
    return [NavItem(NAME, _("Loyalty points"), "/loyalty/", order=30)]


@hookimpl
def saas_permissions():
    return [Permission("loyalty.adjust", _l("Add or take a customer's points by hand"), ("owner", "admin", "manager")),
            Permission("loyalty.rewards", _l("Change the rewards catalogue"), ("owner", "admin", "manager"))]


@hookimpl
def saas_demo_data(tenant, now):
    demo.fill(now)


@hookimpl
def saas_event_types():
    return list(ledger.EVENT_TYPES)


def expire_points() -> None:
    """Daily: expire due points in every workspace with the module on (a transaction each)."""
    for_each_workspace(NAME, "loyalty.expire", lambda tenant: ledger.expire())


def birthday_bonuses() -> None:
    """Daily: the birthday bonus, on each workspace's local date."""
    for_each_workspace(NAME, "loyalty.birthdays", lambda tenant: ledger.birthday_bonuses(_local_date(tenant)))


def _local_date(tenant) -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo(tenant.settings.get("timezone", "UTC"))).date()


@hookimpl
def saas_schedules():
    return [Schedule("loyalty.expire", "30 3 * * *", expire_points),
            Schedule("loyalty.birthdays", "0 8 * * *", birthday_bonuses)]


@hookimpl
def saas_handle_event(tenant, event):
    """A purchase earns points; a refund takes back its share of them."""
    if event.type == PURCHASE_RECORDED.name:
        ledger.earn_for_purchase(uuid.UUID(event.data["purchase_id"]))
    elif event.type == PURCHASE_REFUNDED.name:
        ledger.reverse_for_refund(uuid.UUID(event.data["purchase_id"]))


@hookimpl
def saas_module_enabled(tenant, settings):
    ledger.settle_merges()


@hookimpl
def saas_merge_customers(tenant, survivor_id, merged_id):
    ledger.merge(survivor_id, merged_id)


@hookimpl
def saas_customer_panels(tenant, customer):
    """The balance, and a link to the customer's points page: the ledger, adjusting and redeeming."""
    return [Panel(NAME, _("Loyalty points"), ((_("Balance"), format_decimal(ledger.balance(customer.id))),),
                  link=f"/loyalty/customers/{customer.id}")]


EXPIRY_NOTICE = dt.timedelta(days=14)  # how long before points expire the customer's owner hears of it


@hookimpl
def saas_todo_items(tenant, member):
    """A customer of ``member`` whose points expire within two weeks: time to invite them to spend."""
    return [TodoItem(f"loyalty.expiring:{customer_id}",
                     _("%(points)s points of %(name)s expire", points=format_decimal(points), name=name),
                     due_at, f"/customers/{customer_id}", "loyalty.expiring", customer_id)
            for customer_id, name, points, due_at in ledger.expiring(member.user_id, EXPIRY_NOTICE)]
