"""The ``loyalty`` module's hooks: what it adds, and how it follows purchases and refunds."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from pathlib import Path

from saas import __version__, hookimpl
from saas.core.event_types import PURCHASE_RECORDED, PURCHASE_REFUNDED
from saas.core.hooktypes import ModuleInfo, Panel, Permission, Schedule
from saas.core.modules import for_each_workspace

from plugins.loyalty import ledger
from plugins.loyalty.api import bp
from plugins.loyalty.rules import Settings

NAME = ledger.NAME


@hookimpl
def saas_module():
    return ModuleInfo(
        name=NAME, title="Loyalty points",
        description="Points for every purchase (multiplied by value tier and campaigns), spent on rewards",
        version=__version__, core="~=0.2", settings=Settings,
        migrations=str(Path(__file__).parent / "migrations"),
    )


@hookimpl
def saas_blueprints():
    return [bp]


@hookimpl
def saas_permissions():
    return [Permission("loyalty.adjust", "Add or take a customer's points by hand", ("owner", "admin", "manager")),
            Permission("loyalty.rewards", "Change the rewards catalogue", ("owner", "admin", "manager"))]


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
    return [Panel(NAME, "Loyalty points", (("Balance", f"{ledger.balance(customer.id):,}"),))]
