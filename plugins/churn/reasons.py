"""The sentence a sales rep reads for each reason code (plugins.churn.rules), in the page's
language (en, zh-CN in the module's catalogue), with the reason's figures put in, formatted for
the locale. Needs an app context (flask_babel), unlike the rest of the model's modules."""

from __future__ import annotations

from flask_babel import format_currency, format_decimal, format_percent, gettext, ngettext

from plugins.churn.rules import SIGNALS


def _overdue(f, currency):
    return gettext("No purchase for %(days)s days; usually every %(interval)s days",
                   days=format_decimal(f["days"]), interval=format_decimal(f["interval"]))


def _compared(f, formatted):
    return {"recent": formatted(f["recent"]), "before": formatted(f["before"])}


def _fewer_purchases(f, currency):
    return gettext("%(recent)s purchases in the last 90 days, against %(before)s in the 90 before",
                   **_compared(f, format_decimal))


def _less_spend(f, currency):
    money = (lambda value: format_currency(value, currency)) if currency else format_decimal
    return gettext("Spent %(recent)s in the last 90 days, against %(before)s in the 90 before", **_compared(f, money))


def _fewer_interactions(f, currency):
    return gettext("%(recent)s interactions in the last 90 days, against %(before)s in the 90 before",
                   **_compared(f, format_decimal))


def _low_survey(f, currency):
    return ngettext("A low survey score in the last 90 days", "%(num)d low survey scores in the last 90 days",
                    f["count"])


def _complaint_breach(f, currency):
    return ngettext("A complaint missed its clock in the last 90 days",
                    "%(num)d complaints missed their clock in the last 90 days", f["count"])


def _missed_visits(f, currency):
    return ngettext("A missed visit in the last 90 days", "%(num)d missed visits in the last 90 days", f["count"])


def _model_p_alive(f, currency):
    return gettext("The purchase model puts the chance that this customer still buys at %(p_alive)s",
                   p_alive=format_percent(f["p_alive"]))


SENTENCES = {"overdue": _overdue, "fewer_purchases": _fewer_purchases, "less_spend": _less_spend,
             "fewer_interactions": _fewer_interactions, "low_survey": _low_survey,
             "complaint_breach": _complaint_breach, "missed_visits": _missed_visits, "model_p_alive": _model_p_alive}
assert set(SENTENCES) == set(SIGNALS)


def sentence(code: str, figures: dict, currency: str | None = None) -> str:
    """The reason's sentence; ``currency`` (an ISO code) formats spend as money, else as a number."""
    return SENTENCES[code](figures, currency)
