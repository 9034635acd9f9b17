"""Which customers a :class:`SegmentFilter` matches, as SQL: conditions over a customer and its
classification figures, the ids that match, and counts."""

from __future__ import annotations

import sqlalchemy as sa

from saas.core.classification import CustomerFigures
from saas.core.customers import Customer, CustomerTag, Tag
from saas.core.db import db
from saas.core.segments.models import SegmentFilter
from saas.core.segments.module_conditions import offered
from saas.core.types import Money


def conditions(given: SegmentFilter, known: dict | None = None) -> list[sa.ColumnElement]:
    """WHERE conditions over ``Customer`` joined with ``CustomerFigures`` (see :func:`with_figures`);
    ``known``: the enabled modules' conditions, when the caller asked for them already."""
    found = []
    for values, column in ((given.tiers, CustomerFigures.tier), (given.stages, CustomerFigures.lifecycle_stage),
                           (given.kinds, Customer.kind), (given.industries, Customer.industry),
                           (given.regions, Customer.region), (given.teams, Customer.team),
                           (given.owner_ids, Customer.owner_id)):
        if values:
            found.append(column.in_(values))
    if given.tags:
        tagged = (sa.select(CustomerTag.customer_id)
                  .join(Tag, sa.and_(Tag.tenant_id == CustomerTag.tenant_id, Tag.id == CustomerTag.tag_id))
                  .where(Tag.name.in_(given.tags)))
        found.append(Customer.id.in_(tagged))
    if given.spend_min is not None:
        found.append(CustomerFigures.revenue_window >= sa.literal(given.spend_min, Money()))
    if given.spend_max is not None:
        found.append(CustomerFigures.revenue_window < sa.literal(given.spend_max, Money()))
    for name, (low, high) in given.scores.items():
        found.append(getattr(CustomerFigures, name).between(low, high))
    for key, value in given.custom_fields.items():
        if isinstance(value, bool):
            found.append(Customer.custom_fields[key].as_boolean() == value)
        else:
            found.append(Customer.custom_fields[key].as_string() == value)
    if given.modules:
        known = offered() if known is None else known  # a switched-off module's condition holds for nobody
        found.extend(known[key].where(tuple(values)) if key in known else sa.false()
                     for key, values in given.modules.items())
    return found


def with_figures(stmt: sa.Select) -> sa.Select:
    """``stmt`` (a select from ``Customer``) joined with each customer's figures row."""
    return stmt.outerjoin(CustomerFigures, sa.and_(CustomerFigures.tenant_id == Customer.tenant_id,
                                                   CustomerFigures.customer_id == Customer.id))


def matching(given: SegmentFilter) -> sa.Select:
    """``SELECT customers.id`` of the bound tenant's live customers in the segment."""
    stmt = with_figures(sa.select(Customer.id)).where(Customer.deleted_at.is_(None), *conditions(given))
    return stmt


def count(given: SegmentFilter) -> int:
    return counts([given])[0]


def counts(filters: list[SegmentFilter]) -> list[int]:
    """How many live customers each filter matches, in one pass over the customers (a page of
    segments is counted by one statement, not one each)."""
    if not filters:
        return []
    known = offered() if any(given.modules for given in filters) else {}  # asked once for the page
    tally = [sa.func.count().filter(sa.and_(sa.true(), *conditions(given, known))) for given in filters]
    stmt = with_figures(sa.select(*tally).select_from(Customer)).where(Customer.deleted_at.is_(None))
    return list(db.session.execute(stmt).one())
