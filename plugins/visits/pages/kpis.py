"""``/visits/kpis``: a month's visit compliance (回访 completion against plan in all, by tier and
by person, the on-time rate, the average delay, each person's workload) and the purchase lift of
the visits done, by tier, as ``GET /api/v1/visits/kpis`` reports them; and a chart of the last six
months' completion and on-time rate beside the month's planned and done visits by tier. Every
member may read it."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas.auth import current_principal
from saas.web.labels import in_page_language

from plugins.visits import agenda as agendas
from plugins.visits import clock
from plugins.visits import kpis as figures
from plugins.visits.api import KpiArgs
from plugins.visits.pages import pages
from plugins.visits.pages.arguments import loaded
from plugins.visits.pages.wording import TIERS

FILTER_LABELS = {"month": _l("Month")}
TREND_MONTHS = 6


@pages.route("/kpis")
def kpis():
    args, shown, errors = loaded(KpiArgs(), request.args)
    tiers, labels = in_page_language(TIERS, FILTER_LABELS)
    today = clock.today()
    first, last = figures.month_of(args.get("month"), today)
    found = figures.compliance(first, last) if not errors else None
    lift = figures.lift(first, last) if not errors else []
    trend = _trend(first, today) if not errors else []
    names = {user_id: name for user_id, name, _team in agendas.members()}
    return render_template(
        "visits/kpis.html", found=found, lift=lift, trend=trend, first=first, last=last, errors=errors,
        filter_labels=labels, tiers=tiers, names=names, month=f"{first:%Y-%m}",
        currency=current_principal().tenant.settings.get("currency", "CNY"),
        charts={"trend": _trend_chart(trend), "tiers": _tier_chart(found, tiers)} if found else {},
    ), 400 if errors else 200


def _trend(first: dt.date, today: dt.date) -> list[dict]:
    """The six months up to ``first``'s: each one's totals."""
    months = []
    start = first
    for _n in range(TREND_MONTHS):
        months.append(start)
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return [{"label": format_date(month, "MMM y"), **figures.compliance(*figures.month_of(f"{month:%Y-%m}", today))["total"]}
            for month in reversed(months)]


def _trend_chart(trend: list[dict]) -> dict:
    """What ``visits-charts.js`` draws as ``trend``."""
    return {"months": [row["label"] for row in trend], "completion": [row["completion"] for row in trend],
            "onTime": [row["on_time_rate"] for row in trend], "planned": [row["planned"] for row in trend],
            "completionName": _("Completion"), "onTimeName": _("On time"), "plannedName": _("Planned")}


def _tier_chart(found: dict, tiers: dict) -> dict:
    rows = [row for row in found["by_tier"] if row["planned"]]
    return {"tiers": [tiers.get(row["tier"], _("No tier")) if row["tier"] else _("No tier") for row in rows],
            "planned": [row["planned"] for row in rows], "done": [row["done"] for row in rows],
            "plannedName": _("Planned"), "doneName": _("Done")}
