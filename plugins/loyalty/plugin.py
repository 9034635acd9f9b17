"""The ``loyalty`` module's hooks: what it adds, and how it follows purchases and refunds."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from pathlib import Path

from saas import __version__, hookimpl
from saas.core.hooktypes import EventType, ModuleInfo, Panel, Permission, Schedule
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
    return [EventType("loyalty.points_earned", "A customer earned points (a purchase, a bonus)",
                      {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "points": 776, "balance": 1280,
                       "reason": "388.00 x 1 per unit x 2 (core)",
                       "purchase_id": "01a209c2-9a01-7c44-8d0e-5f1b2c3d4e5f"}),
            EventType("loyalty.points_expired", "A customer's points expired, not spent in time",
                      {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "points": 120, "balance": 0}),
            EventType("loyalty.points_redeemed", "A customer spent points on a reward",
                      {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "points": 5000, "balance": 280,
                       "reward_id": "01a20b2d-ac71-7163-a233-7901cf736232",
                       "entry_id": "01a20b2d-bd02-7c44-9d0e-5f1b2c3d4e60"})]


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
    if event.type == "purchase.recorded":
        ledger.earn_for_purchase(uuid.UUID(event.data["purchase_id"]))
    elif event.type == "purchase.refunded":
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
