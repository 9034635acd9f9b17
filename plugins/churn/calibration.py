"""Choosing the rules' default weights (and the overdue padding) by backtest: a coordinate search
over a grid for the weights that rank the known churners best, on average over the data sets
given, each scored twice (with the BG/NBD signal, as a workspace with enough data is, and without,
as one with too little). Pure numpy; the command that runs it on the generated workspace and CDNOW,
and its result, are in docs/churn-model.md.

A coordinate search: from ``start``, each parameter in turn takes the grid value that maximises the
mean AUC with the others held (the current value kept on a tie), round after round until a round
changes nothing. It finds a local optimum of a ragged function in a few hundred scorings where the
full grid (11^8 x 7) would take days; runs from different starts agreeing is the check. AUC
hardly depends on the weights' common scale, so a start with small weights can end on a scaled-down
copy of the defaults, as good a ranking but with scores too low for the levels to mean anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from plugins.churn import backtest, rules

WEIGHT_GRID = tuple(round(0.1 * i, 1) for i in range(11))
PADDING_GRID = (0, 15, 30, 60, 90, 120, 180)


@dataclass(frozen=True)
class Result:
    weights: dict[str, float]
    padding_days: float
    mean_auc: float
    aucs: dict[str, float]  # per data set and mode ("<name>" with the model, "<name>, rules alone")
    scorings: int


def evaluate(cases: Sequence[tuple[str, rules.Figures, np.ndarray]], weights: dict, padding_days: float) -> dict[str, float]:
    """Each case's AUC with the model's signal and without it (p_alive set to NaN)."""
    aucs = {}
    for name, figures, churned in cases:
        aucs[name] = backtest.auc(rules.score(figures, weights, padding_days).score, churned)
        alone = replace(figures, p_alive=None)
        aucs[f"{name}, rules alone"] = backtest.auc(rules.score(alone, weights, padding_days).score, churned)
    return aucs


def search(cases: Sequence[tuple[str, rules.Figures, np.ndarray]], start: dict | None = None,
           padding_days: float = rules.OVERDUE_PADDING_DAYS, max_rounds: int = 20) -> Result:
    weights = rules.check_weights(start)
    scorings = 0

    def objective(w, padding):
        nonlocal scorings
        scorings += 1
        return float(np.mean(list(evaluate(cases, w, padding).values())))

    best = objective(weights, padding_days)
    for _ in range(max_rounds):
        changed = False
        for signal in (*rules.SIGNALS, "padding"):
            grid = PADDING_GRID if signal == "padding" else WEIGHT_GRID
            for value in grid:
                trial_weights = weights if signal == "padding" else {**weights, signal: value}
                trial_padding = value if signal == "padding" else padding_days
                if (trial_weights, trial_padding) == (weights, padding_days):
                    continue
                value_of_trial = objective(trial_weights, trial_padding)
                if value_of_trial > best + 1e-12:
                    best, weights, padding_days, changed = value_of_trial, trial_weights, trial_padding, True
        if not changed:
            break
    return Result(weights, padding_days, best, evaluate(cases, weights, padding_days), scorings)
