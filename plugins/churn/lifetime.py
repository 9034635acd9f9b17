"""The probabilistic signal: BG/NBD (who is still alive, how many purchases next) and Gamma-Gamma
(how much a repeat buyer spends), fitted by maximum likelihood on numpy arrays. No Flask, no database.

Inputs are the usual summary of each customer at a cut-off, in one time unit (weeks in CDNOW; the
plugin uses days or weeks, the same unit throughout): ``frequency`` = repeat purchases (purchase
days after the first), ``recency`` = age at the last purchase (time from the first purchase to the
last; 0 when ``frequency`` is 0), ``T`` = age at the cut-off (time from the first purchase to it).

BG/NBD (Fader, Hardie and Lee 2005, "Counting your customers the easy way"): while alive a customer
buys as a Poisson process of rate lambda ~ Gamma(r, alpha); after each purchase it drops out with
probability p ~ Beta(a, b). Per customer (x = frequency, t_x = recency):

    L = B(a, b + x) / B(a, b) * Gamma(r + x) alpha^r / Gamma(r)
        * [ (alpha + T)^-(r+x) + [x > 0] a / (b + x - 1) * (alpha + t_x)^-(r+x) ]

    P(alive) = 1 / (1 + [x > 0] a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r+x))

    E[Y(t)] = (a + b + x - 1) / (a - 1)
              * [1 - ((alpha + T) / (alpha + T + t))^(r+x) * 2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))]
              * P(alive)                                       (purchases in the next t)

Gamma-Gamma (Fader, Hardie and Lee 2005, "RFM and CLV"; Fader and Hardie's note on the model): a
repeat buyer's purchases are worth z ~ Gamma(p, nu), nu ~ Gamma(q, gamma); fitted on the x > 0
customers from x and their mean spend m (the first purchase left out):

    L = Gamma(p x + q) / (Gamma(p x) Gamma(q)) * gamma^q * m^(p x - 1) * x^(p x) / (gamma + m x)^(p x + q)

    E[Z | x, m] = p (gamma + m x) / (p x + q - 1)

Both fits minimise the negative log-likelihood over the parameters' logarithms (positive by
construction) with scipy's L-BFGS-B. ``weights`` lets the caller pass each distinct summary once
with its count, so a million customers cost what their distinct (x, t_x, T) cost.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

# enough_data's thresholds, measured on CDNOW subsamples (docs/churn-model.md, `python -m
# tests.churn_data --enough`, 40 draws a size): a fit on 200 customers (about 80 repeat buyers)
# ranks P(alive) as the fit on all 2,357 does (Spearman >= 0.93 in 9 draws of 10, median 0.99;
# mean error 0.06, 0.11 in the worst tenth), one on 100 has the worst tenth's error at 0.16, one on
# 400 at 0.06; 200 is the compromise that lets a small workspace have the model. The parameters
# settle by about 26 weeks of history (on CDNOW at 13 weeks b is 1.0, at 26 2.6, at 39 2.5).
MIN_CUSTOMERS = 200  # customers with at least one purchase before the cut-off
MIN_REPEAT_BUYERS = 80  # of which bought again (frequency > 0): only they inform the dropout (a, b)
MIN_SPAN_WEEKS = 26  # from the first purchase in the data to the cut-off: half a year of history


class FitError(ValueError):
    """The optimiser did not converge, or the data cannot identify the model's parameters."""


@dataclass(frozen=True)
class BGNBD:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    @property
    def params(self) -> dict[str, float]:
        return {name: value for name, value in asdict(self).items() if name != "log_likelihood"}

    def p_alive(self, frequency, recency, T) -> np.ndarray:
        """The probability that each customer is still alive at ``T``."""
        x, t_x, T = _summary(frequency, recency, T)
        return 1.0 / (1.0 + self._dropout_odds(x, t_x, T))

    def expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """Each customer's expected number of purchases in the ``t`` periods after ``T``."""
        x, t_x, T = _summary(frequency, recency, T)
        t = np.asarray(t, dtype=float)
        if np.any(~np.isfinite(t)) or np.any(t < 0):
            raise ValueError("t must be finite and non-negative")
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        if abs(a - 1) < 1e-6:  # the formula's (a - 1) is a removable singularity: step beside it
            a = 1 + 1e-6
        z = t / (alpha + T + t)
        head = (a + b + x - 1) / (a - 1)
        tail = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        return head * tail / (1.0 + self._dropout_odds(x, t_x, T))

    def _dropout_odds(self, x, t_x, T):
        odds = self.a / (self.b + np.maximum(x, 1) - 1) * np.exp((self.r + x) * (np.log(self.alpha + T) - np.log(self.alpha + t_x)))
        return np.where(x > 0, odds, 0.0)


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    v: float  # the papers' gamma (lifetimes' v)
    log_likelihood: float = float("nan")

    @property
    def params(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "v": self.v}

    def expected_spend(self, frequency, monetary) -> np.ndarray:
        """Each customer's expected spend per purchase; a customer without repeat purchases (x = 0)
        gets the population mean p v / (q - 1) (infinite when q <= 1)."""
        x = np.asarray(frequency, dtype=float)
        m = np.asarray(monetary, dtype=float)
        if x.shape != m.shape or np.any(~np.isfinite(x)) or np.any(x < 0) or np.any(~np.isfinite(m)) or np.any(m < 0):
            raise ValueError("frequency and monetary must be arrays of one shape, finite and non-negative")
        denominator = self.p * x + self.q - 1
        with np.errstate(divide="ignore"):
            return np.where(denominator > 0, self.p * (self.v + m * x) / np.where(denominator > 0, denominator, 1), np.inf)


