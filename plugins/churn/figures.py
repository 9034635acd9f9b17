"""Each customer's churn figures as of a moment, in SQL over sets, read into numpy arrays.

One pass per workspace, read in chunks of :data:`CHUNK` customers (memory stays bounded whatever
the workspace's size): one SELECT joins the live customers to four aggregates,

- their history: first and last purchase, orders and spend (as of now, the core's
  ``customer_figures`` row, kept by the classification, is reused; as of an earlier moment, a
  backtest's cut-off, the same aggregate over the purchases before it: the core's figures only
  know the present);
- their purchases and spend in the 90 days before the moment and the 90 before those;
- their interactions in the same two windows;
- the signals other modules sent (``churn_signals``) in the last 90 days, by kind;

and, beside them, the level of the customer's kept score (``churn_scores``), so that the scoring
knows who crosses into high risk without a query of its own. The whole workspace is one
statement, read a chunk at a time (:func:`chunks`).

Purchases are counted as the classification counts them (:func:`recompute.counted`: not fully
refunded, in the workspace's currency), net of refunds. ``typical_interval_days`` is the
customer's own mean gap between purchases ((last - first) / (orders - 1)) when it has three or
more purchases, else the mean of those own intervals among the customers of its value tier (the
workspace's, for a tier without any; NaN for a customer who never bought). The tier is today's
(a backtest uses it too: tier history is not replayed). The BG/NBD inputs are in weeks:
``frequency`` = orders - 1 (repeat purchases), ``recency`` = last - first, ``T`` = moment - first;
``monetary`` is the mean order value (the Gamma-Gamma input), in the currency's units.

Purchases are counted as orders, as the core's figures count them, where docs/churn-model.md (and
the calibration on CDNOW) counts purchase days: two orders on one day are two here, one there. The
two agree for customers who buy at most once a day; counting days would need the whole history
aggregated again instead of the core's kept figures.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from saas.core.classification import CustomerFigures
from saas.core.classification.recompute import counted
from saas.core.customers import Customer, Interaction, Purchase
from saas.core.db import db
from saas.core.sql import whole_days
from saas.core.tenancy import scoped
from saas.core.types import UTCDateTime, utcnow

from plugins.churn.models import Score, Signal, SignalKind

CHUNK = 50_000
WINDOW = dt.timedelta(days=90)
OWN_INTERVAL_FROM = 3  # purchases from which a customer's own mean interval is its typical one

# The arrays a chunk carries, in the names of rules.Figures (plus the model's and the caller's).
RULE_FIELDS = ("days_since_last_purchase", "typical_interval_days", "purchases_recent", "purchases_before",
               "spend_recent", "spend_before", "interactions_recent", "interactions_before", "low_survey_scores",
               "breached_complaints", "missed_visits")
SIGNAL_FIELDS = {SignalKind.low_survey: "low_survey_scores", SignalKind.complaint_breach: "breached_complaints",
                 SignalKind.missed_visit: "missed_visits"}


@dataclass
class Chunk:
    """Figures of up to :data:`CHUNK` customers, one entry per customer in ``customer_ids``' order."""

    customer_ids: list[uuid.UUID]
    tiers: list[str | None]
    owner_ids: list[uuid.UUID | None]
    arrays: dict[str, np.ndarray]  # RULE_FIELDS, and frequency, recency, T (weeks), monetary
    kept_levels: list[str | None]  # the level of the customer's kept score (None: never scored)

    def __len__(self) -> int:
        return len(self.customer_ids)


def _at(moment: dt.datetime):
    return sa.literal(moment, UTCDateTime())


def _history(moment: dt.datetime | None, customer_ids: Sequence[uuid.UUID] | None = None) -> sa.Subquery:
    """customer_id, first, last, orders, revenue (cents): the core's figures now, or as of ``moment``
    (and for named customers, whose figures a purchase just changed, from their purchases)."""
    if moment is None and customer_ids is None:
        return scoped(sa.select(
            CustomerFigures.customer_id, CustomerFigures.first_purchase_at.label("first_at"),
            CustomerFigures.last_purchase_at.label("last_at"), CustomerFigures.orders_total.label("orders"),
            sa.type_coerce(CustomerFigures.revenue_total, sa.BigInteger).label("revenue"),
        ).where(CustomerFigures.orders_total > 0)).subquery("history")
    return scoped(sa.select(
        Purchase.customer_id, sa.func.min(Purchase.purchased_at).label("first_at"),
        sa.func.max(Purchase.purchased_at).label("last_at"), sa.func.count().label("orders"),
        sa.func.sum(sa.type_coerce(Purchase.amount - Purchase.refunded_amount, sa.BigInteger)).label("revenue"),
    ).where(counted(), Purchase.purchased_at < _at(moment or utcnow()),
            *([Purchase.customer_id.in_(list(customer_ids))] if customer_ids is not None else []))
        .group_by(Purchase.customer_id)).subquery("history")


