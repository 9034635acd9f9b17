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


def _subsamples(sizes=(100, 200, 400), draws=40, seed=0) -> list[str]:
    """How a fit on a random subsample of CDNOW ranks P(alive) against the fit on all customers."""
    from scipy.stats import spearmanr

    s = cdnow.summary()
    full = lifetime.fit_bgnbd(s.frequency, s.recency, s.T).p_alive(s.frequency, s.recency, s.T)
    repeat = s.frequency > 0
    rng = np.random.default_rng(seed)
    lines = []
    for size in sizes:
        rho, error = [], []
        for _ in range(draws):
            picked = rng.choice(s.T.size, size, replace=False)
            fit = lifetime.fit_bgnbd(s.frequency[picked], s.recency[picked], s.T[picked])
            p_alive = fit.p_alive(s.frequency, s.recency, s.T)[repeat]
            rho.append(spearmanr(p_alive, full[repeat]).statistic)
            error.append(np.mean(np.abs(p_alive - full[repeat])))
        lines.append(f"{size} customers: Spearman with the full fit's P(alive) p10 {np.percentile(rho, 10):.3f}, "
                     f"median {np.median(rho):.3f}; mean |error| median {np.median(error):.3f}, p90 {np.percentile(error, 90):.3f}")
    return lines


def _spans(weeks=(13, 26, 39)) -> list[str]:
    """BG/NBD fitted on CDNOW's first weeks of history only: how soon the parameters settle."""
    tr = cdnow.transactions()
    lines = []
    for span in weeks:
        frequency, recency, T = summary(tr.customer, tr.day, 2357, span * 7)
        bought = np.bincount(tr.customer[tr.day <= span * 7], minlength=2357) > 0
        fit = lifetime.fit_bgnbd(frequency[bought], recency[bought], T[bought])
        lines.append(f"{span} weeks: {bought.sum()} customers, {np.count_nonzero(frequency[bought])} repeat buyers; "
                     + ", ".join(f"{name} {value:.3f}" for name, value in fit.params.items()))
    return lines


def _million(n=1_000_000, seed=0) -> str:
    """Scoring a million customers' random figures: the time of rules.score, top(3) and level, and
    the memory numpy allocates at its peak while they run (the figures, 96 MB, not counted)."""
    import time
    import tracemalloc

    from plugins.churn import rules

    rng = np.random.default_rng(seed)
    counts = [rng.integers(0, k, n).astype(float) for k in (5, 5, 4, 4, 2, 2, 3)]
    figures = Figures(rng.uniform(0, 400, n), rng.uniform(5, 90, n), counts[0], counts[1], rng.uniform(0, 500, n),
                      rng.uniform(0, 500, n), *counts[2:], p_alive=rng.uniform(0, 1, n))
    tracemalloc.start()
    started = time.perf_counter()
    scores = rules.score(figures)
    scored = time.perf_counter()
    scores.top(3)
    rules.level(scores.score)
    done = time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return f"{n} customers: score {scored - started:.2f} s, top 3 and levels {done - scored:.2f} s, peak {peak:.0f} MiB allocated"


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.churn_data [--enough] [--million]``: the calibration's result from two starts
    and each data set's backtest with the defaults (with --enough, the studies behind
    plugins.churn.lifetime's thresholds; with --million, the time to score a million customers)."""
    import argparse

    from plugins.churn import backtest, calibration, rules

    args = argparse.ArgumentParser(prog="python -m tests.churn_data", description=main.__doc__.splitlines()[0])
    args.add_argument("--enough", action="store_true", help="also the subsample study of enough_data's thresholds")
    args.add_argument("--million", action="store_true", help="also time the scoring of a million customers")
    options = args.parse_args(argv)
    picked = [(case.name, case.figures, case.churned) for case in cases()]
    for start, padding in ((None, rules.OVERDUE_PADDING_DAYS), ({signal: 0.5 for signal in rules.SIGNALS}, 30)):
        result = calibration.search(picked, start, padding)
        print(f"search from {start or 'the defaults'}, padding {padding}: {result.scorings} scorings ->")
        print(f"  weights {result.weights}, padding {result.padding_days} days, mean AUC {result.mean_auc:.4f}")
        print(f"  chosen = defaults: {result.weights == rules.DEFAULT_WEIGHTS and result.padding_days == rules.OVERDUE_PADDING_DAYS}")
    for case in cases():
        for label, figures in (("with the model", case.figures), ("rules alone", case.without_model())):
            report = backtest.report(rules.score(figures).score, case.churned, figures.days_since_last_purchase)
            print(f"{case.name}, {label}: {report.customers} customers, base rate {report.base_rate:.3f}; "
                  f"score AUC {report.score.auc:.3f}, top 10% {report.score.precision_top10:.3f}, "
                  f"top 20% {report.score.precision_top20:.3f}; recency AUC {report.recency.auc:.3f}, "
                  f"top 10% {report.recency.precision_top10:.3f}, top 20% {report.recency.precision_top20:.3f}")
        model = backtest.ranking(1 - case.figures.p_alive, case.churned)
        print(f"{case.name}, 1 - P(alive): AUC {model.auc:.3f}, top 10% {model.precision_top10:.3f}, "
              f"top 20% {model.precision_top20:.3f}")
    if options.enough:
        print("\n".join(_subsamples() + _spans()))
    if options.million:
        print(_million())


if __name__ == "__main__":
    main()
