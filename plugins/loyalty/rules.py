"""A workspace's earning rules (the module's settings) and the points a purchase earns by them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.schema import Schema
from saas.core.classification import Tier, months_before
from saas.core.messages import N_
from saas.web.labels import TIER_LABELS

MAX_POINTS = 10**9


class Campaign(Schema):
    """Extra points for purchases made between two dates (both included)."""

    name = f.String(required=True, validate=v.Length(min=1, max=100), metadata={"title": _l("Name")})
    starts = f.Date(required=True, metadata={"title": _l("Starts")})
    ends = f.Date(required=True, metadata={"title": _l("Ends")})
    multiplier = f.Decimal(places=2, as_string=True, load_default=Decimal(1), validate=v.Range(min=1, max=10),
                           metadata={"title": _l("Multiplier"), "description": _l("Multiplies a purchase's points")})
    bonus = f.Integer(load_default=0, validate=v.Range(min=0, max=MAX_POINTS),
                      metadata={"title": _l("Bonus"), "description": _l("Points added to each purchase")})

    @ma.validates_schema
    def _in_order(self, data, **kwargs):
        if data["ends"] < data["starts"]:
            raise ma.ValidationError(N_("A campaign ends on or after the day it starts."), "ends")


class Settings(Schema):
    """Each workspace's earning rules; every one has a default, so the module works once enabled."""

    points_per_unit = f.Decimal(
        places=4, as_string=True, load_default=Decimal(1), validate=v.Range(min=0, max=1000),
        metadata={"title": _l("Points per unit"),
                  "description": _l("Points per unit of the workspace's currency (1: a point per yuan)")})
    tier_multipliers = f.Dict(
        keys=f.String(validate=v.OneOf([tier.value for tier in Tier])),
        values=f.Decimal(places=2, as_string=True, validate=v.Range(min=0, max=10)),
        load_default=lambda: {Tier.core.value: Decimal(2), Tier.important.value: Decimal("1.5")},
        metadata={"title": _l("Tier multipliers"), "description": _l("Multipliers by value tier (a tier not named earns x1)"),
                  "labels": TIER_LABELS})
    first_purchase_bonus = f.Integer(load_default=0, validate=v.Range(min=0, max=MAX_POINTS),
                                     metadata={"title": _l("First purchase bonus"),
                                               "description": _l("Points for a customer's first purchase ever")})
    birthday_bonus = f.Integer(load_default=0, validate=v.Range(min=0, max=MAX_POINTS),
                               metadata={"title": _l("Birthday bonus"),
                                         "description": _l("Points on each birthday, once a year (0: none)")})
    campaigns = f.List(f.Nested(Campaign), load_default=list, validate=v.Length(max=50),
                       metadata={"title": _l("Campaigns")})
    expiry_months = f.Integer(load_default=24, validate=v.Range(min=0, max=120),
                              metadata={"title": _l("Expiry months"),
                                        "description": _l("Points expire this many months after they are earned, "
                                                          "oldest first; 0: never")})


@dataclass(frozen=True)
class Earned:
    points: int
    reason: str  # how the points were counted, in words


def earned(rules: dict, amount: Decimal, tier: str | None, purchased_on: dt.date) -> Earned:
    """The points a purchase of ``amount`` on ``purchased_on`` (the workspace's local date) earns
    under ``rules`` (loaded :class:`Settings`); the first-purchase bonus is an entry of its own."""
    words = [f"{amount:,.2f} x {rules['points_per_unit'].normalize():f} per unit"]
    factor = rules["points_per_unit"]
    multiplier = rules["tier_multipliers"].get(tier or "", Decimal(1))
    if multiplier != 1:
        factor *= multiplier
        words.append(f"x {multiplier.normalize():f} ({tier})")
    bonus = 0
    for campaign in rules["campaigns"]:
        if campaign["starts"] <= purchased_on <= campaign["ends"]:
            if campaign["multiplier"] != 1:
                factor *= campaign["multiplier"]
                words.append(f"x {campaign['multiplier'].normalize():f} ({campaign['name']})")
            if campaign["bonus"]:
                bonus += campaign["bonus"]
                words.append(f"+ {campaign['bonus']} ({campaign['name']})")
    points = int((amount * factor).to_integral_value(rounding=ROUND_FLOOR)) + bonus
    return Earned(min(points, MAX_POINTS), " ".join(words))


def expiry(rules: dict, earned_at: dt.datetime) -> dt.datetime | None:
    """When points earned at ``earned_at`` expire (None: never)."""
    months = rules["expiry_months"]
    return months_before(earned_at, -months) if months else None  # months later
