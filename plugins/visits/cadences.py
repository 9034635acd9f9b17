"""A workspace's cadences (the module's settings): per value tier, recurrence rules (RFC 5545
RRULEs, read with python-dateutil), each with the channel it is carried out on; and the dates a
rule falls on in a window.

A rule is written without DTSTART (``FREQ=MONTHLY``) and counts from the workspace's
``cadence_start``; one may also carry its own ``DTSTART:...`` line. Finer than daily is refused:
a visit is planned for a day.
"""

from __future__ import annotations

import datetime as dt
import re

import marshmallow as ma
from dateutil import rrule
from flask_babel import lazy_gettext as _l
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.schema import Schema
from saas.core import workdays
from saas.core.classification import Tier
from saas.web.labels import TIER_LABELS

STAFF_CHANNELS = ("visit", "video", "phone")  # a person's time: counted against the daily cap
AUTOMATED_CHANNELS = ("email", "sms")  # sent, planned and logged, no staff time
CHANNELS = STAFF_CHANNELS + AUTOMATED_CHANNELS
PURPOSES = ("visit", "call", "survey", "message", "follow_up")
MAX_OCCURRENCES = 400  # in one window: a rule falling more often than daily is refused anyway
DEFAULT_START = dt.date(2026, 1, 5)  # a Monday: fortnightly rules fall on Mondays, monthly ones on the 5th

CHANNEL_LABELS = {"visit": _l("On-site visit"), "video": _l("Video call"), "phone": _l("Phone call"),
                  "email": _l("E-mail"), "sms": _l("SMS")}
PURPOSE_LABELS = {"visit": _l("Visit"), "call": _l("Call"), "survey": _l("Needs survey"), "message": _l("Message"),
                  "follow_up": _l("Follow-up")}

# The customer's preferred channel (saas.core.customers.Channel) as a visit's channel.
PREFERRED = {"phone": "phone", "visit": "visit", "meeting": "video", "email": "email", "sms": "sms"}


class BadRule(ValueError):
    """Not a recurrence rule a visit can follow."""


def parse(text: str, start: dt.date) -> rrule.rrule | rrule.rruleset:
    """The rule ``text`` counting from ``start`` (unless it has its own DTSTART); :class:`BadRule`
    if it is not RFC 5545, or falls more often than daily, or never."""
    if not text or len(text) > 500:
        raise BadRule("A rule of 1 to 500 characters.")
    if re.search(r"FREQ\s*=\s*(HOURLY|MINUTELY|SECONDLY)", text, re.IGNORECASE):
        raise BadRule("A visit is planned for a day: FREQ is DAILY, WEEKLY, MONTHLY or YEARLY.")
    if re.search(r"\b(BYHOUR|BYMINUTE|BYSECOND)\b", text, re.IGNORECASE):
        raise BadRule("A visit's time of day is the customer's contact time: no BYHOUR, BYMINUTE or BYSECOND.")
    try:
        rule = rrule.rrulestr(text, dtstart=dt.datetime.combine(start, dt.time()), forceset=True)
        first = rule.after(dt.datetime(1900, 1, 1), inc=True)
    except (ValueError, TypeError, OverflowError) as error:
        raise BadRule(f"Not an RFC 5545 recurrence rule: {error}.") from None
    if first is None:
        raise BadRule("The rule never falls on any day.")
    if first.tzinfo is not None:
        raise BadRule("DTSTART is a local date (YYYYMMDD), without a time zone.")
    return rule


def occurrences(text: str, start: dt.date, first: dt.date, last: dt.date) -> list[dt.date]:
    """The days from ``first`` to ``last`` (both included) that rule ``text`` falls on."""
    rule = parse(text, start)
    found = []
    for when in rule.xafter(dt.datetime.combine(first, dt.time()), count=MAX_OCCURRENCES, inc=True):
        if when.date() > last:
            break
        found.append(when.date())
    return found


def _valid_rule(text: str) -> None:
    try:
        parse(text, DEFAULT_START)
    except BadRule as error:
        raise ma.ValidationError(str(error)) from None


class Cadence(Schema):
    """One recurring contact: what, how often, on which channel (and which the customer may prefer)."""

    key = f.String(required=True, validate=[v.Length(min=1, max=30), v.Regexp(r"^[a-z0-9_]+$")],
                   metadata={"title": _l("Key"), "description": _l("Names the cadence in its tier (visit, call...)")})
    rule = f.String(required=True, validate=_valid_rule,
                    metadata={"title": _l("Rule"), "description": _l("An RFC 5545 RRULE: FREQ=WEEKLY;INTERVAL=2")})
    channel = f.String(required=True, validate=v.OneOf(CHANNELS), metadata={"title": _l("Channel"),
                                                                            "labels": CHANNEL_LABELS})
    channels = f.List(f.String(validate=v.OneOf(CHANNELS)), load_default=list, validate=v.Length(max=len(CHANNELS)),
                      metadata={"title": _l("Channels the customer may prefer"),
                                "description": _l("A customer's preferred channel among these replaces the channel"),
                                "labels": CHANNEL_LABELS})
    purpose = f.String(load_default="visit", validate=v.OneOf(PURPOSES), metadata={"title": _l("Purpose"),
                                                                                   "labels": PURPOSE_LABELS})

    @ma.validates_schema
    def _one_kind(self, data, **kwargs):
        automated = data["channel"] in AUTOMATED_CHANNELS
        if any((c in AUTOMATED_CHANNELS) != automated for c in data.get("channels", [])):
            raise ma.ValidationError("A cadence is either automated (email, sms) or a person's (visit, video, "
                                     "phone), not both.", "channels")


