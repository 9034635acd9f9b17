"""What a clock counts: every second (around the clock, the default), or only the workspace's
business hours on its working days (the ``holidays`` calendar with China's make-up working days,
:class:`saas.core.workdays.Workdays`, in the workspace's time zone).

Both answer two questions: how much counted time lies between two instants (:meth:`counted`),
and the instant at which a given amount of counted time from a start is used up (:meth:`after`).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator

from saas.core.workdays import Workdays

YEARS_AHEAD = 3660  # days a business-hours walk may take before it gives up (a ten-year target)


class AroundTheClock:
    def counted(self, start: dt.datetime, end: dt.datetime) -> float:
        return max(0.0, (end - start).total_seconds())

    def after(self, start: dt.datetime, seconds: float) -> dt.datetime:
        return start + dt.timedelta(seconds=seconds)


class BusinessHours:
    """``opens``..``closes`` local time on the working days of calendar ``code``, in ``zone``."""

    def __init__(self, code: str, zone: zoneinfo.ZoneInfo, opens: dt.time, closes: dt.time):
        if closes <= opens:
            raise ValueError("business hours close after they open")
        self.code, self.zone, self.opens, self.closes = code, zone, opens, closes

    def _windows(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """The working windows (UTC) from the local day of ``start`` on, in order."""
        day = start.astimezone(self.zone).date()
        days = Workdays(self.code, day, day + dt.timedelta(days=400))
        for _ in range(YEARS_AHEAD):
            if days.is_working(day):
                yield (dt.datetime.combine(day, self.opens, self.zone).astimezone(dt.timezone.utc),
                       dt.datetime.combine(day, self.closes, self.zone).astimezone(dt.timezone.utc))
            day += dt.timedelta(days=1)
        raise ValueError(f"no end to the business-hours walk from {start}")

    def counted(self, start: dt.datetime, end: dt.datetime) -> float:
        total = 0.0
        if end <= start:
            return total
        for opens, closes in self._windows(start):
            if opens >= end:
                break
            total += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
        return total

    def after(self, start: dt.datetime, seconds: float) -> dt.datetime:
        left = seconds
        for opens, closes in self._windows(start):
            begin = max(opens, start)
            if begin >= closes:
                continue
            room = (closes - begin).total_seconds()
            if left <= room:
                return begin + dt.timedelta(seconds=left)
            left -= room
        raise AssertionError("unreachable: _windows raises first")
