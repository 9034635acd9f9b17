"""The CDNOW data (Fader, Hardie and Lee's 1/10th sample: 2,357 customers who first bought in the
first quarter of 1997, followed to the end of June 1998) that ships inside the ``lifetimes`` wheel,
read as package data without importing ``lifetimes`` (its imports break on current pandas and
numpy). ``make test`` installs it (``pip install --no-deps lifetimes``); missing, the tests
that read it skip locally and fail under CI=true.

Files used: ``cdnow_customers_summary_with_transactions.csv`` (ID, x, t_x, T, zbar: the published
39-week calibration summary, in weeks, with the repeat purchases' mean spend) and ``CDNOW_sample.txt``
(the sample's transactions: customer id, sample id, yyyymmdd, CDs, dollars), from which the 90-day
windows and the 39-week holdout are computed.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from tests.conftest import unavailable

START = dt.date(1997, 1, 1)
CUTOFF = dt.date(1997, 9, 30)  # the end of the 39-week calibration period (T = 38.86 weeks for a 1 January customer)
HOLDOUT_END = dt.date(1998, 6, 30)  # the 39 weeks after it


def datasets() -> Path:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        unavailable("The lifetimes wheel (its CDNOW data)", ModuleNotFoundError("pip install --no-deps lifetimes"))
    return Path(list(spec.submodule_search_locations)[0]) / "datasets"


@dataclass(frozen=True)
class Summary:
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    monetary: np.ndarray  # zbar: mean spend of the repeat purchases (0 without any)


@cache
def summary() -> Summary:
    rows = np.loadtxt(datasets() / "cdnow_customers_summary_with_transactions.csv", delimiter=",", skiprows=1)
    return Summary(rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4])


@dataclass(frozen=True)
class Transactions:
    customer: np.ndarray  # 0..2356, the sample's id minus one (the summary's row)
    day: np.ndarray  # days since 1 January 1997
    amount: np.ndarray  # dollars


@cache
def transactions() -> Transactions:
    rows = np.loadtxt(datasets() / "CDNOW_sample.txt", dtype=str)
    dates, index = np.unique(rows[:, 2], return_inverse=True)
    days = np.array([dt.date(int(d[:4]), int(d[4:6]), int(d[6:])).toordinal() for d in dates]) - START.toordinal()
    return Transactions(rows[:, 1].astype(int) - 1, days[index], rows[:, 4].astype(float))
