"""The ``birthdays`` module: greets customers on their birthday (entry point ``saas.plugins``)."""

from __future__ import annotations

import datetime as dt
import uuid
from importlib.metadata import version
from pathlib import Path

import marshmallow as ma
from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields as f

from saas import hookimpl
from saas.api.base import ApiBlueprint
from saas.api.schema import Schema
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.event_types import CUSTOMER_CREATED
from saas.core.hooktypes import ModuleInfo, NavItem, Panel, Schedule
from saas.core.module_settings import settings_of
from saas.core.modules import for_each_workspace
from retain_birthdays import greetings
from retain_birthdays.models import Greeting

NAME = "birthdays"


CHANNELS = {"sms": _l("SMS"), "email": _l("E-mail"), "wechat": _l("WeChat")}  # how a greeting goes out


class Settings(Schema):
    days_ahead = f.Integer(load_default=7, validate=ma.validate.Range(min=0, max=60),
                           metadata={"title": _l("Days ahead"), "description": _l("How far ahead the upcoming list looks")})
    channel = f.String(load_default="sms", validate=ma.validate.OneOf(["sms", "email", "wechat"]),
                       metadata={"title": _l("Channel"), "description": _l("How greetings are sent"),
                                 "labels": CHANNELS})


bp = ApiBlueprint(NAME, __name__, url_prefix="/api/v1/birthdays", description="Birthday greetings (example module)")


class UpcomingSchema(Schema):
    customer_id = f.UUID()
    name = f.String()
    birthday = f.Date(metadata={"description": "The next birthday"})


class UpcomingListSchema(Schema):
    items = f.List(f.Nested(UpcomingSchema))


@bp.route("/upcoming", methods=["GET"])
@bp.response(200, UpcomingListSchema)
def upcoming():
    """Customers with a birthday within the workspace's ``days_ahead``, soonest first."""
    found = greetings.upcoming(settings_of(NAME)["days_ahead"], dt.date.today())  # the bound workspace's
    return {"items": [{"customer_id": c.id, "name": c.name, "birthday": day} for c, day in found]}


pages = Blueprint("birthdays_pages", __name__, url_prefix="/birthdays", template_folder="templates")


@pages.route("/")
def upcoming_page():
    """The same list as a page of the web UI (a plain Flask blueprint with its own template)."""
    settings = settings_of(NAME)
    found = greetings.upcoming(settings["days_ahead"], dt.date.today())
    return render_template("birthdays/upcoming.html", upcoming=found, days_ahead=settings["days_ahead"],
                           channel=CHANNELS[settings["channel"]])


def greet_today() -> None:
    """Daily: greet every customer whose birthday is today, in every tenant with the module on."""
    today = dt.date.today()

    def greet(tenant) -> None:
        channel = settings_of(NAME, tenant)["channel"]
        for customer, day in greetings.upcoming(0, today):
            greetings.greet(customer.id, channel, today)

    for_each_workspace(NAME, "birthdays.greet", greet)


@hookimpl
def saas_module():
    return ModuleInfo(
        name=NAME, title=_l("Birthday greetings"), description=_l("Greets customers on their birthday, once a year"),
        version=version("retain-birthdays"), core=">=0.1,<1", settings=Settings,
        migrations=str(Path(__file__).parent / "migrations"),
        translations=str(Path(__file__).parent / "translations"),
    )


@hookimpl
def saas_blueprints():
    return [bp, pages]


@hookimpl
def saas_navigation(tenant, role):
    return [NavItem("upcoming", _("Birthdays"), "/birthdays/", order=50)]


@hookimpl
def saas_event_types():
    return [greetings.GREETED]


@hookimpl
def saas_schedules():
    return [Schedule("birthdays.greet", "0 9 * * *", greet_today)]


@hookimpl
def saas_handle_event(tenant, event):
    """A customer created on their birthday is greeted at once."""
    if event.type != CUSTOMER_CREATED.name:
        return
    customer = db.session.get(Customer, (tenant.id, uuid.UUID(event.data["customer_id"])))
    today = dt.date.today()
    if customer is not None and customer.birthday is not None and greetings.is_birthday(customer.birthday, today):
        greetings.greet(customer.id, settings_of(NAME, tenant)["channel"], today)


@hookimpl
def saas_customer_panels(tenant, customer):
    greeted = db.session.scalars(
        db.select(Greeting.year).where(Greeting.customer_id == customer.id).order_by(Greeting.year.desc())
    ).all()
    rows = ((_("Birthday"), customer.birthday.isoformat() if customer.birthday else _("unknown")),
            (_("Greeted"), ", ".join(str(y) for y in greeted) or _("never")))
    return [Panel("birthdays", _("Birthday"), rows)]