def _summary(frequency, recency, T):
    x, t_x, T = (np.asarray(values, dtype=float) for values in (frequency, recency, T))
    x, t_x, T = np.broadcast_arrays(x, t_x, T)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(t_x)) and np.all(np.isfinite(T))):
        raise ValueError("frequency, recency and T must be finite")
    if np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("frequency must be whole numbers >= 0")
    if np.any(t_x < 0) or np.any(t_x > T):
        raise ValueError("recency must lie between 0 and T")
    if np.any((x == 0) & (t_x != 0)):
        raise ValueError("recency must be 0 where frequency is 0")
    return x, t_x, T


def _weights(weights, shape):
    if weights is None:
        return np.ones(shape)
    w = np.broadcast_to(np.asarray(weights, dtype=float), shape)
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and non-negative")
    return w


def bgnbd_log_likelihood(r, alpha, a, b, x, t_x, T) -> np.ndarray:
    """Each customer's BG/NBD log-likelihood (the formula in the module's docstring)."""
    head = betaln(a, b + x) - betaln(a, b) + gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    stays = -(r + x) * np.log(alpha + T)
    drops = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x)
    return head + np.where(x > 0, np.logaddexp(stays, drops), stays)


LOG_BOUNDS = (-30.0, 30.0)  # the search stays where exp() and the likelihood are finite


def _fit(negative_ll, start, names):
    def bounded(log_params):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value = negative_ll(log_params)
        return value if np.isfinite(value) else 1e300

    result = minimize(bounded, np.log(start), method="L-BFGS-B", bounds=[LOG_BOUNDS] * len(start))
    if not result.success or not np.isfinite(result.fun):
        raise FitError(f"the fit did not converge: {result.message}")
    values = np.exp(result.x)
    if np.any(values > 1e8) or np.any(values < 1e-8):
        raise FitError(f"the data do not identify the parameters ({dict(zip(names, values.round(6)))})")
    return values, -result.fun


def fit_bgnbd(frequency, recency, T, weights=None) -> BGNBD:
    """BG/NBD's maximum-likelihood parameters (r, alpha, a, b) and the maximised log-likelihood."""
    x, t_x, T = _summary(frequency, recency, T)
    w = _weights(weights, x.shape)
    if x.size == 0 or w.sum() == 0:
        raise FitError("no customers to fit")
    if not np.any((x > 0) & (w > 0)):
        raise FitError("no repeat buyers: the dropout parameters cannot be fitted")
    scale = max(float(np.average(T, weights=w)), 1e-9)

    def negative_ll(log_params):
        r, alpha, a, b = np.exp(log_params)
        return -float(np.sum(w * bgnbd_log_likelihood(r, alpha, a, b, x, t_x, T)))

    (r, alpha, a, b), ll = _fit(negative_ll, (1.0, scale, 1.0, 1.0), ("r", "alpha", "a", "b"))
    return BGNBD(float(r), float(alpha), float(a), float(b), float(ll))


def gamma_gamma_log_likelihood(p, q, v, x, m) -> np.ndarray:
    """Each repeat buyer's Gamma-Gamma log-likelihood (the formula in the module's docstring)."""
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(v + m * x))


def fit_gamma_gamma(frequency, monetary, weights=None) -> GammaGamma:
    """Gamma-Gamma's maximum-likelihood parameters (p, q, v) on the repeat buyers among the
    customers given (frequency > 0; the others are left out, as the model asks)."""
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary, dtype=float)
    if x.shape != m.shape:
        raise ValueError("frequency and monetary must have one shape")
    w = _weights(weights, x.shape)
    if np.any(~np.isfinite(x)) or np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError("frequency must be whole numbers >= 0")
    repeat = x > 0
    if np.any(~np.isfinite(m[repeat])) or np.any(m[repeat] <= 0):
        raise ValueError("a repeat buyer's mean spend must be positive")
    x, m, w = x[repeat], m[repeat], w[repeat]
    if x.size == 0 or w.sum() == 0:
        raise FitError("no repeat buyers to fit")

    def negative_ll(log_params):
        p, q, v = np.exp(log_params)
        return -float(np.sum(w * gamma_gamma_log_likelihood(p, q, v, x, m)))

    (p, q, v), ll = _fit(negative_ll, (1.0, 1.0, max(float(np.average(m, weights=w)), 1e-9)), ("p", "q", "v"))
    return GammaGamma(float(p), float(q), float(v), float(ll))


def enough_data(customers: int, repeat_buyers: int, span_weeks: float) -> bool:
    """Whether a workspace has the data to trust the model: at least ``MIN_CUSTOMERS`` customers who
    bought before the cut-off, ``MIN_REPEAT_BUYERS`` of them repeat buyers, over ``MIN_SPAN_WEEKS``
    weeks from the first purchase to the cut-off. Otherwise the score uses the rules alone."""
    return customers >= MIN_CUSTOMERS and repeat_buyers >= MIN_REPEAT_BUYERS and span_weeks >= MIN_SPAN_WEEKS
