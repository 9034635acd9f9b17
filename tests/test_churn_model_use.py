"""The churn score with the purchase model: a workspace with enough data (lifetime.enough_data) gets
a fit in churn_fits, and its scores say the model was used, with P(alive), expected purchases and
expected value; switching the model off in the settings goes back to the rules alone. The data is
written set-based (as an import does) so that 300 customers take a moment. On SQLite and PostgreSQL:
the figures' SQL differs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import sqlalchemy as sa

from saas.core.classification import CustomerFigures
from saas.core.classification.recompute import refresh
from saas.core.customers import Customer, CustomerKind, Purchase
from saas.core.db import db
from saas.core.tenancy import insert_many
from saas.core.types import new_id, utcnow
from tests.churn_helpers import NOW, enable, inside

from plugins.churn import backtests, lifetime, model, scoring
from plugins.churn.models import Fit, Score


def fill(customers: int = 300, seed: int = 16) -> None:
    """Customers buying every 15-60 days for up to two years; a third stop at a random moment."""
    rng = np.random.default_rng(seed)
    now = utcnow()
    people, bought = [], []
    for n in range(customers):
        customer_id = new_id()
        people.append({"id": customer_id, "name": f"客户{n}", "version": 1, "created_at": now, "updated_at": now,
                       "social": {}, "preferences": {}, "custom_fields": {}, "kind": CustomerKind.person})
        start = rng.uniform(60, 720)
        stop = rng.uniform(0, start) if n % 3 == 0 else 0.0
        gap = rng.uniform(15, 60)
        days = np.arange(start, stop, -gap)
        for k, ago in enumerate(days):
            bought.append({"id": new_id(), "customer_id": customer_id, "created_at": now, "updated_at": now,
                           "currency": "CNY", "quantity": 1, "refunded_amount": Decimal(0), "product": "茶",
                           "amount": Decimal(int(rng.integers(50, 500))), "purchased_at": NOW - dt.timedelta(days=ago),
                           "external_ref": f"S{n}-{k}"})
    insert_many(Customer, people)
    insert_many(CustomerFigures, [{"customer_id": person["id"]} for person in people])
    insert_many(Purchase, bought)
    refresh()


def test_with_enough_data_the_model_is_fitted_and_used(tenant_a):
    enable(tenant_a)
    with inside(tenant_a):
        fill()
        fit = model.refit()
        outcome = scoring.rescore()
        db.session.commit()
        assert fit.enough_data and fit.customers == 300 and fit.repeat_buyers >= lifetime.MIN_REPEAT_BUYERS
        assert {"r", "alpha", "a", "b", "p", "q", "v"} <= fit.params.keys()
        assert outcome.model_used and outcome.customers == 300
        scores = db.session.scalars(sa.select(Score)).all()
    assert all(s.model_used for s in scores)
    p_alive = np.array([s.p_alive for s in scores])
    assert np.all((p_alive > 0) & (p_alive <= 1)) and p_alive.std() > 0
    assert all(s.expected_purchases >= 0 and s.expected_value is not None for s in scores)
    assert any(r["code"] == "model_p_alive" for s in scores for r in s.reasons)
    one = scores[0]
    answered = tenant_a.get(f"/api/v1/churn/customers/{one.customer_id}").json
    assert answered["model_used"] is True and answered["p_alive"] == one.p_alive
    enable(tenant_a, model=False)  # the rules alone: no model signal, no P(alive)
    with inside(tenant_a):
        scoring.rescore()
        db.session.commit()
        again = db.session.scalars(sa.select(Score)).all()
        assert db.session.scalar(sa.select(Fit.enough_data)) is True  # the stored fit stays, unused
    assert not any(s.model_used or s.p_alive is not None for s in again)
    assert not any(r["code"] == "model_p_alive" for s in again for r in s.reasons)


def test_without_enough_data_the_fit_says_so(tenant_a):
    enable(tenant_a)
    with inside(tenant_a):
        fill(customers=40)
        fit = model.refit()
        facts = (fit.enough_data, fit.customers, fit.params)
        outcome = scoring.rescore()
        db.session.commit()
    assert facts == (False, 40, {}) and not outcome.model_used


def test_a_backtest_with_enough_data_before_the_cutoff_ranks_the_model_too(tenant_a):
    enable(tenant_a)
    with inside(tenant_a):
        fill(customers=400)
        db.session.commit()
        results = backtests.results((NOW - dt.timedelta(days=100)).date(), 90)
    assert results["model_used"] is True and results["fit"]["customers"] > 200
    for ranking in ("rules", "recency", "model"):
        assert 0.5 < results[ranking]["auc"] <= 1, (ranking, results[ranking])
    assert results["churners"] > 0 and results["customers"] > results["churners"]
