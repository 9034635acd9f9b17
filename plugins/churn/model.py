"""The workspace's purchase model: BG/NBD and Gamma-Gamma fitted nightly on its customers' summaries
(``churn_fits``, one row), used by the scoring only where :func:`lifetime.enough_data` says so.

The summaries come from :mod:`plugins.churn.figures` (weeks; the Gamma-Gamma spend is each repeat
buyer's mean order value, first purchase included: the core keeps totals, not the first amount).
Customers who never bought are left out of the fit. A fit that fails to converge is stored with
``enough_data`` false, so the scores say the rules alone were used.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from saas.core.db import db
from saas.core.types import utcnow

from plugins.churn import figures, lifetime
from plugins.churn.models import Fit

log = logging.getLogger(__name__)
HORIZON_WEEKS = 90 / 7  # expected purchases and value over the next 90 days


@dataclass(frozen=True)
class Model:
    bgnbd: lifetime.BGNBD
    spend: lifetime.GammaGamma | None

    def predict(self, arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """P(alive), expected purchases in the next 90 days and their expected value, per customer
        (NaN for one who never bought)."""
        bought = arrays["T"] > 0
        f, r, t = arrays["frequency"], arrays["recency"], np.where(bought, arrays["T"], 1.0)
        p_alive = np.where(bought, self.bgnbd.p_alive(f, r, t), np.nan)
        expected = np.where(bought, self.bgnbd.expected_purchases(HORIZON_WEEKS, f, r, t), np.nan)
        if self.spend is None:
            return p_alive, expected, np.full_like(expected, np.nan)
        value = expected * self.spend.expected_spend(f, np.maximum(arrays["monetary"], 0))
        return p_alive, expected, np.where(np.isfinite(value), value, np.nan)


def summaries(moment: dt.datetime | None = None) -> dict[str, np.ndarray]:
    """frequency, recency, T (weeks) and monetary of every customer who bought before ``moment``."""
    parts = {name: [] for name in ("frequency", "recency", "T", "monetary")}
    for chunk in figures.chunks(moment):
        bought = chunk.arrays["T"] > 0
        for name in parts:
            parts[name].append(chunk.arrays[name][bought])
    return {name: np.concatenate(values) if values else np.empty(0) for name, values in parts.items()}


def fit(moment: dt.datetime | None = None) -> tuple[Model | None, dict]:
    """The model fitted on the data before ``moment`` (None where there is not enough data, or the fit
    failed), and what to store of it."""
    data = summaries(moment)
    customers, repeat = int(data["T"].size), int(np.count_nonzero(data["frequency"] > 0))
    span = float(data["T"].max()) if customers else 0.0
    facts = {"customers": customers, "repeat_buyers": repeat, "params": {}, "enough_data": False}
    if not lifetime.enough_data(customers, repeat, span):
        return None, facts
    try:
        # each distinct (frequency, recency, T) once, with its count: whole days make few of them
        distinct, counts = np.unique(np.column_stack([data["frequency"], data["recency"], data["T"]]), axis=0,
                                     return_counts=True)
        bgnbd = lifetime.fit_bgnbd(distinct[:, 0], distinct[:, 1], distinct[:, 2], weights=counts)
        repeaters = data["frequency"] > 0
        spend = lifetime.fit_gamma_gamma(data["frequency"][repeaters], data["monetary"][repeaters])
    except (lifetime.FitError, ValueError, FloatingPointError) as error:
        log.warning("churn: the purchase model did not fit: %s", error)
        return None, facts
    params = {**bgnbd.params, "log_likelihood": bgnbd.log_likelihood, **spend.params}
    return Model(bgnbd, spend), {**facts, "params": params, "enough_data": True}


def refit() -> Fit:
    """Fit on the workspace's data now and keep the result (the nightly job)."""
    _, facts = fit()
    row = db.session.scalar(sa.select(Fit)) or Fit()
    for key, value in facts.items():
        setattr(row, key, value)
    row.fitted_at = utcnow()
    db.session.add(row)
    db.session.flush()
    return row


def current() -> Model | None:
    """The stored fit, when it had enough data."""
    row = db.session.scalar(sa.select(Fit))
    if row is None or not row.enough_data:
        return None
    p = row.params
    spend = lifetime.GammaGamma(p["p"], p["q"], p["v"]) if {"p", "q", "v"} <= p.keys() else None
    return Model(lifetime.BGNBD(p["r"], p["alpha"], p["a"], p["b"], p.get("log_likelihood", float("nan"))), spend)
