"""A workspace's complaint settings (the module's settings schema): the three targets (1-24-48
hours by default), how much faster or slower a priority and a value tier make them, whether the
clocks count around the clock or business hours by the workspace's calendar, the warning share,
when admins hear of a breach, the categories, and the low-score intake. Every setting has a
default, so the module works once enabled."""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.schema import Schema
from saas.core import workdays
from saas.core.classification import Tier
from saas.core.messages import N_
from saas.web.labels import TIER_LABELS

from plugins.complaints.models import Priority

NAME = "complaints"

DEFAULT_CATEGORIES = ("product_quality", "service_attitude", "delivery", "price", "other")
CATEGORY_LABELS = {"product_quality": _l("Product quality"), "service_attitude": _l("Service attitude"),
                   "delivery": _l("Delivery"), "price": _l("Price"), "other": _l("Other")}
PRIORITY_LABELS = {Priority.low.value: _l("Low"), Priority.normal.value: _l("Normal"),
                   Priority.high.value: _l("High"), Priority.urgent.value: _l("Urgent")}
DEFAULT_PRIORITY_FACTORS = {"low": 1.5, "normal": 1.0, "high": 0.75, "urgent": 0.5}
DEFAULT_TIER_FACTORS = {Tier.core.value: 0.5, Tier.important.value: 0.75, Tier.basic.value: 1.0,
                        Tier.general.value: 1.0, Tier.potential.value: 1.0}
AROUND_THE_CLOCK, BUSINESS_HOURS = "around_the_clock", "business_hours"
HOURS = v.Range(min=0.05, max=24 * 90)  # three minutes to ninety days


def _calendar(code: str) -> None:
    if not workdays.known(code):
        raise ma.ValidationError(N_("Not a country the holidays calendar knows (CN, HK, SG, US...)."))


def _categories(codes: list[str]) -> None:
    if len(set(codes)) != len(codes):
        raise ma.ValidationError(N_("Each category is named once."))


class Settings(Schema):
    response_hours = f.Float(load_default=1.0, validate=HOURS, metadata={
        "title": _l("Respond within hours"), "description": _l("The first response: the case acknowledged")})
    plan_hours = f.Float(load_default=24.0, validate=HOURS, metadata={
        "title": _l("Plan within hours"), "description": _l("A plan agreed with the customer")})
    resolution_hours = f.Float(load_default=48.0, validate=HOURS, metadata={
        "title": _l("Resolve within hours"), "description": _l("The case resolved")})
    priority_factors = f.Dict(
        keys=f.String(validate=v.OneOf([p.value for p in Priority])), values=f.Float(validate=v.Range(min=0.05, max=10)),
        load_default=lambda: dict(DEFAULT_PRIORITY_FACTORS),
        metadata={"title": _l("Priority factors"),
                  "description": _l("Each target times this for the case's priority (0.5: twice as fast)"),
                  "labels": PRIORITY_LABELS})
    tier_factors = f.Dict(
        keys=f.String(validate=v.OneOf([t.value for t in Tier])), values=f.Float(validate=v.Range(min=0.05, max=10)),
        load_default=lambda: dict(DEFAULT_TIER_FACTORS),
        metadata={"title": _l("Value tier factors"),
                  "description": _l("Each target times this too, for the customer's value tier (core customers "
                                    "can be faster)"),
                  "labels": TIER_LABELS})
    clock = f.String(load_default=AROUND_THE_CLOCK, validate=v.OneOf([AROUND_THE_CLOCK, BUSINESS_HOURS]), metadata={
        "title": _l("Clocks count"), "description": _l("Around the clock, or business hours on working days"),
        "labels": {AROUND_THE_CLOCK: _l("Around the clock"), BUSINESS_HOURS: _l("Business hours")}})
    calendar = f.String(load_default="CN", validate=_calendar, metadata={
        "title": _l("Calendar"), "description": _l("Whose public holidays and make-up working days (a country code)")})
    opens = f.Time(load_default=dt.time(9, 0), metadata={"title": _l("Business hours from")})
    closes = f.Time(load_default=dt.time(18, 0), metadata={"title": _l("Business hours until")})
    warning_percent = f.Integer(load_default=80, validate=v.Range(min=10, max=99), metadata={
        "title": _l("Warn at percent"), "description": _l("A clock turns amber, and the owner is told, at this share")})
    admin_percent = f.Integer(load_default=150, validate=v.Range(min=101, max=1000), metadata={
        "title": _l("Admins told at percent"),
        "description": _l("A breached clock still running at this share of its target goes to the admins")})
    categories = f.List(f.String(validate=v.Length(min=1, max=40)), load_default=lambda: list(DEFAULT_CATEGORIES),
                        validate=[v.Length(min=1, max=30), _categories], metadata={
                            "title": _l("Categories"), "description": _l("What complaints are about")})
    survey_intake = f.Boolean(load_default=True, metadata={
        "title": _l("Cases from low survey scores"),
        "description": _l("An unhappy survey answer opens a case (with the surveys module on)")})
    survey_category = f.String(load_default="service_attitude", validate=v.Length(max=40), metadata={
        "title": _l("Category of those cases")})
    digest = f.Boolean(load_default=True, metadata={
        "title": _l("Weekly digest"), "description": _l("Managers get the week's cause review by e-mail on Mondays")})

    @ma.validates_schema
    def _consistent(self, data, **kwargs):
        if data.get("closes", dt.time(18)) <= data.get("opens", dt.time(9)):
            raise ma.ValidationError(N_("Business hours end after they begin."), "closes")
        categories = data.get("categories", list(DEFAULT_CATEGORIES))
        if data.get("survey_category", "service_attitude") not in categories:
            raise ma.ValidationError(N_("One of the categories."), "survey_category")


def targets_of(settings: dict, priority: str, tier: str | None) -> dict[str, int]:
    """The target minutes of a case of ``priority`` for a customer of ``tier``: each base target
    times the priority's factor and the tier's (at least one minute)."""
    factor = ({**DEFAULT_PRIORITY_FACTORS, **settings["priority_factors"]}.get(priority, 1.0)
              * {**DEFAULT_TIER_FACTORS, **settings["tier_factors"]}.get(tier or "", 1.0))
    return {target: max(1, round(settings[f"{target}_hours"] * 60 * factor)) for target in ("response", "plan", "resolution")}
