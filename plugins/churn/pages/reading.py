"""A backtest's results in words a manager understands: whether the warnings ranked the customers
who then left better than plain recency (days since the last purchase), about as well, or worse;
or that too few customers were judged to tell. Pure: the results dict of ``churn_backtests``
(``plugins.churn.backtests.results``: ``customers``, ``churners``, and the ``rules``', ``recency``'s
and, where the purchase model had enough data, the ``model``'s AUC and precision in the top 10% and
20%)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# Fewer judged customers, or fewer who left or who stayed, and the AUC says little: a handful of
# customers can rank perfectly by chance. 50 customers with 10 on each side keep the AUC's standard
# error under about 0.1 (Hanley and McNeil 1982), which the margin below is read against.
MIN_CUSTOMERS = 50
MIN_EACH_SIDE = 10
MARGIN = 0.02  # an AUC this close to recency's is "about as well"
CHANCE = 0.55  # an AUC under this ranks hardly better than picking at random

METHODS = {"rules": _l("The warnings (risk score)"), "recency": _l("Plain recency (days since the last purchase)"),
           "model": _l("Purchase model (1 - probability still active)")}


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    auc: float | None
    top10: float | None
    top20: float | None


@dataclass(frozen=True)
class Reading:
    kind: str  # trust, doubt, distrust, little
    verdict: str
    detail: str
    rows: tuple[Row, ...]


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def rows(results: dict) -> tuple[Row, ...]:
    return tuple(Row(code, str(label), _number(results[code].get("auc")), _number(results[code].get("precision_top10")),
                     _number(results[code].get("precision_top20")))
                 for code, label in METHODS.items() if results.get(code))


def read(results: dict, horizon_days: int) -> Reading:
    customers, churners = int(results.get("customers") or 0), int(results.get("churners") or 0)
    table = rows(results)
    score, recency = (next((row.auc for row in table if row.code == code), None) for code in ("rules", "recency"))
    detail = _("Of %(customers)s customers, %(churners)s (%(rate)s) bought nothing in the %(days)s days after the cut-off.",
               customers=f"{customers:,}", churners=f"{churners:,}", days=horizon_days,
               rate=format_percent(churners / customers if customers else 0))
    if customers < MIN_CUSTOMERS or min(churners, customers - churners) < MIN_EACH_SIDE or score is None or recency is None:
        verdict = _("Too little data to trust: the backtest needs at least %(customers)s customers, with %(each)s who "
                    "left and %(each)s who stayed. Try an earlier cut-off date or a longer period after it.",
                    customers=MIN_CUSTOMERS, each=MIN_EACH_SIDE)
        return Reading("little", verdict, detail, table)
    if score < CHANCE:
        kind, verdict = "distrust", _("The warnings ranked the customers who left hardly better than chance: "
                                      "do not rely on them yet; check the signal weights in the settings.")
    elif score >= recency + MARGIN:
        kind, verdict = "trust", _("The warnings ranked the customers who left better than plain recency: trust them.")
    elif score > recency - MARGIN:
        kind, verdict = "doubt", _("The warnings ranked the customers who left about as well as plain recency: "
                                   "use them, but they add little to how long a customer has been away.")
    else:
        kind, verdict = "distrust", _("The warnings ranked the customers who left worse than plain recency: "
                                      "do not rely on them; check the signal weights in the settings.")
    return Reading(kind, verdict, detail, table)


def chart(reading: Reading) -> dict:
    """The figures ECharts draws (``churn-charts.js``, ``backtest``): one series per method."""
    return {"measures": [_("AUC"), *(_("Left, of the riskiest %(share)s", share=format_percent(share)) for share in (0.1, 0.2))],
            "series": [{"name": row.label, "data": [row.auc, row.top10, row.top20]} for row in reading.rows]}
