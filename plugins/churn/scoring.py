"""Scoring: the figures of :mod:`plugins.churn.figures`, scored by :mod:`plugins.churn.rules` (and
the purchase model where the workspace has enough data), written back to ``churn_scores`` by one
upsert per chunk; the customers who crossed into high risk are handed to :mod:`plugins.churn.tasks`.

:func:`rescore` runs for the whole workspace (the nightly job, ``POST /api/v1/churn/score``) or for
a few customers (a purchase, an interaction, another module's signal). :func:`scored` is the same
computation without writing, as of any moment (the backtest scores with the data before its cut-off).
A score's ``reasons`` are ``[{"code", "share", "figures"}]``, largest share first; the sentences are
made where they are read (:mod:`plugins.churn.reasons`), in the reader's language.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from saas.core.db import db
from saas.core.module_settings import settings_of
from saas.core.tenancy import current_tenant_id
from saas.core.types import new_id, utcnow

from plugins.churn import figures, model, rules, tasks
from plugins.churn.models import Level, Score
from plugins.churn.settings import NAME, weights_of


@dataclass
class Scored:
    chunk: figures.Chunk
    scores: rules.Scores
    levels: np.ndarray  # "low", "medium", "high"
    model_used: np.ndarray  # per customer: the model's signal was in the score (see rules.Scores.model_used)
    p_alive: np.ndarray  # NaN where the model is not used
    expected_purchases: np.ndarray
    expected_value: np.ndarray


@dataclass(frozen=True)
class Outcome:
    customers: int  # scored
    raised: int  # crossed into high risk
    tasks_opened: int
    model_used: bool  # the workspace's fit had enough data and the settings use it


def scored(moment: dt.datetime | None = None, *, customer_ids: Sequence[uuid.UUID] | None = None,
           settings: dict | None = None, purchase_model: model.Model | None = None) -> Iterator[Scored]:
    """Every (or each named) live customer scored as of ``moment`` (None: now), a chunk at a time."""
    settings = settings if settings is not None else settings_of(NAME)
    weights = weights_of(settings)
    if purchase_model is None:
        weights["model_p_alive"] = 0.0  # no model: the rules alone, and the shares say so
    for chunk in figures.chunks(moment, customer_ids=customer_ids):
        nan = np.full(len(chunk), np.nan)
        p_alive, expected, value = purchase_model.predict(chunk.arrays) if purchase_model else (nan, nan, nan)
        values = rules.Figures(**{name: chunk.arrays[name] for name in figures.RULE_FIELDS}, p_alive=p_alive)
        scores = rules.score(values, weights)
        yield Scored(chunk, scores, rules.level(scores.score, settings["thresholds"]), scores.model_used,
                     p_alive, expected, value)


def rescore(customer_ids: Sequence[uuid.UUID] | None = None) -> Outcome:
    """Score the workspace (or only ``customer_ids``) now and keep the scores; a customer who crossed
    into high risk raises ``churn.risk_raised`` and gets a win-back task (:func:`tasks.raise_for`)."""
    settings = settings_of(NAME)
    purchase_model = model.current() if settings["model"] else None
    customers = raised = opened = 0
    for part in scored(customer_ids=customer_ids, settings=settings, purchase_model=purchase_model):
        if not len(part.chunk):
            continue
        previous = _levels(part.chunk.customer_ids)
        rows, crossed = _rows(part, previous)
        _upsert(rows)
        customers += len(rows)
        raised += len(crossed)
        opened += tasks.raise_for(crossed)
    return Outcome(customers, raised, opened, purchase_model is not None)


def _levels(ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The kept level of each customer of a chunk (its ids are sorted: one range, not a long IN)."""
    rows = db.session.execute(sa.select(Score.customer_id, Score.level)
                              .where(Score.customer_id >= ids[0], Score.customer_id <= ids[-1])).all()
    return {customer_id: level.value for customer_id, level in rows}


def _number(value: float, places: int | None = None):
    if not np.isfinite(value):
        return None
    return float(value) if places is None else round(float(value), places)


def _rows(part: Scored, previous: dict[uuid.UUID, str]) -> tuple[list[dict], list[tasks.Raised]]:
    now, tenant_id, chunk = utcnow(), current_tenant_id(), part.chunk
    points = part.scores.score.tolist()
    levels = part.levels.tolist()
    used = part.model_used.tolist()
    rows, crossed = [], []
    for i, customer_id in enumerate(chunk.customer_ids):
        reasons = [reason.as_dict() for reason in part.scores.reasons(i)]
        rows.append({"tenant_id": tenant_id, "id": new_id(), "customer_id": customer_id, "score": points[i],
                     "level": levels[i], "reasons": reasons,
                     "reason": reasons[0]["code"] if reasons else None, "model_used": used[i],
                     "p_alive": _number(part.p_alive[i]), "expected_purchases": _number(part.expected_purchases[i]),
                     "expected_value": _number(part.expected_value[i], 2), "scored_at": now, "level_since": now})
        if levels[i] == Level.high.value and previous.get(customer_id) != Level.high.value:
            crossed.append(tasks.Raised(customer_id, points[i], levels[i], reasons, chunk.tiers[i],
                                        chunk.owner_ids[i]))
    return rows, crossed


COLUMNS = ("tenant_id", "id", "customer_id", "score", "level", "reasons", "reason", "model_used", "p_alive",
           "expected_purchases", "expected_value", "scored_at", "level_since")
UPDATED = COLUMNS[3:-1]  # what a new score replaces; level_since only with the level


def _upsert(rows: list[dict]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE of the rows; a level unchanged keeps its ``level_since``.
    On PostgreSQL the chunk is COPYed into a temporary table and upserted from it by one statement
    (an executemany sends a statement per row: the most of a nightly run's time); SQLite's
    executemany runs in process."""
    if db.session.get_bind().dialect.name == "postgresql":
        _copy_upsert(rows)
        return
    table = Score.__table__
    stmt = sqlite.insert(table)
    new = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.tenant_id, table.c.customer_id],
        set_={**{name: new[name] for name in UPDATED},
              "level_since": sa.case((table.c.level == new.level, table.c.level_since), else_=new.level_since)})
    db.session.execute(stmt, rows)


def _copy_upsert(rows: list[dict]) -> None:
    columns = ", ".join(COLUMNS)
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS churn_scores_given "
                   "(LIKE churn_scores INCLUDING DEFAULTS) ON COMMIT DROP")
    with cursor.copy(f"COPY churn_scores_given ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(row[name]) if name == "reasons" else row[name] for name in COLUMNS])
    cursor.execute(
        f"INSERT INTO churn_scores ({columns}) SELECT {columns} FROM churn_scores_given "
        "ON CONFLICT (tenant_id, customer_id) DO UPDATE SET "
        + ", ".join(f"{name} = EXCLUDED.{name}" for name in UPDATED)
        + ", level_since = CASE WHEN churn_scores.level = EXCLUDED.level THEN churn_scores.level_since"
          " ELSE EXCLUDED.level_since END")
    cursor.execute("TRUNCATE churn_scores_given")
