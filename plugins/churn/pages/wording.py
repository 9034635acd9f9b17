"""The module's words on its pages: risk levels, task statuses, the glossary's churn reasons (流失原因),
each reason code's sentence, and the schemas' messages a person can meet on its forms, in the
page's language (any other message is shown as the API words it)."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l

from saas.core.tenancy import current_tenant
from saas.web.customer_forms import FormErrors, flatten
from saas.web.labels import TIER_LABELS as TIERS  # noqa: F401  (re-exported for the pages)

from plugins.churn import reasons
from plugins.churn.models import ChurnReason, Level, TaskStatus

LEVELS = {Level.high.value: _l("High risk"), Level.medium.value: _l("Medium risk"), Level.low.value: _l("Low risk")}
STATUSES = {TaskStatus.open.value: _l("Open"), TaskStatus.contacted.value: _l("Contacted"),
            TaskStatus.offer_made.value: _l("Offer made"), TaskStatus.won_back.value: _l("Won back"),
            TaskStatus.lost.value: _l("Lost")}
REASONS = {ChurnReason.product_quality.value: _l("Product quality"), ChurnReason.service.value: _l("Service"),
           ChurnReason.price_competition.value: _l("Price or competition"), ChurnReason.other.value: _l("Other")}

MESSAGES = {
    "Not a valid integer.": _l("Not a whole number."),
    "Not a valid date.": _l("Not a valid date."),
    "Missing data for required field.": _l("Required."),
    "Field may not be null.": _l("Required."),
    "Longer than maximum length 1000.": _l("At most %(count)d characters.", count=1000),
    "Longer than maximum length 500.": _l("At most %(count)d characters.", count=500),
    "Must be one of: open, contacted, offer_made, lost.": _l("Choose one of the statuses offered."),
    "Won back is set by a purchase after the task opened.": _l("Won back is set by a purchase after the task opened."),
    "Say why the customer was lost.": _l("Say why the customer was lost."),
    "Say what the other reason is.": _l("Say what the other reason is."),
    "Must be one of: product_quality, service, price_competition, other.": _l("Choose one of the reasons offered."),
}


def field_errors(messages) -> dict[str, list[str]]:
    """marshmallow's or the core's field errors (as they raised them, in English) as
    ``{field: [message in the page's language]}``: the module's own wording where it has one, else
    the core's translation."""
    return flatten(_worded(messages))


def _worded(messages):
    if isinstance(messages, dict):
        return {key: _worded(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [_worded(message) for message in messages]
    return MESSAGES.get(messages, messages) if isinstance(messages, str) else messages


def load(schema, body: dict) -> dict:
    """``schema.load(body)``, its validation errors raised as :class:`FormErrors` in the page's language."""
    try:
        return schema.load(body)
    except ma.ValidationError as error:
        raise FormErrors(field_errors(error.messages)) from None


def sentence(reason: dict) -> str:
    """A reason of a score (``{"code", "share", "figures"}``) as its sentence in the page's language,
    spend in the workspace's currency."""
    return reasons.sentence(reason["code"], reason.get("figures") or {}, current_tenant().settings.get("currency"))


def sentences(reasons: list, most: int = 3) -> list[tuple[str, float]]:
    """The first ``most`` reasons (largest share first) as ``(sentence, share)``."""
    return [(sentence(reason), reason["share"]) for reason in (reasons or [])[:most]]


def top_sentence(reasons: list) -> str | None:
    return sentence(reasons[0]) if reasons else None
