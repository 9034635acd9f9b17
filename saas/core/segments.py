"""Segments: saved filters over customers (客户细分), and the one function plugins use to target them.

A :class:`Segment` stores a :class:`SegmentFilter` as JSON. :func:`matching` turns a filter into a
``SELECT`` of customer ids, so a module (surveys, visits, loyalty...) can target "all important
customers in Zhejiang" without knowing how tiers or tags are stored::

    from saas.core.segments import matching, segment_filter
    ids = db.session.scalars(matching(segment_filter(segment_id)))

Every condition given must hold (AND); a list within a condition matches any of its values (OR).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.classification import CustomerFigures
from saas.core.customers import Customer, CustomerTag, Tag
from saas.core.db import TenantScoped, Timestamped, db
from saas.core.errors import NotFound
from saas.core.tenancy import current_tenant_id
from saas.core.types import Money

SCORES = ("r_score", "f_score", "m_score")


@dataclass(frozen=True)
class SegmentFilter:
    tiers: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # person (B2C) / company (B2B)
    industries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    owner_ids: tuple[uuid.UUID, ...] = ()
    tags: tuple[str, ...] = ()  # any of them
    spend_min: Decimal | None = None  # spend in the rules' trailing window, inclusive
    spend_max: Decimal | None = None  # exclusive
    scores: dict[str, tuple[int, int]] = field(default_factory=dict)  # e.g. {"r_score": (4, 5)}, inclusive
    custom_fields: dict[str, str | bool] = field(default_factory=dict)  # key -> value (booleans as booleans)

    @classmethod
    def from_json(cls, data: dict) -> "SegmentFilter":
        given = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        for key in ("tiers", "stages", "kinds", "industries", "regions", "teams", "tags"):
            given[key] = tuple(given.get(key) or ())
        given["owner_ids"] = tuple(uuid.UUID(str(i)) for i in given.get("owner_ids") or ())
        for key in ("spend_min", "spend_max"):
            given[key] = None if given.get(key) is None else Decimal(str(given[key]))
        given["scores"] = {name: tuple(pair) for name, pair in (given.get("scores") or {}).items()}
        return cls(**given)

    def as_json(self) -> dict:
        plain = asdict(self)
        plain["owner_ids"] = [str(i) for i in self.owner_ids]
        for key in ("spend_min", "spend_max"):
            plain[key] = None if plain[key] is None else str(plain[key])
        plain["scores"] = {name: list(pair) for name, pair in self.scores.items()}
        return {key: list(value) if isinstance(value, tuple) else value for key, value in plain.items()}


class Segment(TenantScoped, Timestamped, db.Model):
    __tablename__ = "segments"
    __audit__ = True
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str | None] = mapped_column(sa.String(500))
    filter: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    @property
    def conditions(self) -> SegmentFilter:
        return SegmentFilter.from_json(self.filter)


def segment_filter(segment_id: uuid.UUID) -> SegmentFilter:
    """The filter of the bound tenant's segment ``segment_id`` (:class:`NotFound` if there is none)."""
    segment = db.session.get(Segment, (current_tenant_id(), segment_id))
    if segment is None:
        raise NotFound("segment not found")
    return segment.conditions


def conditions(given: SegmentFilter) -> list[sa.ColumnElement]:
    """WHERE conditions over ``Customer`` joined with ``CustomerFigures`` (see :func:`with_figures`)."""
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
    tally = [sa.func.count().filter(sa.and_(sa.true(), *conditions(given))) for given in filters]
    stmt = with_figures(sa.select(*tally).select_from(Customer)).where(Customer.deleted_at.is_(None))
    return list(db.session.execute(stmt).one())
