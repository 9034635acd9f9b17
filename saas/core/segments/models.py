"""A segment's filter (:class:`SegmentFilter`: tiers, stages, tags, spend, scores...) and the
segments table, which saves one by name."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantScoped, Timestamped, db

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
    modules: dict[str, tuple[str, ...]] = field(default_factory=dict)  # an enabled module's conditions: key -> any of values

    @classmethod
    def from_json(cls, data: dict) -> "SegmentFilter":
        given = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        for key in ("tiers", "stages", "kinds", "industries", "regions", "teams", "tags"):
            given[key] = tuple(given.get(key) or ())
        given["owner_ids"] = tuple(uuid.UUID(str(i)) for i in given.get("owner_ids") or ())
        for key in ("spend_min", "spend_max"):
            given[key] = None if given.get(key) is None else Decimal(str(given[key]))
        given["scores"] = {name: tuple(pair) for name, pair in (given.get("scores") or {}).items()}
        given["modules"] = {key: tuple(values) for key, values in (given.get("modules") or {}).items()}
        return cls(**given)

    def as_json(self) -> dict:
        plain = asdict(self)
        plain["owner_ids"] = [str(i) for i in self.owner_ids]
        for key in ("spend_min", "spend_max"):
            plain[key] = None if plain[key] is None else str(plain[key])
        plain["scores"] = {name: list(pair) for name, pair in self.scores.items()}
        plain["modules"] = {key: list(values) for key, values in self.modules.items()}
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
