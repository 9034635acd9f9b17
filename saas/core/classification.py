"""Classification (客户分类): value tiers, lifecycle stages and the figures they are computed from.

A customer's tier and stage follow from its purchases under the tenant's rules
(:class:`Rules`, kept in the tenant's settings under ``classification``). The figures, the
rule-given tier, a manual override and the stage live in ``customer_figures``, one row per
customer; every change of tier or stage is a row of ``classification_changes`` and an event.
The computing is in :mod:`saas.core.services.classification`.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantOwned, TenantScoped, db, tenant_fk
from saas.core.errors import Invalid
from saas.core.types import Money, UTCDateTime, utcnow


MAX_AMOUNT = Decimal(10) ** 12  # thresholds above this could not be stored as cents in a BIGINT anyway


class Tier(str, enum.Enum):
    """Value tiers, highest first (客户分层)."""

    core = "core"
    important = "important"
    basic = "basic"
    general = "general"
    potential = "potential"


class Stage(str, enum.Enum):
    """Lifecycle stages (客户生命周期)."""

    potential = "potential"
    new = "new"
    active = "active"
    dormant = "dormant"
    churned = "churned"


# What people read for each code (the glossary's labels), by the workspace's locale.
LABELS = {
    "en": {
        "tier": {"core": "Core", "important": "Important", "basic": "Basic", "general": "General",
                 "potential": "Potential"},
        "lifecycle_stage": {"potential": "Prospect", "new": "New", "active": "Active", "dormant": "Dormant",
                            "churned": "Churned"},
    },
    "zh_CN": {
        "tier": {"core": "核心客户", "important": "重要客户", "basic": "基础客户", "general": "一般客户",
                 "potential": "潜在客户"},
        "lifecycle_stage": {"potential": "潜在客户", "new": "新客户", "active": "活跃客户", "dormant": "休眠客户",
                            "churned": "流失客户"},
    },
}


@dataclass(frozen=True)
class Rules:
    """A tenant's classification rules; amounts in the tenant's currency.

    Tiers by spend in the trailing ``window_months``: at least ``core`` is core, at least
    ``important`` important, at least ``basic`` basic; any other buyer is general, and a customer
    who has not bought but has been in touch is potential. Stages by purchase dates: no purchase
    is potential; a first purchase within ``new_days`` is new; a last purchase within
    ``dormant_days`` is active; older than ``churned_days`` is churned; in between, dormant.
    """

    core: Decimal = Decimal(100_000)
    important: Decimal = Decimal(30_000)
    basic: Decimal = Decimal(10_000)
    window_months: int = 12
    new_days: int = 90
    dormant_days: int = 180
    churned_days: int = 365

    @classmethod
    def of(cls, settings: dict | None) -> "Rules":
        """The rules stored in a tenant's settings, the seed plan's defaults where unset."""
        stored = (settings or {}).get("classification") or {}
        fields = {key: value for key, value in stored.items() if key in cls.__dataclass_fields__}
        for key in ("core", "important", "basic"):
            if key in fields:
                fields[key] = Decimal(str(fields[key]))
        return cls(**fields)

    def check(self) -> "Rules":
        """Raise :class:`Invalid` (422) unless the thresholds are in order."""
        errors: dict[str, list[str]] = {}
        if not MAX_AMOUNT >= self.core > self.important > self.basic > 0:
            errors["core"] = [f"Tier thresholds must fall: {MAX_AMOUNT:,} >= core > important > basic > 0."]
        if not 1 <= self.window_months <= 120:
            errors["window_months"] = ["From 1 to 120 months."]
        if not 1 <= self.new_days <= self.dormant_days:
            errors["new_days"] = ["From 1 day to dormant_days: a new customer cannot be dormant yet."]
        if not 1 <= self.dormant_days < self.churned_days <= 3650:
            errors["dormant_days"] = ["Days must rise: 1 <= dormant_days < churned_days <= 3650."]
        if errors:
            raise Invalid("invalid classification rules", errors)
        return self

    def as_settings(self) -> dict:
        return {key: str(value) if isinstance(value, Decimal) else value for key, value in asdict(self).items()}

    def window_start(self, now: dt.datetime) -> dt.datetime:
        return months_before(now, self.window_months)


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time ``months`` earlier (the month's last day where the day is missing)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


class CustomerFigures(TenantOwned, db.Model):
    """One customer's figures, tier and stage, kept by :mod:`saas.core.services.classification`.

    Amounts are net of refunds; a fully refunded purchase does not count as an order. R/F/M
    scores are quintiles (1-5, 5 best) among the tenant's buyers: recency by last purchase,
    frequency by orders, monetary by revenue, both over the customer's whole history.
    """

    __tablename__ = "customer_figures"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.Index("ix_customer_figures_tier", "tenant_id", "tier"),
        sa.Index("ix_customer_figures_stage", "tenant_id", "lifecycle_stage"),
        sa.Index("ix_customer_figures_last_purchase", "tenant_id", "last_purchase_at"),
        sa.Index("ix_customer_figures_orders", "tenant_id", "orders_total"),
        sa.Index("ix_customer_figures_revenue", "tenant_id", "revenue_total"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    first_purchase_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_purchase_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    orders_total: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    revenue_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    orders_window: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    revenue_window: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    in_touch: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    r_score: Mapped[int | None] = mapped_column(sa.SmallInteger)
    f_score: Mapped[int | None] = mapped_column(sa.SmallInteger)
    m_score: Mapped[int | None] = mapped_column(sa.SmallInteger)
    rule_tier: Mapped[Tier | None] = mapped_column(sa.Enum(Tier, native_enum=False, length=20))
    tier_override: Mapped[Tier | None] = mapped_column(sa.Enum(Tier, native_enum=False, length=20))
    override_reason: Mapped[str | None] = mapped_column(sa.String(500))
    override_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    tier: Mapped[Tier | None] = mapped_column(sa.Enum(Tier, native_enum=False, length=20))
    lifecycle_stage: Mapped[Stage] = mapped_column(
        sa.Enum(Stage, native_enum=False, length=20), default=Stage.potential, server_default=Stage.potential.value
    )
    computed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def average_order_value(self) -> Decimal | None:
        if not self.orders_total:
            return None
        return (self.revenue_total / self.orders_total).quantize(Decimal("0.01"))

    @property
    def typical_interval_days(self) -> float | None:
        """The mean gap between purchases: first to last, over the gaps between the orders."""
        if self.orders_total < 2 or self.first_purchase_at is None or self.last_purchase_at is None:
            return None
        span = self.last_purchase_at - self.first_purchase_at
        return round(span.total_seconds() / 86400 / (self.orders_total - 1), 1)

    @property
    def override_active(self) -> bool:
        return self.tier_override is not None and (self.override_until is None or self.override_until > utcnow())


class ClassificationChange(TenantScoped, db.Model):
    """A change of a customer's tier or stage, with the reason it was made (append-only)."""

    __tablename__ = "classification_changes"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.Index("ix_classification_changes_customer", "tenant_id", "customer_id", "changed_at"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[str] = mapped_column(sa.String(10))  # "tier", "stage", or "override" (a manual tier set or removed)
    old: Mapped[str | None] = mapped_column(sa.String(20))
    new: Mapped[str | None] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.String(500))
    actor: Mapped[str] = mapped_column(sa.String(80))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
