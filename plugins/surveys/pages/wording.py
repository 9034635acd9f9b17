"""The module's words on its pages: states, question kinds, why a customer was skipped, and the
schemas' own messages a person can meet on its forms, in the page's language (any other message
is translated as the core words it)."""

from __future__ import annotations

from flask_babel import LazyString, pgettext
from flask_babel import lazy_gettext as _l

from saas.web.customer_forms import flatten
from saas.web.labels import TIER_LABELS as TIERS  # noqa: F401  (re-exported for the pages)

# in context: the core's "Active" is a lifecycle stage (活跃客户), the churn module's "Closed" a time
STATES = {"draft": LazyString(lambda: pgettext("survey state", "Draft")),
          "active": LazyString(lambda: pgettext("survey state", "Active")),
          "closed": LazyString(lambda: pgettext("survey state", "Closed"))}
KINDS = {"nps": _l("NPS (0-10, how likely to recommend)"), "csat": _l("CSAT (1-5, how satisfied)"),
         "ces": _l("CES (1-7, how easy)"), "single_choice": _l("Single choice"),
         "multiple_choice": _l("Multiple choice"), "text": _l("Free text")}
SHORT_KINDS = {"nps": _l("NPS"), "csat": _l("CSAT"), "ces": _l("CES"), "single_choice": _l("Single choice"),
               "multiple_choice": _l("Multiple choice"), "text": _l("Free text")}
SKIPPED = {"throttled": _l("asked recently"), "unsubscribed": _l("unsubscribed"),
           "unreachable": _l("no e-mail address"), "already_invited": _l("invited by another send at the same moment")}

# The events the survey page offers to send after, where declared (any other customer event is set
# through the API, and shown by its code once set).
EVENTS = {"purchase.recorded": _l("A purchase is recorded"),
          "interaction.logged": _l("An interaction is logged (a call, a visit, a message)"),
          "complaints.resolved": _l("A complaint is resolved"), "churn.task_closed": _l("A win-back task is closed"),
          "loyalty.points_redeemed": _l("Points are redeemed for a reward"),
          "customer.created": _l("A customer is created")}

MESSAGES = {
    "A choice question has 2 to 20 choices.": _l("A choice question has 2 to 20 choices."),
    "Only a choice question has choices.": _l("Only a choice question has choices."),
    "Exactly one of tier and segment_id.": _l("Choose a tier or a segment."),
    "Exactly one of customer_ids, segment_id and tier.": _l("Choose a tier or a segment."),
    "en: a text of 1 to 500 characters.": _l("English: at most %(count)d characters.", count=500),
    "zh-CN: a text of 1 to 500 characters.": _l("Chinese: at most %(count)d characters.", count=500),
    "The survey has answers.": _l("The survey has answers: whether it is anonymous cannot change."),
    "At least one question.": _l("Add at least one question."),
    "Not active.": _l("Activate the survey first."),
    "No such segment.": _l("No such segment."),
    "At most 5000 customers at once.": _l("At most 5,000 customers at once: give the survey a schedule instead."),
    "Longer than maximum length 50.": _l("At most 50 questions."),
    "Longer than maximum length 20.": _l("At most 20 choices."),
    "Longer than maximum length 10.": _l("At most 10 events."),
}


def field_errors(messages) -> dict[str, list[str]]:
    """marshmallow's or the core's field errors as ``{field: [message in the page's language]}``."""
    return flatten(_worded(messages))


def _worded(messages):
    if isinstance(messages, dict):
        return {key: _worded(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [_worded(message) for message in messages]
    if isinstance(messages, str):
        if messages.startswith("From ") and messages.endswith("."):  # a state move refused
            return str(_l("This change of state is not possible now."))
        if messages.endswith(": an event of a customer (purchase.recorded, interaction.logged...)."):
            return str(_l("Not an event of a customer."))
        return MESSAGES.get(messages, messages)
    return messages
