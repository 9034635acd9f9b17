"""A workspace's working days, by its calendar: the ``holidays`` package's public holidays and,
where the country has them, make-up working days (China's 调休: Saturday 10 October 2026 is one).

In the core because two modules count by it (visits plan on working days, complaints count
business hours on them), and modules never import each other."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=32)
def _calendar(code: str, years: tuple[int, ...]) -> holidays.HolidayBase:
    return holidays.country_holidays(code, years=years)


class Workdays:
    """The working days of calendar ``code`` (a country) around ``first``..``last``."""

    def __init__(self, code: str, first: dt.date, last: dt.date):
        self._days = _calendar(code, tuple(range(first.year - 1, last.year + 2)))

    def is_working(self, day: dt.date) -> bool:
        return self._days.is_working_day(day)

    def on_or_after(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next one."""
        for _ in range(60):  # no calendar has two months off
            if self.is_working(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError(f"no working day in the 60 days from {day}")

    def next_after(self, day: dt.date) -> dt.date:
        return self.on_or_after(day + dt.timedelta(days=1))


def known(code: str) -> bool:
    """Whether ``code`` is a country the ``holidays`` package has a calendar of."""
    return code in holidays.list_supported_countries()
