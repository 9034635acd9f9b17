"""The customer list's table rows, as HTML built in Python.

A list page holds 50 to 200 rows of up to eleven cells. Placed by Jinja, every cell was a branch, a
generator step and an escape, and the rows cost the page more than its database statements did; here
a row is one string, each value escaped by markupsafe, and the template places the rows whole.
What a cell shows (its label, money, a date) is formatted once per page by :class:`RowFormat`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import NamedTuple

from flask_babel import get_locale, get_timezone
from markupsafe import Markup, escape

from saas.web.money import money_formatter


class RowFormat(NamedTuple):
    """What a page formats its rows with: translated labels, names, and the locale's formats."""

    columns: tuple[str, ...]  # the chosen columns' codes, in table order
    tiers: dict  # code -> translated label
    stages: dict
    owners: dict  # user id -> shown name
    profile: Callable[[str], str]  # customer id -> the profile's URL
    money: Callable[[Decimal], str]
    day: Callable[[dt.datetime], str]


def formatters(currency: str) -> tuple[Callable[[Decimal], str], Callable[[dt.datetime], str]]:
    """Money in ``currency`` and dates in the page's locale and time zone, as Flask-Babel's
    ``format_currency`` and ``format_date`` format them, with the locale's patterns looked up once
    per page, and each day formatted once however many rows share it."""
    locale, zone = get_locale(), get_timezone()
    day = locale.date_formats["medium"]
    days: dict[dt.date, str] = {}

    def format_day(moment: dt.datetime) -> str:
        local = moment.astimezone(zone).date()
        if local not in days:
            days[local] = day.apply(local, locale)
        return days[local]

    return money_formatter(locale, currency), format_day


def _badge(kind: str, code, labels: dict) -> str:
    return f'<td><span class="{kind} {kind}-{code.value}">{escape(labels[code])}</span></td>' if code else "<td></td>"


_CELLS: dict[str, Callable[[dict, RowFormat], str]] = {  # column code -> its cell
    "company": lambda row, fmt: f"<td>{escape(row['company'] or '')}</td>",
    "email": lambda row, fmt: f"<td>{escape(row['email'] or '')}</td>",
    "phone": lambda row, fmt: f"<td>{escape(row['phone'] or '')}</td>",
    "tier": lambda row, fmt: _badge("tier", row["tier"], fmt.tiers),
    "lifecycle_stage": lambda row, fmt: _badge("stage", row["lifecycle_stage"], fmt.stages),
    "spend": lambda row, fmt: ('<td class="number"></td>' if row["revenue_window"] is None
                               else f'<td class="number">{escape(fmt.money(row["revenue_window"]))}</td>'),
    "owner": lambda row, fmt: f"<td>{escape(fmt.owners.get(row['owner_id'], ''))}</td>",
    "team": lambda row, fmt: f"<td>{escape(row['team'] or '')}</td>",
    "tags": lambda row, fmt: "<td>" + "".join(f'<span class="tag">{escape(tag)}</span> ' for tag in row["tag_names"]) + "</td>",
    "created_at": lambda row, fmt: f'<td class="date">{escape(fmt.day(row["created_at"]))}</td>',
}


def rows_html(items: Iterable[dict], fmt: RowFormat) -> list[Markup]:
    """One ``<tr>`` per customer (a dict of the core search's row): the tick box, the name linked
    to the profile, then the chosen columns."""
    cells = [_CELLS[code] for code in fmt.columns]
    shown = []
    for row in items:
        customer_id = str(row["id"])
        shown.append(Markup(
            f'<tr><td><input type="checkbox" name="ids" value="{customer_id}" aria-labelledby="name-{customer_id}"></td>'
            f'<th scope="row" id="name-{customer_id}"><a href="{escape(fmt.profile(customer_id))}">{escape(row["name"])}</a></th>'
            + "".join(cell(row, fmt) for cell in cells) + "</tr>"))
    return shown
