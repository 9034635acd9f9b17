"""The two data sets the churn rules are backtested and calibrated on, as rule figures and truth:
CDNOW's repeat buyers and the generated workspace (tests/churn_synthetic.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from plugins.churn import lifetime
from plugins.churn.rules import Figures
from tests import cdnow, churn_synthetic
from tests.churn_figures import purchase_figures, summary, windows


@dataclass(frozen=True)
class Case:
    name: str
    figures: Figures  # p_alive filled in (the model has enough data in both)
    churned: np.ndarray  # the truth the rules are judged on

    def without_model(self) -> Figures:
        return replace(self.figures, p_alive=None)


@cache
def cdnow_repeat_buyers() -> Case:
    """CDNOW's 946 repeat buyers at the end of the 39-week calibration period; churned: no purchase
    in the 39-week holdout. Figures from the transactions (days; the 90-day windows end on 30
    September 1997), P(alive) from the BG/NBD fit on all 2,357 customers' published summary."""
    s, tr = cdnow.summary(), cdnow.transactions()
    n, cutoff = s.T.size, (cdnow.CUTOFF - cdnow.START).days
    holdout = (tr.day > cutoff) & (tr.day <= (cdnow.HOLDOUT_END - cdnow.START).days)
    churned = np.bincount(tr.customer[holdout], minlength=n) == 0
    p_alive = lifetime.fit_bgnbd(s.frequency, s.recency, s.T).p_alive(s.frequency, s.recency, s.T)
    figures = purchase_figures(tr.customer, tr.day, tr.amount, n, cutoff, p_alive=p_alive)
    repeat = s.frequency > 0
    picked = Figures(**{name: value[repeat] for name, value in vars(figures).items()})
    return Case("CDNOW repeat buyers", picked, churned[repeat])


@cache
def generated() -> Case:
    """The generated workspace at its cut-off; churned: the known churners."""
    w = churn_synthetic.workspace()
    n, cutoff = w.customers, w.cutoff
    frequency, recency, T = summary(w.purchase_customer, w.purchase_day, n, cutoff)
    p_alive = lifetime.fit_bgnbd(frequency, recency, T).p_alive(frequency, recency, T)
    recent, before = windows(w.interaction_customer, w.interaction_day, n, cutoff)
    figures = purchase_figures(
        w.purchase_customer, w.purchase_day, w.purchase_amount, n, cutoff, tier=w.tier,
        interactions_recent=recent, interactions_before=before, low_survey_scores=w.low_survey_scores,
        breached_complaints=w.breached_complaints, missed_visits=w.missed_visits, p_alive=p_alive)
    return Case("generated workspace", figures, w.churner)


def cases() -> tuple[Case, Case]:
    return cdnow_repeat_buyers(), generated()
