"""The explainable risk score: signals from a customer's figures, weighted, combined into 0-100,
with each signal's share of the score. Vectorised on numpy arrays (a loop over the signals, never
over the customers); no Flask, no database. The formulas are in docs/churn-model.md.

Each signal gives a strength s from 0 to 1 per customer:

- ``overdue``: 1 - exp(-days since the last purchase / (typical interval + H)), H =
  ``OVERDUE_PADDING_DAYS``: the wait counted in the customer's own intervals, each padded by H days
  so that a short, noisy interval does not make a few quiet days look alarming (0.63 after one
  padded interval, 0.86 after two);
- ``fewer_purchases``, ``less_spend``, ``fewer_interactions``: the drop from the 90 days before to
  the last 90 days, (1 - recent / before), times n / (n + ``DROP_DOUBT``) where n is the purchases
  (for spend too) or interactions before: a drop from one to none says less than from eight to
  two (0 when there was nothing before, or no drop);
- ``low_survey``, ``complaint_breach``: 1 with one or more in the last 90 days;
  ``missed_visits``: half per missed visit, 1 from two;
- ``model_p_alive``: 1 - P(alive) from BG/NBD, where the workspace has enough data (NaN: not used).

A signal's weight w (0 to 1; 0 switches it off) is the score it gives alone at full strength; the
signals combine as independent risks, score = 100 (1 - prod(1 - w s)). A signal's share of the score
is its part of -log(1 - score / 100) = sum(-log(1 - w s)), so the shares add up to 1 over the signals
that contributed, and two signals of the same w s weigh the same.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from numbers import Real

import numpy as np

SIGNALS = ("overdue", "fewer_purchases", "less_spend", "fewer_interactions",
           "low_survey", "complaint_breach", "missed_visits", "model_p_alive")

# The weights that backtest best on the generated workspace and on CDNOW's repeat buyers together
# (plugins/churn/calibration.py; the command and the figures in docs/churn-model.md).
DEFAULT_WEIGHTS = {"overdue": 1.0, "fewer_purchases": 0.0, "less_spend": 0.1, "fewer_interactions": 0.3,
                   "low_survey": 0.3, "complaint_breach": 0.3, "missed_visits": 0.4, "model_p_alive": 0.1}

LEVELS = ("low", "medium", "high")
DEFAULT_THRESHOLDS = {"medium": 40, "high": 70}  # a score from which a customer is at that level

OVERDUE_PADDING_DAYS = 120  # H, calibrated with the weights
DROP_DOUBT = 2  # purchases (or interactions) of doubt added to the window before a drop
MISSED_VISITS_FULL = 2  # missed visits in 90 days that make the signal full
MAX_RISK = 0.999  # w s is capped below 1, so -log(1 - w s) stays finite


@dataclass(frozen=True)
class Figures:
    """One entry per customer, the same length each, computed by the caller at the scoring date:

    ``days_since_last_purchase`` (NaN: never bought); ``typical_interval_days``: the mean interval
    between the customer's own purchases when it has 3 or more, else its tier's (the mean over the
    tier's customers with 3 or more; NaN when unknown: no overdue signal); ``purchases_*`` and
    ``spend_*``: in the last 90 days (``recent``) and the 90 before those (``before``);
    ``interactions_*`` the same for logged interactions; ``low_survey_scores``,
    ``breached_complaints``, ``missed_visits``: counts in the last 90 days, zeros when those modules
    are off; ``p_alive``: BG/NBD's probability alive, NaN where the model is not used.
    """

    days_since_last_purchase: np.ndarray
    typical_interval_days: np.ndarray
    purchases_recent: np.ndarray
    purchases_before: np.ndarray
    spend_recent: np.ndarray
    spend_before: np.ndarray
    interactions_recent: np.ndarray | None = None
    interactions_before: np.ndarray | None = None
    low_survey_scores: np.ndarray | None = None
    breached_complaints: np.ndarray | None = None
    missed_visits: np.ndarray | None = None
    p_alive: np.ndarray | None = None

    def __post_init__(self):
        n = None
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None:
                continue
            value = np.asarray(value, dtype=float)
            if value.ndim != 1 or (n is not None and value.size != n):
                raise ValueError(f"{field.name}: every figure must be a 1-D array of one length")
            n = value.size
            nan_allowed = field.name in ("days_since_last_purchase", "typical_interval_days", "p_alive")
            checked = value[~np.isnan(value)] if nan_allowed else value
            if not np.all(np.isfinite(checked)) or np.any(checked < 0):
                raise ValueError(f"{field.name}: figures must be finite and non-negative")
            if field.name == "p_alive" and np.any(checked > 1):
                raise ValueError("p_alive: a probability lies between 0 and 1")
            object.__setattr__(self, field.name, value)
        for field in fields(self):
            if getattr(self, field.name) is None:
                object.__setattr__(self, field.name, np.full(n, np.nan if field.name == "p_alive" else 0.0))

    def __len__(self) -> int:
        return self.days_since_last_purchase.size


def _drop(recent: np.ndarray, before: np.ndarray, count_before: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        drop = np.where(before > 0, np.clip(1 - recent / before, 0, 1), 0.0)
    return drop * count_before / (count_before + DROP_DOUBT)


def strength(signal: str, figures: Figures, padding_days: float = OVERDUE_PADDING_DAYS) -> np.ndarray:
    """One signal's strength, 0 to 1, per customer (the module's docstring)."""
    if signal == "overdue":
        with np.errstate(invalid="ignore"):
            overdue = -np.expm1(-figures.days_since_last_purchase / (figures.typical_interval_days + padding_days))
        return np.nan_to_num(overdue, nan=0.0)
    if signal == "fewer_purchases":
        return _drop(figures.purchases_recent, figures.purchases_before, figures.purchases_before)
    if signal == "less_spend":
        return _drop(figures.spend_recent, figures.spend_before, figures.purchases_before)
    if signal == "fewer_interactions":
        return _drop(figures.interactions_recent, figures.interactions_before, figures.interactions_before)
    if signal == "low_survey":
        return np.minimum(figures.low_survey_scores, 1.0)
    if signal == "complaint_breach":
        return np.minimum(figures.breached_complaints, 1.0)
    if signal == "missed_visits":
        return np.minimum(figures.missed_visits / MISSED_VISITS_FULL, 1.0)
    if signal == "model_p_alive":
        return np.nan_to_num(1 - figures.p_alive, nan=0.0)
    raise ValueError(f"unknown signal: {signal}")


def strengths(figures: Figures, padding_days: float = OVERDUE_PADDING_DAYS) -> dict[str, np.ndarray]:
    """Every signal's strength (``score`` computes them one at a time, to keep memory down)."""
    return {signal: strength(signal, figures, padding_days) for signal in SIGNALS}