def _cadence(key, rule, channel, channels, purpose) -> dict:
    return {"key": key, "rule": rule, "channel": channel, "channels": list(channels), "purpose": purpose}


# The seed plan (定期回访): core customers visited at least monthly by their account manager (on
# site or by video); important ones called every two weeks, with a needs survey each quarter;
# basic ones sent a monthly automated message; potential ones followed up monthly by sales.
DEFAULT_CADENCES = {
    Tier.core.value: [_cadence("visit", "FREQ=MONTHLY", "visit", ("visit", "video"), "visit")],
    Tier.important.value: [_cadence("call", "FREQ=WEEKLY;INTERVAL=2", "phone", ("phone",), "call"),
                           _cadence("survey", "FREQ=MONTHLY;INTERVAL=3", "phone", ("phone", "video"), "survey")],
    Tier.basic.value: [_cadence("message", "FREQ=MONTHLY", "email", ("email", "sms"), "message")],
    Tier.potential.value: [_cadence("follow_up", "FREQ=MONTHLY", "phone", ("phone", "visit", "video"), "follow_up")],
}


def _calendar(code: str) -> None:
    if not workdays.known(code):
        raise ma.ValidationError("Not a country the holidays calendar knows (CN, HK, SG, US...).")


def _unique_keys(cadences: dict) -> None:
    for tier, items in cadences.items():
        keys = [item["key"] for item in items]
        if len(keys) != len(set(keys)):
            raise ma.ValidationError(f"Each cadence of a tier has a key of its own ({tier}).")


class Settings(Schema):
    """Each workspace's cadences and planning rules; every one has a default."""

    cadences = f.Dict(
        keys=f.String(validate=v.OneOf([tier.value for tier in Tier])),
        values=f.List(f.Nested(Cadence), validate=v.Length(max=10)),
        load_default=lambda: {tier: [dict(c) for c in items] for tier, items in DEFAULT_CADENCES.items()},
        validate=_unique_keys,
        metadata={"title": _l("Cadences"), "description": _l("Recurring contacts by value tier (a tier not named: none)"),
                  "labels": TIER_LABELS})
    cadence_start = f.Date(load_default=DEFAULT_START, metadata={
        "title": _l("Cadences start"), "description": _l("The day rules without DTSTART count from")})
    calendar = f.String(load_default="CN", validate=_calendar, metadata={
        "title": _l("Calendar"), "description": _l("Whose public holidays and make-up working days (a country code)")})
    horizon_weeks = f.Integer(load_default=6, validate=v.Range(min=1, max=26), metadata={
        "title": _l("Weeks planned ahead")})
    daily_cap = f.Integer(load_default=8, validate=v.Range(min=1, max=200), metadata={
        "title": _l("Visits a person a day"), "description": _l("Beyond it, visits move to the next working day")})
    contact_time = f.Time(load_default=dt.time(10, 0), metadata={
        "title": _l("Contact time"), "description": _l("For customers who named none")})
    overdue_days = f.Integer(load_default=2, validate=v.Range(min=1, max=60), metadata={
        "title": _l("Overdue after days"), "description": _l("A visit this many days late notifies its owner")})
    manager_days = f.Integer(load_default=5, validate=v.Range(min=1, max=90), metadata={
        "title": _l("Manager told after days"), "description": _l("A visit this many days late notifies the manager")})

    @ma.validates_schema
    def _manager_later(self, data, **kwargs):
        if data.get("manager_days", 5) <= data.get("overdue_days", 2):
            raise ma.ValidationError("The manager is told later than the owner.", "manager_days")


def automated(channel: str) -> bool:
    return channel in AUTOMATED_CHANNELS


FULL_WIDTH_DIGITS = "０１２３４５６７８９"
CONTACT_TIME = "([0-9０-９]{1,2})[:：]([0-9０-９]{2})"  # the planner reads it in SQL too, on PostgreSQL


def contact_minute(text: str | None) -> int | None:
    """The minute of the day a customer's contact time starts at ("weekdays 9:00-11:00": 540,
    "下午１４：３０": 870); None if it names no time."""
    found = re.search(CONTACT_TIME, text or "")
    if not found or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        return None
    return int(found.group(1)) * 60 + int(found.group(2))
