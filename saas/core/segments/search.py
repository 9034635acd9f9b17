"""The customer list: search, filters (any segment's too), sort and cursor pages."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from saas.core.classification import CustomerFigures
from saas.core.customers import Customer, CustomerTag, Tag
from saas.core.db import db
from saas.core.pagination import Page, paginate
from saas.core.segments.matching import conditions, with_figures
from saas.core.segments.models import SegmentFilter
from saas.core.segments.saved import segment_filter
from saas.core.sql import contains, strings_of

SORTS = {
    "created_at": ("created_at", False),
    "-created_at": ("created_at", True),
    "name": ("name", False),
    "-name": ("name", True),
    "updated_at": ("updated_at", False),
    "-updated_at": ("updated_at", True),
}


@dataclass(frozen=True)
class CustomerFilter:
    q: str | None = None
    tag: str | None = None
    owner_id: uuid.UUID | None = None
    kind: str | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    segments: tuple[SegmentFilter, ...] = ()  # saved or ad hoc (tier, stage...): all must hold
    deleted: bool = False


def list_filter(*, tiers=(), stages=(), teams=(), segment_id: uuid.UUID | None = None, **given) -> CustomerFilter:
    """The list's filter from its query arguments (the API's and the page's): tiers, stages and
    teams as an ad hoc segment, and the saved segment ``segment_id``'s filter if one is given."""
    chosen = [SegmentFilter(tiers=tuple(tiers), stages=tuple(stages), teams=tuple(teams))]
    if segment_id is not None:
        chosen.append(segment_filter(segment_id))
    return CustomerFilter(segments=tuple(chosen), **given)


# A list reads columns, not instances: no identity map or change tracking for rows only shown,
# and each row's tag names come in the same statement. Built once; requests add conditions.
_TAG_JOIN = sa.and_(Tag.tenant_id == CustomerTag.tenant_id, Tag.id == CustomerTag.tag_id)
_TAG_NAMES = strings_of(
    sa.select(Tag.name).join(CustomerTag, _TAG_JOIN)
    .where(CustomerTag.tenant_id == Customer.tenant_id, CustomerTag.customer_id == Customer.id)
    .order_by(Tag.name)
)
_LIST = with_figures(sa.select(
    *(getattr(Customer, c.key) for c in sa.inspect(Customer).column_attrs if c.key != "tenant_id"),
    _TAG_NAMES.label("tag_names"), CustomerFigures.tier, CustomerFigures.lifecycle_stage,
    CustomerFigures.revenue_window,
))
_TAGGED = sa.select(CustomerTag.customer_id).join(Tag, _TAG_JOIN)


def search(filters: CustomerFilter, *, sort: str, cursor: str | None, limit: int) -> Page:
    """One page of customers, each a dict of its columns plus ``tag_names``."""
    stmt = _LIST
    stmt = stmt.where(Customer.deleted_at.is_not(None) if filters.deleted else Customer.deleted_at.is_(None))
    if filters.q:
        text = filters.q.strip()
        stmt = stmt.where(sa.or_(*(contains(col, text)
                                   for col in (Customer.name, Customer.email, Customer.phone, Customer.company))))
    if filters.tag:
        stmt = stmt.where(Customer.id.in_(_TAGGED.where(Tag.name == filters.tag)))
    if filters.owner_id:
        stmt = stmt.where(Customer.owner_id == filters.owner_id)
    if filters.kind:
        stmt = stmt.where(Customer.kind == filters.kind)
    for segment in filters.segments:
        stmt = stmt.where(*conditions(segment))
    if filters.created_after:
        stmt = stmt.where(Customer.created_at >= filters.created_after)
    if filters.created_before:
        stmt = stmt.where(Customer.created_at < filters.created_before)
    column, descending = SORTS[sort]
    sort_col = getattr(Customer, column)
    return paginate(
        stmt, db.session, [sort_col, Customer.id], descending=descending, cursor=cursor, limit=limit, as_dicts=True,
    )
