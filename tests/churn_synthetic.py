"""A generated workspace whose churners are known: deterministic (a seed), numpy only.

Customers in three tiers (core, important, normal: a purchase every 21, 35 and 60 days on
average, each customer's own mean spread around its tier's by a log-normal factor) buy as a
renewal process with Gamma(2) gaps (fairly regular, like a business reordering) from a first
purchase in the first part of the two-year history. A known quarter of them churn on a known day
between 120 and 5 days before the cut-off: in the 90 days before that day their purchases come
1.8 times further apart, each worth 0.6 of their usual, their interactions half as often; after
it nothing. The others go on through the cut-off and the horizon after it.

The other modules' signals in the 90 days before the cut-off are drawn at assumed rates (a low
survey score: 4% of stayers, 20% of churners; a complaint that missed its clock: 2% and 15%;
missed visits: Poisson 0.2 and 0.8): the weights calibrated on them are only as good as these
rates, which docs/churn-model.md says.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

HISTORY = 720  # days before the cut-off with data
HORIZON = 90  # the days after the cut-off the backtest looks at
TIER_INTERVALS = np.array([21.0, 35.0, 60.0])
TIER_SHARES = (0.2, 0.3, 0.5)
CHURN_SHARE = 0.25
DRIFT_DAYS = 90
SLOWER, CHEAPER, FEWER_INTERACTIONS = 1.8, 0.6, 0.5
EVENTS = 200  # a customer's events drawn at most (more than any can have in HISTORY + HORIZON days)


@dataclass(frozen=True)
class Workspace:
    cutoff: int  # purchases on days 0..cutoff are before the cut-off
    tier: np.ndarray
    churner: np.ndarray  # bool: the known churners
    churn_day: np.ndarray  # their churn day (inf for the others)
    purchase_customer: np.ndarray
    purchase_day: np.ndarray
    purchase_amount: np.ndarray
    interaction_customer: np.ndarray
    interaction_day: np.ndarray
    low_survey_scores: np.ndarray  # counts in the 90 days before the cut-off
    breached_complaints: np.ndarray
    missed_visits: np.ndarray

    @property
    def customers(self) -> int:
        return self.tier.size

    def bought_after(self, days: int = HORIZON) -> np.ndarray:
        """Whether each customer bought in the ``days`` after the cut-off."""
        after = (self.purchase_day > self.cutoff) & (self.purchase_day <= self.cutoff + days)
        return np.bincount(self.purchase_customer[after], minlength=self.customers) > 0


def _events(rng, first, mean_gap, churn_day, slower, shape):
    """Event days per customer: a renewal process with Gamma(shape) gaps of mean ``mean_gap`` from
    ``first``, ``slower`` times further apart in the DRIFT_DAYS before ``churn_day``, none after it.
    Drawn in operational time (unit mean gaps) and mapped to days through the piecewise-linear
    intensity, so it is vectorised over customers."""
    n = first.size
    churn_day = np.where(np.isfinite(churn_day), churn_day, 10.0**9)  # a stayer: a drift that never comes
    u = np.cumsum(rng.gamma(shape, 1 / shape, size=(n, EVENTS)), axis=1)
    drift = np.maximum(first, churn_day - DRIFT_DAYS)[:, None]
    at_drift = (drift - first[:, None]) / mean_gap[:, None]
    day = np.where(u <= at_drift, first[:, None] + u * mean_gap[:, None],
                   drift + (u - at_drift) * mean_gap[:, None] * slower)
    day = np.concatenate([first[:, None], day], axis=1)
    keep = (day <= churn_day[:, None]) & (day <= HISTORY + HORIZON)
    customer = np.broadcast_to(np.arange(n)[:, None], day.shape)
    return customer[keep], np.floor(day[keep]).astype(int)


@cache
def workspace(customers: int = 3000, seed: int = 16) -> Workspace:
    rng = np.random.default_rng(seed)
    cutoff = HISTORY
    tier = rng.choice(3, size=customers, p=TIER_SHARES)
    mean_gap = TIER_INTERVALS[tier] * rng.lognormal(0, 0.35, customers)
    churner = rng.random(customers) < CHURN_SHARE
    churn_day = np.where(churner, rng.uniform(cutoff - 120, cutoff - 5, customers), np.inf)
    latest_first = np.minimum(cutoff - 60, churn_day - 120)
    first = np.floor(rng.uniform(0, 1, customers) * latest_first)
    p_customer, p_day = _events(rng, first, mean_gap, churn_day, SLOWER, shape=2.0)
    level = rng.lognormal(np.log(200), 0.6, customers)
    cheaper = np.where(p_day >= churn_day[p_customer] - DRIFT_DAYS, CHEAPER, 1.0)
    amount = np.round(level[p_customer] * cheaper * rng.lognormal(0, 0.3, p_day.size), 2)
    i_customer, i_day = _events(rng, first, mean_gap * rng.lognormal(0.2, 0.3, customers), churn_day,
                                1 / FEWER_INTERACTIONS, shape=1.0)
    return Workspace(
        cutoff=cutoff, tier=tier, churner=churner, churn_day=churn_day,
        purchase_customer=p_customer, purchase_day=p_day, purchase_amount=amount,
        interaction_customer=i_customer, interaction_day=i_day,
        low_survey_scores=(rng.random(customers) < np.where(churner, 0.20, 0.04)).astype(float),
        breached_complaints=(rng.random(customers) < np.where(churner, 0.15, 0.02)).astype(float),
        missed_visits=rng.poisson(np.where(churner, 0.8, 0.2)).astype(float))
