"""The built-in backtest: score with the data before a cut-off, then judge the ranking against who
bought nothing in the ``horizon_days`` after it (:mod:`plugins.churn.backtest`), beside plain
recency and, where the data before the cut-off is enough for the purchase model, 1 - P(alive).

Only customers who had bought before the cut-off are judged (a customer who never bought cannot
stop buying). The cut-off's horizon must have passed; a job computes it (``churn_backtests``:
``running``, then ``done`` with the results, or ``failed``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import numpy as np
import sqlalchemy as sa

from saas.core.accounts import Tenant, acting_person
from saas.core.classification.recompute import counted
from saas.core.customers import Purchase
from saas.core.db import db
from saas.core.errors import Invalid, NotFound
from saas.core.module_settings import settings_of
from saas.core.pagination import Page, paginate
from saas.core.queues import enqueue_after_commit, job
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow

from plugins.churn import backtest, model, scoring
from plugins.churn.models import Backtest
from plugins.churn.settings import NAME

TIMEOUT = 3600
STALLED_AFTER = dt.timedelta(seconds=TIMEOUT + 600)  # since its job began: past its time limit and then some
QUEUED_AFTER = dt.timedelta(days=1)  # since it was asked for, its job never begun: lost before a worker took it


def _mark_stalled() -> None:
    """Record as failed the backtests whose job was lost (a worker died, Redis went away) or cut
    off by its time limit, which would otherwise read as running for ever: begun longer ago than
    the limit, or never begun a day after being asked for. One UPDATE that usually changes nothing."""
    now = utcnow()
    db.session.execute(sa.update(Backtest).where(
        Backtest.status == "running",
        sa.or_(Backtest.started_at < now - STALLED_AFTER,
               sa.and_(Backtest.started_at.is_(None), Backtest.created_at < now - QUEUED_AFTER)))
        .values(status="failed").execution_options(synchronize_session=False))


def request(cutoff: dt.date, horizon_days: int | None = None) -> Backtest:
    """A backtest to run (a job, after commit); 422 when its horizon has not passed yet."""
    horizon_days = horizon_days or settings_of(NAME)["backtest_horizon_days"]
    if cutoff + dt.timedelta(days=horizon_days) > utcnow().date():
        raise Invalid("the horizon after the cut-off has not passed yet",
                      {"cutoff": [f"Pick a cut-off at least {horizon_days} days ago."]})
    row = Backtest(cutoff=cutoff, horizon_days=horizon_days, status="running", requested_by=acting_person())
    db.session.add(row)
    db.session.flush()
    enqueue_after_commit(run_job, str(row.tenant_id), str(row.id), queue="low", timeout=TIMEOUT)
    return row


def get(backtest_id: uuid.UUID) -> Backtest:
    _mark_stalled()
    row = db.session.scalar(sa.select(Backtest).where(Backtest.id == backtest_id))
    if row is None:
        raise NotFound("backtest not found")
    return row


def listed(*, cursor: str | None, limit: int) -> Page:
    _mark_stalled()
    return paginate(sa.select(Backtest), db.session, [Backtest.created_at, Backtest.id], descending=True,
                    cursor=cursor, limit=limit)


def _ranking(value) -> dict:
    return {key: (None if not np.isfinite(number) else round(float(number), 4))
            for key, number in value.__dict__.items()}


def results(cutoff: dt.date, horizon_days: int) -> dict:
    """The backtest's figures: customers judged, churners, base rate, and for the rules, recency and
    (where enough data) the model: AUC, precision in the top 10% and 20%."""
    moment = dt.datetime.combine(cutoff, dt.time(), dt.timezone.utc)
    settings = settings_of(NAME)
    fitted, facts = model.fit(moment) if settings["model"] else (None, {"enough_data": False})
    ids, scores, days, p_alive = [], [], [], []
    for part in scoring.scored(moment, settings=settings, purchase_model=fitted):
        bought = np.isfinite(part.chunk.arrays["days_since_last_purchase"])
        ids.extend(i for i, keep in zip(part.chunk.customer_ids, bought) if keep)
        scores.append(part.scores.score[bought])
        days.append(part.chunk.arrays["days_since_last_purchase"][bought])
        p_alive.append(part.p_alive[bought])
    end = moment + dt.timedelta(days=horizon_days)
    kept = set(db.session.scalars(sa.select(Purchase.customer_id).where(
        counted(), Purchase.purchased_at >= moment, Purchase.purchased_at < end).distinct()))
    churned = np.array([customer_id not in kept for customer_id in ids], dtype=bool)
    if not ids:
        return {"customers": 0, "churners": 0, "base_rate": None, "rules": None, "recency": None, "model": None,
                "model_used": False}
    report = backtest.report(np.concatenate(scores), churned, np.concatenate(days))
    found = {"customers": report.customers, "churners": report.churners,
             "base_rate": round(report.base_rate, 4) if np.isfinite(report.base_rate) else None,
             "rules": _ranking(report.score), "recency": _ranking(report.recency), "model": None,
             "model_used": fitted is not None}
    if fitted is not None:
        found["model"] = _ranking(backtest.ranking(1 - np.nan_to_num(np.concatenate(p_alive), nan=1.0), churned))
    found["fit"] = {"customers": facts.get("customers"), "repeat_buyers": facts.get("repeat_buyers")}
    return found


@job
def run_job(tenant_id: str, backtest_id: str) -> None:
    """Compute a requested backtest; a failure is recorded on it (``failed``)."""
    with tenant_context(uuid.UUID(tenant_id)):
        if db.session.get(Tenant, uuid.UUID(tenant_id)) is None:
            return
        row = db.session.get(Backtest, (uuid.UUID(tenant_id), uuid.UUID(backtest_id)))
        if row is None or row.status != "running":
            return
        row.started_at = utcnow()
        db.session.commit()  # seen begun by the pages while it computes
        row = db.session.get(Backtest, (uuid.UUID(tenant_id), uuid.UUID(backtest_id)))
        try:
            row.results, row.status = results(row.cutoff, row.horizon_days), "done"
        except Exception:
            logging.getLogger(__name__).exception("churn backtest %s failed", backtest_id)
            db.session.rollback()
            row = db.session.get(Backtest, (uuid.UUID(tenant_id), uuid.UUID(backtest_id)))
            row.status, row.results = "failed", None
        db.session.commit()
