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
import itertools
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from saas.core.db import db
from saas.core.module_settings import settings_of
from saas.core.sql import generated_id
from saas.core.tenancy import current_tenant_id
from saas.core.types import utcnow

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
    for chunk in figures.chunks(moment, customer_ids=customer_ids, size=figures.CHUNK):
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
        rows, crossed = _rows(part)
        _upsert(rows)
        customers += len(rows)
        raised += len(crossed)
        opened += tasks.raise_for(crossed)
    return Outcome(customers, raised, opened, purchase_model is not None)


def _numbers(values: np.ndarray, places: int | None = None) -> list:
    """The array as floats (rounded to ``places``), None where not finite."""
    values = values if places is None else np.round(values, places)
    return [None if value != value or value in (np.inf, -np.inf) else value for value in values.tolist()]


def _rows(part: Scored) -> tuple[list[tuple], list[tasks.Raised]]:
    """The chunk's rows for ``churn_scores`` (in :data:`COLUMNS`' order, the reasons as JSON text;
    a new row's id is made by the database), built from the arrays a column at a time, and the
    customers who crossed into high risk: their kept score was not high (or there was none)."""
    now, tenant_id, chunk = utcnow(), current_tenant_id(), part.chunk
    reasons = part.scores.reasons_json()
    order = np.argsort(-part.scores.shares, axis=1, kind="stable")[:, 0].tolist()
    main = [part.scores.signals[j] if text != "[]" else None for j, text in zip(order, reasons)]
    rows = list(zip(
        itertools.repeat(tenant_id), chunk.customer_ids, part.scores.score.tolist(),
        part.levels.tolist(), reasons, main, part.model_used.tolist(), _numbers(part.p_alive),
        _numbers(part.expected_purchases), _numbers(part.expected_value, 2), itertools.repeat(now),
        itertools.repeat(now)))
    high = Level.high.value
    crossed = [tasks.Raised(row[1], row[2], row[3], json.loads(row[4]), chunk.tiers[i], chunk.owner_ids[i])
               for i, row in enumerate(rows) if row[3] == high and chunk.kept_levels[i] != high]
    return rows, crossed


COLUMNS = ("tenant_id", "customer_id", "score", "level", "reasons", "reason", "model_used", "p_alive",
           "expected_purchases", "expected_value", "scored_at", "level_since")
UPDATED = COLUMNS[2:-1]  # what a new score replaces; level_since only with the level


def _upsert(rows: list[tuple]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE of the rows; a level unchanged keeps its ``level_since``.
    On PostgreSQL the chunk is COPYed into a temporary table and upserted from it by one statement
    (an executemany sends a statement per row: the most of a nightly run's time); SQLite's
    executemany runs in process."""
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        _copy_upsert(rows)
        return
    table = Score.__table__
    # the reasons are JSON text already: bound as text, not encoded again by the JSON type
    stmt = sqlite.insert(table).values(id=generated_id(), reasons=sa.type_coerce(sa.bindparam("reasons"), sa.Text))
    new = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.tenant_id, table.c.customer_id],
        set_={**{name: new[name] for name in UPDATED},
              "level_since": sa.case((table.c.level == new.level, table.c.level_since), else_=new.level_since)})
    db.session.execute(stmt, [dict(zip(COLUMNS, row)) for row in rows])


NULL = "\\N"  # COPY's text format


def _copied(values: list) -> list[str]:
    return [NULL if value is None else str(value) for value in values]


def _copy_upsert(rows: list[tuple]) -> None:
    """The rows' varying columns COPYed in text format (no value holds a tab, newline or backslash:
    ids, codes, numbers and the reasons' JSON of codes and numbers) and upserted by one statement;
    the tenant and the moment are the statement's parameters."""
    tenant_id, now = rows[0][0], rows[0][-1]
    _, customer_ids, points, levels, reasons, main, used, p_alive, expected, value, _, _ = zip(*rows)
    lines = zip([i.hex for i in customer_ids], map(str, points), levels, reasons, _copied(main),
                ["t" if u else "f" for u in used], _copied(p_alive), _copied(expected), _copied(value))
    given = COLUMNS[1:-2]
    cursor = db.session.connection().connection.driver_connection.cursor()
    cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS churn_scores_given (customer_id uuid, score smallint,"
                   " level text, reasons json, reason text, model_used boolean, p_alive float8,"
                   " expected_purchases float8, expected_value numeric) ON COMMIT DROP")
    with cursor.copy(f"COPY churn_scores_given ({', '.join(given)}) FROM STDIN") as copy:
        copy.write("".join(["\t".join(line) + "\n" for line in lines]))
    new_id = generated_id().compile(dialect=db.session.get_bind().dialect)
    cursor.execute(
        f"INSERT INTO churn_scores (id, {', '.join(COLUMNS)}) SELECT {new_id}, %(tenant)s, {', '.join(given)},"
        " %(now)s, %(now)s"
        " FROM churn_scores_given ON CONFLICT (tenant_id, customer_id) DO UPDATE SET "
        + ", ".join(f"{name} = EXCLUDED.{name}" for name in UPDATED)
        + ", level_since = CASE WHEN churn_scores.level = EXCLUDED.level THEN churn_scores.level_since"
          " ELSE EXCLUDED.level_since END", {"tenant": tenant_id, "now": now})
    cursor.execute("TRUNCATE churn_scores_given")
