"""A recurrence rule (RFC 5545 RRULE) in words, in the page's language: ``FREQ=WEEKLY;INTERVAL=2;BYDAY=MO``
is "Every 2 weeks, on Monday", 每 2 周，周一. Weekday and month names come from Babel's locale
data; a part the words do not cover (BYSETPOS, BYWEEKNO...) is shown as written, so the
sentence never says less than the rule. The rule is checked by :func:`plugins.visits.cadences.parse`
before it is worded; these words only read it."""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import get_day_names, get_month_names
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import ngettext, pgettext

from plugins.visits import cadences

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WORDED = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL", "WKST"}


def parts(text: str) -> tuple[dict[str, str], dt.date | None]:
    """The RRULE's parts (``{"FREQ": "WEEKLY", ...}``) and its own DTSTART day, if it has one."""
    found: dict[str, str] = {}
    start = None
    for line in re.split(r"[\r\n]+", text.strip()):
        name, _sep, value = line.partition(":")
        if name.upper().startswith("DTSTART"):
            start = _day(value)
            continue
        body = value if name.upper() == "RRULE" else line
        for part in body.split(";"):
            key, _eq, item = part.partition("=")
            if key.strip():
                found[key.strip().upper()] = item.strip().upper()
    return found, start


def _day(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text.strip()[:8], "%Y%m%d").date()
    except ValueError:
        return None


def _every(freq: str, interval: int) -> str:
    if interval == 1:  # its own words: Chinese has one plural form ("每 1 个月" is not said)
        return {"DAILY": _("Every day"), "WEEKLY": _("Every week"), "MONTHLY": _("Every month")}.get(freq) or _(
            "Every year")
    if freq == "DAILY":
        return _("Every %(num)d days", num=interval)
    if freq == "WEEKLY":
        return _("Every %(num)d weeks", num=interval)
    if freq == "MONTHLY":
        return _("Every %(num)d months", num=interval)
    return _("Every %(num)d years", num=interval)


def _ordinal(n: int) -> str | None:
    return {1: _("the first"), 2: _("the second"), 3: _("the third"), 4: _("the fourth"),
            -1: _("the last"), -2: _("the second last")}.get(n)


def _weekdays(value: str) -> str | None:
    names = get_day_names("wide", locale=get_locale())
    words = []
    for item in value.split(","):
        found = re.fullmatch(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)", item.strip())
        if not found:
            return None
        name = names[DAYS.index(found.group(2))]
        if found.group(1):
            ordinal = _ordinal(int(found.group(1)))
            if ordinal is None:
                return None
            name = _("%(ordinal)s %(day)s", ordinal=ordinal, day=name)
        words.append(name)
    return _("on %(days)s", days=_listed(words))


def _month_days(value: str) -> str | None:
    words = []
    for item in value.split(","):
        if not re.fullmatch(r"-?\d{1,2}", item.strip()):
            return None
        n = int(item)
        words.append(_("the last day") if n == -1 else _("day %(num)d", num=n) if n > 0 else None)
    if None in words:
        return None
    return _("on %(days)s", days=_listed(words))


def _months(value: str) -> str | None:
    names = get_month_names("wide", locale=get_locale())
    try:
        return _("in %(months)s", months=_listed([names[int(item)] for item in value.split(",")]))
    except (ValueError, KeyError):
        return None


def _listed(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("%(items)s and %(last)s", items=_(", ").join(words[:-1]), last=words[-1])


def sentence(text: str, start: dt.date) -> str:
    """Rule ``text`` (counted from ``start`` unless it has its own DTSTART) in words."""
    found, own_start = parts(text)
    freq = found.get("FREQ", "")
    if freq not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        return text
    interval = int(found["INTERVAL"]) if found.get("INTERVAL", "").isdigit() and int(found["INTERVAL"]) > 0 else 1
    pieces = [_every(freq, interval)]
    left = [key for key in found if key not in WORDED]
    for key, word in (("BYDAY", _weekdays), ("BYMONTHDAY", _month_days), ("BYMONTH", _months)):
        if key in found:
            worded = word(found[key])
            if worded is None:
                left.append(key)
            else:
                pieces.append(worded)
    if found.get("COUNT", "").isdigit():
        pieces.append(ngettext("%(num)d time", "%(num)d times", int(found["COUNT"])))
    if found.get("UNTIL"):
        until = _day(found["UNTIL"])
        pieces.append(_("until %(day)s", day=format_date(until, "medium")) if until else found["UNTIL"])
    pieces.append(_("counted from %(day)s", day=format_date(own_start or start, "medium")))
    if left:
        pieces.append("(" + ";".join(f"{key}={found[key]}" for key in left) + ")")
    return pgettext("between clauses", ", ").join(pieces)  # 每 2 周，星期一 (a list's items: 、)


def next_days(text: str, start: dt.date, today: dt.date, count: int = 3) -> list[dt.date]:
    """The next ``count`` days the rule falls on from ``today`` (a year ahead at most)."""
    try:
        return cadences.occurrences(text, start, today, today + dt.timedelta(days=366))[:count]
    except cadences.BadRule:
        return []