def _windows(column, moment: dt.datetime, *extra) -> tuple[sa.ColumnElement, sa.ColumnElement]:
    recent = column >= _at(moment - WINDOW)
    return recent, sa.and_(column >= _at(moment - 2 * WINDOW), column < _at(moment), *extra)


def _purchases(moment: dt.datetime, named) -> sa.Subquery:
    recent, in_both = _windows(Purchase.purchased_at, moment)
    net = sa.type_coerce(Purchase.amount - Purchase.refunded_amount, sa.BigInteger)
    return scoped(sa.select(
        Purchase.customer_id,
        sa.func.sum(sa.case((recent, 1), else_=0)).label("p_recent"),
        sa.func.sum(sa.case((recent, 0), else_=1)).label("p_before"),
        sa.func.sum(sa.case((recent, net), else_=0)).label("s_recent"),
        sa.func.sum(sa.case((recent, 0), else_=net)).label("s_before"),
    ).where(counted(), in_both, *_among(Purchase.customer_id, named))
        .group_by(Purchase.customer_id)).subquery("bought")


def _interactions(moment: dt.datetime, named) -> sa.Subquery:
    recent, in_both = _windows(Interaction.occurred_at, moment)
    return scoped(sa.select(
        Interaction.customer_id,
        sa.func.sum(sa.case((recent, 1), else_=0)).label("i_recent"),
        sa.func.sum(sa.case((recent, 0), else_=1)).label("i_before"),
    ).where(in_both, *_among(Interaction.customer_id, named))
        .group_by(Interaction.customer_id)).subquery("touched")


def _signals(moment: dt.datetime, named) -> sa.Subquery:
    kinds = [sa.func.sum(sa.case((Signal.kind == kind, 1), else_=0)).label(name)
             for kind, name in SIGNAL_FIELDS.items()]
    return scoped(sa.select(Signal.customer_id, *kinds).where(
        Signal.occurred_at >= _at(moment - WINDOW), Signal.occurred_at < _at(moment),
        *_among(Signal.customer_id, named)).group_by(Signal.customer_id)).subquery("signalled")


def _among(column, named: list[uuid.UUID] | None) -> list:
    return [] if named is None else [column.in_(named)]


def _live() -> sa.ColumnElement:
    return sa.and_(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))


def tier_intervals(moment: dt.datetime | None) -> dict[str | None, float]:
    """The mean own interval (days) among each tier's customers with three or more purchases;
    key None: the workspace's, for a tier without any."""
    history = _history(moment)
    own = (whole_days(history.c.last_at, history.c.first_at) * 1.0 / (history.c.orders - 1))
    rows = db.session.execute(scoped(
        sa.select(CustomerFigures.tier, sa.func.avg(own), sa.func.count())
        .join(history, history.c.customer_id == CustomerFigures.customer_id)
        .where(history.c.orders >= OWN_INTERVAL_FROM).group_by(CustomerFigures.tier))).all()
    means = {(tier.value if tier is not None else None): float(mean) for tier, mean, _ in rows if mean is not None}
    total = sum(n for _, mean, n in rows if mean is not None)
    if total:
        means[None] = sum(float(mean) * n for _, mean, n in rows if mean is not None) / total
    return means


