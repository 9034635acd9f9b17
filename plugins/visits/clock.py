"""The workspace's local day and time (its ``timezone`` setting)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from saas.core.tenancy import current_tenant
from saas.core.types import utcnow


def zone(tenant=None) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo((tenant or current_tenant()).settings.get("timezone", "UTC"))


def today(tenant=None, now: dt.datetime | None = None) -> dt.date:
    return (now or utcnow()).astimezone(zone(tenant)).date()


def due_at(day: dt.date, minute: int | None, tz: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """A visit's local day and minute as an aware UTC time (None: no time of day)."""
    if minute is None:
        return None
    local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=tz)
    return local.astimezone(dt.timezone.utc)
