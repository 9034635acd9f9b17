"""The churn module's purchase models (plugins/churn/lifetime.py) against the published CDNOW fits,
and the CDNOW loader (tests/cdnow.py) against the data it reads. Pure numpy: no app, no database."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from plugins.churn import lifetime
from tests import cdnow, churn_figures


def significant(value: float, digits: int = 3) -> float:
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


@pytest.fixture(scope="module")
def summary():
    return cdnow.summary()


@pytest.fixture(scope="module")
def bgnbd(summary):
    return lifetime.fit_bgnbd(summary.frequency, summary.recency, summary.T)


def test_the_data_is_read_without_importing_lifetimes(summary):
    code = "import sys; from tests import cdnow; cdnow.summary(); cdnow.transactions(); print('lifetimes' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert run.stdout.split() == ["False"]


def test_the_transactions_give_the_published_summary(summary):
    tr = cdnow.transactions()
    n = len(summary.T)
    assert len(tr.day) == 6919 and n == 2357 and tr.customer.max() == n - 1
    frequency, recency, T = churn_figures.summary(tr.customer, tr.day, n, (cdnow.CUTOFF - cdnow.START).days)
    assert np.array_equal(frequency, summary.frequency)
    assert np.allclose(recency, summary.recency, atol=0.005) and np.allclose(T, summary.T, atol=0.005)


def test_bgnbd_fits_cdnow_as_published(bgnbd):
    # Fader, Hardie and Lee (2005), "Counting your customers the easy way", table on p. 279
    assert {name: significant(value) for name, value in bgnbd.params.items()} == {
        "r": 0.243, "alpha": 4.41, "a": 0.793, "b": 2.43}
    assert round(bgnbd.alpha, 3) == 4.414 and round(bgnbd.b, 3) == 2.426
    assert bgnbd.log_likelihood == pytest.approx(-9582.4, abs=0.05)


def test_bgnbd_predicts_the_papers_example_customer(bgnbd):
    # the paper's worked example: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in 39 weeks
    assert bgnbd.expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)
    assert float(bgnbd.p_alive(2, 30.43, 38.86)) == pytest.approx(0.7266, abs=5e-4)


def test_p_alive_and_expected_purchases_behave(bgnbd, summary):
    alive = bgnbd.p_alive(summary.frequency, summary.recency, summary.T)
    assert alive.shape == summary.T.shape and np.all((alive > 0) & (alive <= 1))
    assert np.all(alive[summary.frequency == 0] == 1)  # the model: a customer can only drop out after a purchase
    # the longer since the last purchase, the less likely alive; the more purchases, the more
    assert np.all(np.diff(bgnbd.p_alive(3, np.array([30, 20, 10, 1.0]), 38)) < 0)
    expected = bgnbd.expected_purchases(np.array([0, 10, 39, 78]), 3, 30, 38)
    assert expected[0] == 0 and np.all(np.diff(expected) > 0)
    with pytest.raises(ValueError):
        bgnbd.expected_purchases(-1, 3, 30, 38)
    # a = 1 is a removable singularity of the formula: on it, the value beside it
    on, beside = (lifetime.BGNBD(bgnbd.r, bgnbd.alpha, a, bgnbd.b, 0).expected_purchases(39, 3, 30, 38)
                  for a in (1.0, 1.0001))
    assert np.isfinite(on) and on == pytest.approx(beside, rel=1e-3)


def test_gamma_gamma_fits_cdnow_repeat_buyers_as_published(summary):
    # Fader, Hardie and Lee (2005), "RFM and CLV": p = 6.25, q = 3.74, gamma = 15.45 on the 946 repeat buyers
    assert np.count_nonzero(summary.frequency) == 946
    fit = lifetime.fit_gamma_gamma(summary.frequency, summary.monetary)
    assert (significant(fit.p), significant(fit.q), round(fit.v, 2)) == (6.25, 3.74, 15.45)
    spend = fit.expected_spend(np.array([1, 5, 50, 0]), np.array([100.0, 100.0, 100.0, 0]))
    population = fit.p * fit.v / (fit.q - 1)
    # the estimate shrinks a customer's own mean towards the population's, less the more it bought
    assert population < spend[0] < spend[1] < spend[2] < 100 and spend[3] == pytest.approx(population)
    heavy_tailed = lifetime.GammaGamma(p=2.0, q=0.8, v=10.0)  # q <= 1: the population's mean is infinite
    newcomer, repeat = heavy_tailed.expected_spend(np.array([0, 1]), np.array([0, 50.0]))
    assert newcomer == np.inf and repeat == pytest.approx(2 * (10 + 50) / (2 + 0.8 - 1))


def test_a_fit_on_distinct_summaries_with_their_counts_is_the_same_fit(summary, bgnbd):
    rows = np.stack([summary.frequency, summary.recency, summary.T])
    distinct, counts = np.unique(rows, axis=1, return_counts=True)
    assert distinct.shape[1] < rows.shape[1]
    weighted = lifetime.fit_bgnbd(*distinct, weights=counts)
    assert weighted.params == pytest.approx(bgnbd.params, rel=1e-4)
    assert weighted.log_likelihood == pytest.approx(bgnbd.log_likelihood, abs=1e-3)


@pytest.mark.parametrize("frequency, recency, T", [
    ([1, -1], [1, 0], [2, 2]),  # a negative count
    ([1.5], [1], [2]),  # not a whole number
    ([1], [3], [2]),  # the last purchase after the cut-off
    ([0], [1], [2]),  # a recency without a repeat purchase
    ([1], [np.nan], [2]),
    ([1, 2], [1, 1, 1], [2, 2]),  # shapes that do not match
])
def test_bad_summaries_are_refused(frequency, recency, T, bgnbd):
    with pytest.raises(ValueError):
        lifetime.fit_bgnbd(frequency, recency, T)
    with pytest.raises(ValueError):
        bgnbd.p_alive(frequency, recency, T)


def test_data_without_repeat_buyers_cannot_be_fitted():
    with pytest.raises(lifetime.FitError):
        lifetime.fit_bgnbd([0, 0, 0], [0, 0, 0], [5, 6, 7])
    with pytest.raises(lifetime.FitError):
        lifetime.fit_gamma_gamma([0, 0], [0, 0])
    with pytest.raises(ValueError):
        lifetime.fit_gamma_gamma([1, 2], [10.0, -1.0])


def test_enough_data_needs_each_threshold():
    enough = (lifetime.MIN_CUSTOMERS, lifetime.MIN_REPEAT_BUYERS, lifetime.MIN_SPAN_WEEKS)
    assert lifetime.enough_data(*enough)
    for short in range(3):
        assert not lifetime.enough_data(*(value - 1 if i == short else value for i, value in enumerate(enough)))
    assert lifetime.enough_data(2357, 946, 39)  # CDNOW's sample
