"""Each customer's churn figures as of a moment, in SQL over sets, read into numpy arrays.

One pass per workspace, in chunks of :data:`CHUNK` customers by id (memory stays bounded whatever
the workspace's size): per chunk one SELECT joins the live customers to four aggregates restricted
to the chunk's id range,

- their history: first and last purchase, orders and spend (as of now, the core's
  ``customer_figures`` row, kept by the classification, is reused; as of an earlier moment, a
  backtest's cut-off, the same aggregate over the purchases before it: the core's figures only
  know the present);
- their purchases and spend in the 90 days before the moment and the 90 before those;
- their interactions in the same two windows;
- the signals other modules sent (``churn_signals``) in the last 90 days, by kind.

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

from plugins.churn.models import Signal, SignalKind

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


def _purchases(moment: dt.datetime, after, upto) -> sa.Subquery:
    recent, in_both = _windows(Purchase.purchased_at, moment)
    net = sa.type_coerce(Purchase.amount - Purchase.refunded_amount, sa.BigInteger)
    return scoped(sa.select(
        Purchase.customer_id,
        sa.func.sum(sa.case((recent, 1), else_=0)).label("p_recent"),
        sa.func.sum(sa.case((recent, 0), else_=1)).label("p_before"),
        sa.func.sum(sa.case((recent, net), else_=0)).label("s_recent"),
        sa.func.sum(sa.case((recent, 0), else_=net)).label("s_before"),
    ).where(counted(), in_both, *_range(Purchase.customer_id, after, upto))
        .group_by(Purchase.customer_id)).subquery("bought")


def _interactions(moment: dt.datetime, after, upto) -> sa.Subquery:
    recent, in_both = _windows(Interaction.occurred_at, moment)
    return scoped(sa.select(
        Interaction.customer_id,
        sa.func.sum(sa.case((recent, 1), else_=0)).label("i_recent"),
        sa.func.sum(sa.case((recent, 0), else_=1)).label("i_before"),
    ).where(in_both, *_range(Interaction.customer_id, after, upto))
        .group_by(Interaction.customer_id)).subquery("touched")


def _signals(moment: dt.datetime, after, upto) -> sa.Subquery:
    kinds = [sa.func.sum(sa.case((Signal.kind == kind, 1), else_=0)).label(name)
             for kind, name in SIGNAL_FIELDS.items()]
    return scoped(sa.select(Signal.customer_id, *kinds).where(
        Signal.occurred_at >= _at(moment - WINDOW), Signal.occurred_at < _at(moment),
        *_range(Signal.customer_id, after, upto)).group_by(Signal.customer_id)).subquery("signalled")


def _range(column, after: uuid.UUID | None, upto: uuid.UUID) -> list:
    return [column <= upto] if after is None else [column > after, column <= upto]


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
    chunks of ``size`` by id; only ``customer_ids`` when given (a purchase rescoring one: their
    history from their purchases, which the core's figures may not have caught up with yet)."""
    as_of = moment or utcnow()
    intervals = tier_intervals(moment)
    ids_query = scoped(sa.select(Customer.id).where(_live()).order_by(Customer.id))
    if customer_ids is not None:
        ids_query = ids_query.where(Customer.id.in_(list(customer_ids)))
    after = None
    while True:
        page = db.session.scalars(ids_query.where(*([Customer.id > after] if after else [])).limit(size)).all()
        if not page:
            return
        yield _chunk(as_of, moment, page, None if customer_ids is not None else after, intervals,
                     named=customer_ids is not None)
        if len(page) < size:
            return
        after = page[-1]


def _chunk(as_of: dt.datetime, moment, page: list[uuid.UUID], after, intervals, *, named: bool) -> Chunk:
    upto = page[-1]
    history, bought, touched, signalled = (_history(moment, page if named else None), _purchases(as_of, after, upto),
                                           _interactions(as_of, after, upto), _signals(as_of, after, upto))
    zero = sa.literal(0)
    stmt = scoped(
        sa.select(
            Customer.id, CustomerFigures.tier, Customer.owner_id,
            history.c.orders, history.c.revenue,
            whole_days(_at(as_of), history.c.last_at).label("since_last"),
            whole_days(_at(as_of), history.c.first_at).label("since_first"),
            whole_days(history.c.last_at, history.c.first_at).label("span"),
            *(sa.func.coalesce(c, zero) for c in (bought.c.p_recent, bought.c.p_before, bought.c.s_recent,
                                                   bought.c.s_before, touched.c.i_recent, touched.c.i_before)),
            *(sa.func.coalesce(signalled.c[name], zero) for name in SIGNAL_FIELDS.values()),
        )
        .select_from(Customer)
        .outerjoin(CustomerFigures, CustomerFigures.customer_id == Customer.id)
        .outerjoin(history, history.c.customer_id == Customer.id)
        .outerjoin(bought, bought.c.customer_id == Customer.id)
        .outerjoin(touched, touched.c.customer_id == Customer.id)
        .outerjoin(signalled, signalled.c.customer_id == Customer.id)
        .where(_live(), Customer.id.in_(page) if named else sa.and_(*_range(Customer.id, after, upto)))
        .order_by(Customer.id)
    )
    # Core rows, not the ORM's: the statement is scoped above, and the ORM's loading would cost
    # more than the query (RLS still binds it on PostgreSQL)
    rows = db.session.connection().execute(stmt).all()
    ids = [row[0] for row in rows]
    tiers = [row[1].value if row[1] is not None else None for row in rows]
    owners = [row[2] for row in rows]
    numbers = np.array([row[3:] for row in rows], dtype=float).reshape(len(rows), 14)  # None -> nan
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
    return Chunk(ids, tiers, owners, arrays)
