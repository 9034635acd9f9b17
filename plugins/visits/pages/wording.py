"""The module's words on its pages: visit statuses, outcomes, channels and purposes, the agenda's
views, and the schemas' messages a person can meet on its forms, in the page's language (any
other message is shown as the API words it)."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from saas.web.customer_forms import FormErrors, flatten
from saas.web.labels import TIER_LABELS as TIERS  # noqa: F401  (re-exported for the pages)

from plugins.visits.cadences import CHANNEL_LABELS, PURPOSE_LABELS

STATUSES = {"planned": _l("Planned"), "done": _l("Done"), "no_answer": _l("No answer"),
            "rescheduled": _l("Rescheduled"), "cancelled": _l("Skipped")}
OUTCOMES = {"done": _l("Done"), "no_answer": _l("No answer"), "rescheduled": _l("Move to another day"),
            "cancelled": _l("Skip it")}
CHANNELS, PURPOSES = CHANNEL_LABELS, PURPOSE_LABELS  # the settings form's words too
VIEWS = {"today": _l("Today"), "week": _l("This week"), "overdue": _l("Overdue")}

MESSAGES = {
    "Not a valid date.": _l("Not a valid date."),
    "Not a valid UUID.": _l("Not a valid id."),
    "Missing data for required field.": _l("Required."),
    "Field may not be null.": _l("Required."),
    "Longer than maximum length 500.": _l("At most %(count)d characters.", count=500),
    "Longer than maximum length 10000.": _l("At most %(count)d characters.", count=10000),
    "Must be one of: done, no_answer, rescheduled, cancelled.": _l("Choose one of the outcomes offered."),
    "Must be one of: visit, video, phone, email, sms.": _l("Choose one of the channels offered."),
    "Must be one of: visit, call, survey, message, follow_up.": _l("Choose one of the purposes offered."),
    "Must be one of: today, week, overdue.": _l("Choose one of the views offered."),
    "A move or a skip needs a reason.": _l("A move or a skip needs a reason."),
    "Say why.": _l("Say why."),
    "A moved visit needs its new day, today or later.": _l("A moved visit needs its new day, today or later."),
    "Today or later.": _l("Today or later."),
    "A month: YYYY-MM, from 2000 to 2099.": _l("A month as YYYY-MM."),
    "A rule of 1 to 500 characters.": _l("A rule of 1 to 500 characters."),
    "The rule never falls on any day.": _l("The rule never falls on any day."),
}
MESSAGE_STARTS = {  # the rule checker's messages carry the parser's words after these beginnings
    "Not an RFC 5545 recurrence rule": _l("Not an RFC 5545 recurrence rule (such as FREQ=WEEKLY;INTERVAL=2)."),
    "A visit is planned for a day": _l("A visit is planned for a day: FREQ is DAILY, WEEKLY, MONTHLY or YEARLY."),
    "A visit's time of day": _l("A visit's time of day is the customer's contact time: no BYHOUR, BYMINUTE or BYSECOND."),
    "DTSTART is a local date": _l("DTSTART is a local date (YYYYMMDD), without a time zone."),
}


def worded(message: str) -> str:
    if message in MESSAGES:
        return str(MESSAGES[message])
    start = next((start for start in MESSAGE_STARTS if message.startswith(start)), None)
    return str(MESSAGE_STARTS[start]) if start else message


def field_errors(messages) -> dict[str, list[str]]:
    """marshmallow's or the core's field errors as ``{field: [message in the page's language]}``."""
    return flatten(_worded(messages))


def _worded(messages):
    if isinstance(messages, dict):
        return {key: _worded(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [_worded(message) for message in messages]
    return worded(messages) if isinstance(messages, str) else messages


def load(schema, body: dict) -> dict:
    """``schema.load(body)``, its validation errors raised as :class:`FormErrors` in the page's language."""
    try:
        return schema.load(body)
    except ma.ValidationError as error:
        raise FormErrors(field_errors(error.messages)) from None
