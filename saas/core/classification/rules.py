"""The workspace's classification rules: value tiers by trailing spend, lifecycle stages by the
days since the first and last purchase (kept in the tenant's settings under ``classification``)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import asdict, dataclass
from decimal import Decimal

from saas.core.errors import Invalid

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
