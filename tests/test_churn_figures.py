"""The churn figures (plugins/churn/figures.py): one set-based pass computes each customer's
recency, typical interval, 90-day windows and signals, the same as of now (from the core's kept
figures) and as of a given moment (from the purchases). On SQLite and PostgreSQL: the SQL differs."""

from __future__ import annotations

import datetime as dt
import math
import uuid

import numpy as np

from plugins.churn import figures
from tests.churn_helpers import NOW, buy, enable, inside, talk


def by_customer(chunks) -> dict[uuid.UUID, dict]:
    found = {}
    for chunk in chunks:
        for i, customer_id in enumerate(chunk.customer_ids):
            found[customer_id] = {name: float(values[i]) for name, values in chunk.arrays.items()}
            found[customer_id]["tier"] = chunk.tiers[i]
    return found


def test_the_figures_of_a_small_known_workspace(tenant_a):
    enable(tenant_a)
    regular, newcomer, silent = tenant_a.customer(), tenant_a.customer(), tenant_a.customer()
    for days in (200, 150, 100, 50.5):  # every 50 days; the last 50 days ago
        buy(tenant_a, regular["id"], "100.00", days)
    buy(tenant_a, regular["id"], "300.00", 10.5)  # 5 purchases; gaps 50, 50, 50, 40: mean 47.4
    buy(tenant_a, newcomer["id"], "80.00", 120.5)
    talk(tenant_a, newcomer["id"], 30)
    talk(tenant_a, newcomer["id"], 100)
    talk(tenant_a, newcomer["id"], 120)
    with inside(tenant_a):
        now = by_customer(figures.chunks())
        as_of = by_customer(figures.chunks(NOW + dt.timedelta(minutes=1)))
    r, n, s = (now[uuid.UUID(c["id"])] for c in (regular, newcomer, silent))
    assert r["days_since_last_purchase"] == 10
    assert r["typical_interval_days"] == 189 / 4  # whole days from first to last, over the gaps
    assert (r["purchases_recent"], r["purchases_before"]) == (2, 2)  # 50.5, 10.5 | 150, 100 (200 is out)
    assert (r["spend_recent"], r["spend_before"]) == (400, 200)
    assert (r["frequency"], r["T"], r["monetary"]) == (4, 200 / 7, 140)
    assert math.isclose(r["recency"], 189 / 7)
    # one purchase: the typical interval of its tier's customers with three or more (here: regular's)
    assert n["tier"] == r["tier"] and n["typical_interval_days"] == r["typical_interval_days"]
    assert (n["interactions_recent"], n["interactions_before"]) == (1, 2)
    assert (n["purchases_recent"], n["purchases_before"]) == (0, 1) and n["frequency"] == 0
    assert math.isnan(s["days_since_last_purchase"]) and math.isnan(s["typical_interval_days"])
    assert s["purchases_recent"] == s["spend_before"] == s["interactions_recent"] == 0
    assert now.keys() == as_of.keys()
    for customer_id, values in now.items():  # the core's figures and the purchases agree
        for name, value in values.items():
            assert value == as_of[customer_id][name] or (value != value and as_of[customer_id][name] != as_of[customer_id][name]), name


def test_as_of_an_earlier_moment_only_what_came_before_counts(tenant_a):
    enable(tenant_a)
    customer = tenant_a.customer()
    for days in (300, 200, 100.5, 5.5):
        buy(tenant_a, customer["id"], "50.00", days)
    with inside(tenant_a):
        [earlier] = by_customer(figures.chunks(NOW - dt.timedelta(days=50))).values()
    assert earlier["days_since_last_purchase"] == 50  # the purchase 5 days ago is after the moment
    assert earlier["frequency"] == 2 and earlier["T"] == 250 / 7
    assert earlier["typical_interval_days"] == 199 / 2  # its own: 300 - 100.5 in whole days, over 2 gaps
    assert (earlier["purchases_recent"], earlier["purchases_before"]) == (1, 1)  # 100.5 | 200 (300 is out)


def test_chunks_cover_every_customer_once(tenant_a):
    enable(tenant_a)
    made = {uuid.UUID(tenant_a.customer()["id"]) for _ in range(7)}
    with inside(tenant_a):
        sizes = [len(chunk) for chunk in figures.chunks(size=3)]
        seen = [i for chunk in figures.chunks(size=3) for i in chunk.customer_ids]
        one = list(figures.chunks(customer_ids=[next(iter(made))]))
    assert sizes == [3, 3, 1] and set(seen) == made and len(seen) == 7
    assert [len(chunk) for chunk in one] == [1]
    assert all(isinstance(values, np.ndarray) for values in one[0].arrays.values())