def check_weights(weights: dict | None) -> dict[str, float]:
    """The defaults with ``weights`` over them; ValueError on an unknown signal or a weight that is
    not a number from 0 to 1."""
    unknown = set(weights or {}) - set(SIGNALS)
    if unknown:
        raise ValueError(f"unknown signals: {', '.join(sorted(map(str, unknown)))}")
    merged = {**DEFAULT_WEIGHTS, **(weights or {})}
    for signal, weight in merged.items():
        if isinstance(weight, bool) or not isinstance(weight, (Real, Decimal)) or not 0 <= weight <= 1:
            raise ValueError(f"{signal}: a weight is a number from 0 to 1, not {weight!r}")
    return {signal: float(merged[signal]) for signal in SIGNALS}


@dataclass(frozen=True)
class Reason:
    code: str
    share: float
    figures: dict

    def as_dict(self) -> dict:
        return {"code": self.code, "share": self.share, "figures": self.figures}


def _reason_figures(code: str, figures: Figures, i: int) -> dict:
    if code == "overdue":
        return {"days": round(float(figures.days_since_last_purchase[i])),
                "interval": round(float(figures.typical_interval_days[i]))}
    if code in ("fewer_purchases", "less_spend", "fewer_interactions"):
        name = {"fewer_purchases": "purchases", "less_spend": "spend", "fewer_interactions": "interactions"}[code]
        recent, before = getattr(figures, f"{name}_recent")[i], getattr(figures, f"{name}_before")[i]
        if code == "less_spend":
            return {"recent": round(float(recent), 2), "before": round(float(before), 2)}
        return {"recent": int(recent), "before": int(before)}
    if code == "model_p_alive":
        return {"p_alive": round(float(figures.p_alive[i]), 3)}
    name = {"low_survey": "low_survey_scores", "complaint_breach": "breached_complaints", "missed_visits": "missed_visits"}[code]
    return {"count": int(getattr(figures, name)[i])}


def _figures_json(code: str, figures: Figures, rows: np.ndarray) -> list[str]:
    """:func:`_reason_figures` of the customers ``rows`` as JSON text, one signal at a time (the
    numbers formatted as ``round`` and ``json.dumps`` write them)."""
    if code == "overdue":
        days = np.rint(figures.days_since_last_purchase[rows]).astype(np.int64).tolist()
        interval = np.rint(figures.typical_interval_days[rows]).astype(np.int64).tolist()
        return [f'{{"days": {d}, "interval": {i}}}' for d, i in zip(days, interval)]
    if code in ("fewer_purchases", "less_spend", "fewer_interactions"):
        name = {"fewer_purchases": "purchases", "less_spend": "spend", "fewer_interactions": "interactions"}[code]
        recent, before = getattr(figures, f"{name}_recent")[rows], getattr(figures, f"{name}_before")[rows]
        if code == "less_spend":
            return [f'{{"recent": {r:.2f}, "before": {b:.2f}}}' for r, b in zip(recent.tolist(), before.tolist())]
        return [f'{{"recent": {r}, "before": {b}}}'
                for r, b in zip(recent.astype(np.int64).tolist(), before.astype(np.int64).tolist())]
    if code == "model_p_alive":
        return [f'{{"p_alive": {p:.3f}}}' for p in figures.p_alive[rows].tolist()]
    name = {"low_survey": "low_survey_scores", "complaint_breach": "breached_complaints", "missed_visits": "missed_visits"}[code]
    return [f'{{"count": {c}}}' for c in getattr(figures, name)[rows].astype(np.int64).tolist()]


