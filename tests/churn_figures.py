"""The rule figures (plugins.churn.rules.Figures) from arrays of purchases, as the plugin computes
them in SQL: for the tests' data sets (CDNOW, the generated workspace), vectorised with bincount.

A purchase day is a day with purchases (several the same day count once, as in the BG/NBD summary);
``typical_interval_days`` is the customer's mean interval between purchase days when it has three or
more, else the mean of its tier's customers with three or more.
"""

from __future__ import annotations

import numpy as np

from plugins.churn.rules import Figures

WINDOW = 90  # days: the recent window, and the one before it


def _window_counts(customer, day, weights, n, start, end):
    inside = (day > start) & (day <= end)
    return np.bincount(customer[inside], weights=None if weights is None else weights[inside], minlength=n)


def windows(customer: np.ndarray, day: np.ndarray, n: int, cutoff: int, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Counts (or sums of ``weights``) per customer in the last WINDOW days to ``cutoff`` and the WINDOW before."""
    return (_window_counts(customer, day, weights, n, cutoff - WINDOW, cutoff),
            _window_counts(customer, day, weights, n, cutoff - 2 * WINDOW, cutoff - WINDOW))


def purchase_figures(customer: np.ndarray, day: np.ndarray, amount: np.ndarray, n: int, cutoff: int,
                     tier: np.ndarray | None = None, **others) -> Figures:
    """Figures at the end of day ``cutoff`` from the purchases on or before it (later ones ignored);
    ``others`` are the remaining figures (interactions, counts from other modules, p_alive)."""
    before = day <= cutoff
    customer, day, amount = customer[before], day[before], amount[before]
    tier = np.zeros(n, dtype=int) if tier is None else tier
    days = np.unique(np.stack([customer, day]), axis=1)  # distinct (customer, day)
    count = np.bincount(days[0], minlength=n)
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, -1)
    np.minimum.at(first, days[0], days[1])
    np.maximum.at(last, days[0], days[1])
    bought = count > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(count >= 3, (last - first) / (count - 1), np.nan)
    tiers = np.unique(tier)
    tier_mean = np.array([np.nanmean(own[(tier == t) & (count >= 3)]) if np.any((tier == t) & (count >= 3)) else np.nan
                          for t in tiers])
    typical = np.where(count >= 3, own, tier_mean[np.searchsorted(tiers, tier)])
    recent, earlier = windows(days[0], days[1], n, cutoff)
    spend_recent, spend_before = windows(customer, day, n, cutoff, amount)
    return Figures(
        days_since_last_purchase=np.where(bought, cutoff - last, np.nan).astype(float),
        typical_interval_days=typical,
        purchases_recent=recent, purchases_before=earlier,
        spend_recent=spend_recent, spend_before=spend_before,
        **others)


def summary(customer: np.ndarray, day: np.ndarray, n: int, cutoff: int, unit: float = 7.0):
    """BG/NBD's (frequency, recency, T) in ``unit`` days at ``cutoff``, for the customers who bought."""
    before = day <= cutoff
    days = np.unique(np.stack([customer[before], day[before]]), axis=1)
    count = np.bincount(days[0], minlength=n)
    first = np.full(n, cutoff)
    last = np.full(n, cutoff)
    np.minimum.at(first, days[0], days[1])
    last[count > 0] = -1
    np.maximum.at(last, days[0], days[1])
    return np.maximum(count - 1, 0), (last - first) / unit * (count > 0), (cutoff - first) / unit