def chunks(moment: dt.datetime | None = None, *, customer_ids: Sequence[uuid.UUID] | None = None,
           size: int = CHUNK) -> Iterator[Chunk]:
    """The live customers' figures as of ``moment`` (None: now, from the core's kept figures), in
    chunks of ``size``; only ``customer_ids`` when given (a purchase rescoring one: their history
    from their purchases, which the core's figures may not have caught up with yet).

    One statement for the whole workspace, read ``size`` rows at a time (a server-side cursor on
    PostgreSQL, so memory stays bounded): each aggregate runs once, as the floor's SELECT runs it,
    where a statement per chunk scanned the purchases once per chunk. The caller may write between
    chunks on the same connection; the statement reads as of its start."""
    intervals = tier_intervals(moment)
    named = sorted(set(customer_ids)) if customer_ids is not None else None
    if named == []:
        return
    connection = db.session.connection()
    streamed = connection.dialect.name == "postgresql"
    result = connection.execute(_statement(moment or utcnow(), moment, named),
                                execution_options={"stream_results": True, "max_row_buffer": size} if streamed else {})
    # SQLite reads the whole answer first: the scoring writes to a table this statement reads
    for rows in (result.partitions(size) if streamed else _parts(result.all(), size)):
        yield _chunk(rows, intervals)


def _parts(rows: list, size: int) -> Iterator[list]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _statement(as_of: dt.datetime, moment, named: list[uuid.UUID] | None) -> sa.Select:
    history, bought, touched, signalled = (_history(moment, named), _purchases(as_of, named),
                                           _interactions(as_of, named), _signals(as_of, named))
    zero = sa.literal(0)
    # plain types, not the ORM's enums and decimals: a million rows' conversions cost more than the query
    return scoped(
        sa.select(
            Customer.id, sa.type_coerce(CustomerFigures.tier, sa.String), Customer.owner_id,
            sa.type_coerce(Score.level, sa.String),
            history.c.orders, sa.cast(history.c.revenue, sa.Float),
            whole_days(_at(as_of), history.c.last_at).label("since_last"),
            whole_days(_at(as_of), history.c.first_at).label("since_first"),
            whole_days(history.c.last_at, history.c.first_at).label("span"),
            *(sa.cast(sa.func.coalesce(c, zero), sa.Float)
              for c in (bought.c.p_recent, bought.c.p_before, bought.c.s_recent, bought.c.s_before, touched.c.i_recent,
                        touched.c.i_before, *(signalled.c[name] for name in SIGNAL_FIELDS.values()))),
        )
        .select_from(Customer)
        .outerjoin(CustomerFigures, CustomerFigures.customer_id == Customer.id)
        .outerjoin(Score, Score.customer_id == Customer.id)
        .outerjoin(history, history.c.customer_id == Customer.id)
        .outerjoin(bought, bought.c.customer_id == Customer.id)
        .outerjoin(touched, touched.c.customer_id == Customer.id)
        .outerjoin(signalled, signalled.c.customer_id == Customer.id)
        .where(_live(), *_among(Customer.id, named))
    )


def _chunk(rows: list, intervals: dict) -> Chunk:
    ids = [row[0] for row in rows]
    tiers = [row[1] for row in rows]
    owners = [row[2] for row in rows]
    kept = [row[3] for row in rows]
    numbers = np.array([row[4:] for row in rows], dtype=float).reshape(len(rows), 14)  # None -> nan
    orders, revenue, since_last, since_first, span = (numbers[:, i] for i in range(5))
    # a purchase dated after the moment (a shop's clock ahead, a typo for next year) counts as today's
    since_last, since_first = np.maximum(since_last, 0), np.maximum(since_first, 0)
    own = np.where(orders >= OWN_INTERVAL_FROM, span / np.maximum(orders - 1, 1), np.nan)
    fallback = np.array([intervals.get(tier, intervals.get(None, np.nan)) for tier in tiers], dtype=float)
    bought_ever = orders > 0
    typical = np.where(np.isnan(own) & bought_ever, fallback, own)
    arrays = {
        "days_since_last_purchase": since_last, "typical_interval_days": typical,
        "purchases_recent": numbers[:, 5], "purchases_before": numbers[:, 6],
        "spend_recent": numbers[:, 7] / 100, "spend_before": numbers[:, 8] / 100,
        "interactions_recent": numbers[:, 9], "interactions_before": numbers[:, 10],
        "low_survey_scores": numbers[:, 11], "breached_complaints": numbers[:, 12], "missed_visits": numbers[:, 13],
        "frequency": np.where(bought_ever, orders - 1, 0.0),
        "recency": np.where(bought_ever, span / 7, 0.0), "T": np.where(bought_ever, since_first / 7, 0.0),
        "monetary": np.where(bought_ever, revenue / 100 / np.maximum(orders, 1), 0.0),
    }
    return Chunk(ids, tiers, owners, arrays, kept)