@dataclass(frozen=True)
class Scores:
    score: np.ndarray  # int, 0..100, one per customer
    signals: tuple[str, ...]  # the signals switched on (weight > 0), the columns of shares
    shares: np.ndarray  # (customers, signals): each row sums to 1, or is all 0 where nothing contributed
    figures: Figures

    @property
    def model_used(self) -> np.ndarray:
        """Per customer, whether BG/NBD's signal was part of the score (its p_alive given and its
        weight above 0): what the score says of itself."""
        if "model_p_alive" not in self.signals:
            return np.zeros(len(self.figures), dtype=bool)
        return ~np.isnan(self.figures.p_alive)

    def reasons(self, i: int) -> list[Reason]:
        """Customer ``i``'s reasons, largest share first; only the signals that contributed."""
        row = self.shares[i]
        order = np.argsort(-row, kind="stable")
        return [Reason(self.signals[j], round(float(row[j]), 4), _reason_figures(self.signals[j], self.figures, i))
                for j in order if row[j] > 0]

    def reasons_json(self) -> list[str]:
        """Every customer's :meth:`reasons` as JSON text at once: the figures of each signal are
        formatted for the customers it contributed to, then joined in share order (a million
        customers' reasons as dicts and ``json.dumps`` were most of a scoring's Python time)."""
        n = len(self.figures)
        order = np.argsort(-self.shares, axis=1, kind="stable")
        contributing = (np.take_along_axis(self.shares, order, axis=1) > 0).sum(axis=1).tolist()
        parts = []
        for j, code in enumerate(self.signals):
            rows = np.flatnonzero(self.shares[:, j] > 0)
            texts = np.empty(n, dtype=object)
            texts[rows] = [f'{{"code": "{code}", "share": {share:.4f}, "figures": {figures}}}' for share, figures
                           in zip(self.shares[rows, j].tolist(), _figures_json(code, self.figures, rows))]
            parts.append(texts.tolist())
        return ["[" + ", ".join([parts[j][i] for j in ranked[:k]]) + "]"
                for i, (ranked, k) in enumerate(zip(order.tolist(), contributing))]

    def top(self, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """Each customer's ``k`` largest reasons at once: (indexes into ``signals``, shares), both
        (customers, k); a share of 0 marks a slot without a reason."""
        k = min(k, len(self.signals))
        order = np.argsort(-self.shares, axis=1, kind="stable")[:, :k]
        return order, np.take_along_axis(self.shares, order, axis=1)


def score(figures: Figures, weights: dict | None = None, padding_days: float = OVERDUE_PADDING_DAYS) -> Scores:
    """Every customer's score, 0 to 100, and each signal's share of it."""
    weights = check_weights(weights)
    on = tuple(signal for signal in SIGNALS if weights[signal] > 0)
    logs = np.empty((len(figures), len(on)))
    for j, signal in enumerate(on):
        logs[:, j] = -np.log1p(-np.minimum(weights[signal] * strength(signal, figures, padding_days), MAX_RISK))
    total = logs.sum(axis=1)
    points = np.rint(100 * -np.expm1(-total)).astype(int)
    contributed = total > 0
    logs[contributed] /= total[contributed, None]  # in place: the shares (a million customers: 64 MB less)
    return Scores(points, on, logs, figures)


def check_thresholds(thresholds: dict | None) -> dict[str, int]:
    thresholds = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    if set(thresholds) != {"medium", "high"}:
        raise ValueError("thresholds are {'medium': ..., 'high': ...}")
    medium, high = thresholds["medium"], thresholds["high"]
    if any(isinstance(t, bool) or not isinstance(t, (Real, Decimal)) for t in (medium, high)) or not 0 < medium <= high <= 100:
        raise ValueError("thresholds must satisfy 0 < medium <= high <= 100")
    return {"medium": medium, "high": high}


def level(score, thresholds: dict | None = None):
    """``low``, ``medium`` or ``high`` for a score (a str) or an array of them (an array of str)."""
    thresholds = check_thresholds(thresholds)
    values = np.asarray(score)
    levels = np.where(values >= thresholds["high"], "high", np.where(values >= thresholds["medium"], "medium", "low"))
    return str(levels) if levels.ndim == 0 else levels
