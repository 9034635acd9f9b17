"""How well a risk score ranked the customers who then bought nothing: AUC, precision in the top
10% and 20%, beside plain recency. Pure functions on numpy arrays: the caller scores with the data
before a cut-off and says who bought nothing in the N days after it.

AUC is the Mann-Whitney statistic: the probability that a churner, drawn at random, scored above a
customer who stayed, drawn at random, ties counted half (0.5: no better than chance):

    AUC = (sum of the churners' ranks - n1 (n1 + 1) / 2) / (n1 n0)      (average ranks for ties)

Precision in the top k% is the share of churners among the ceil(k% of n) highest scores. Where
customers tie at the boundary, it is the expected share over the ways of breaking the tie at random
(so a score that gives everyone 50 has the base rate as precision, whatever the order they came in).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import rankdata

TOP_FRACTIONS = (0.10, 0.20)


@dataclass(frozen=True)
class Ranking:
    auc: float  # nan when everyone churned or no one did
    precision_top10: float
    precision_top20: float


@dataclass(frozen=True)
class Report:
    customers: int
    churners: int
    base_rate: float  # churners / customers: the precision of picking at random
    score: Ranking  # the score given (the rules, with the model where it was used)
    recency: Ranking  # days since the last purchase as the score

    def as_dict(self) -> dict:
        """The report for a JSON column: NaN (no churner, or no one stayed) as None, which JSON has."""
        def plain(value):
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            return None if isinstance(value, float) and math.isnan(value) else value

        return plain(asdict(self))


def _checked(scores, churned) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=float)
    churned = np.asarray(churned)
    if scores.ndim != 1 or scores.shape != churned.shape:
        raise ValueError("scores and churned must be one-dimensional arrays of one length")
    if np.isnan(scores).any():
        raise ValueError("scores must not be NaN")
    if churned.dtype != bool:
        if not np.isin(churned, (0, 1)).all():
            raise ValueError("churned must be booleans (or 0 and 1)")
        churned = churned.astype(bool)
    return scores, churned


def auc(scores, churned) -> float:
    """Mann-Whitney AUC of ``scores`` (higher = more at risk) for the truth ``churned``."""
    scores, churned = _checked(scores, churned)
    positives = int(churned.sum())
    negatives = churned.size - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(scores)  # ties get their average rank
    return float((ranks[churned].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def precision_at(scores, churned, fraction: float) -> float:
    """The share of churners among the top ``fraction`` of scores (ties at the boundary shared out)."""
    scores, churned = _checked(scores, churned)
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    if scores.size == 0:
        return float("nan")
    k = math.ceil(fraction * scores.size - 1e-9)
    threshold = np.partition(scores, scores.size - k)[scores.size - k]  # the k-th highest score
    above = scores > threshold
    at = scores == threshold
    taken_at = k - int(above.sum())  # how many of the tied customers the top k takes
    expected = churned[above].sum() + taken_at * churned[at].sum() / at.sum()
    return float(expected / k)


def ranking(scores, churned) -> Ranking:
    return Ranking(auc(scores, churned), *(precision_at(scores, churned, f) for f in TOP_FRACTIONS))


def report(scores, churned, days_since_last_purchase) -> Report:
    """The score's ranking beside plain recency's. A customer who never bought (NaN days) counts
    as the most overdue of all for recency."""
    scores, churned = _checked(scores, churned)
    recency = np.asarray(days_since_last_purchase, dtype=float)
    if recency.shape != scores.shape:
        raise ValueError("days_since_last_purchase must have the scores' length")
    recency = np.where(np.isnan(recency), np.inf, recency)
    churners = int(churned.sum())
    return Report(customers=int(scores.size), churners=churners,
                  base_rate=churners / scores.size if scores.size else float("nan"),
                  score=ranking(scores, churned), recency=ranking(recency, churned))
