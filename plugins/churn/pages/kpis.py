"""``/churn/kpis``: what the warnings and the win-back work bring, month by month, over every tier
or one (``?tier=core``), as ``GET /api/v1/churn/kpis`` reports it (``plugins.churn.kpis.by_month``):
churn rate, win-back rate, revenue won back and days to win back, as a chart and a table. Every
member may read it."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas.auth import current_principal
from saas.web.labels import in_page_language

from plugins.churn import kpis as figures
from plugins.churn.api import KpiArgs
from plugins.churn.kpis import ALL
from plugins.churn.pages import pages
from plugins.churn.pages.arguments import loaded
from plugins.churn.pages.wording import TIERS

PERIODS = (3, 6, 12, 24)
FILTER_LABELS = {"tier": _l("Tier"), "months": _l("Period")}


@pages.route("/kpis")
def kpis():
    args, shown, errors = loaded(KpiArgs(), request.args)
    tiers, labels = in_page_language(TIERS, FILTER_LABELS)
    rows = [] if errors else [row for row in figures.by_month(args["months"], args["tier"])
                              if row["tier"] == (args["tier"] or ALL)]
    for row in rows:
        row["label"] = format_date(dt.date.fromisoformat(row["month"] + "-01"), "MMM y")
    return render_template("churn/kpis.html", rows=rows, shown=shown, errors=errors, tiers=tiers,
                           filter_labels=labels, periods=PERIODS, months=args.get("months"),
                           currency=current_principal().tenant.settings.get("currency", "CNY"),
                           charts={"kpis": _chart(rows)} if rows else {}), 400 if errors else 200


def _chart(rows: list[dict]) -> dict:
    """The figures ECharts draws (``churn-charts.js``, ``kpis``)."""
    return {"months": [row["label"] for row in rows], "revenue": [float(row["revenue_won_back"]) for row in rows],
            "churnRate": [row["churn_rate"] for row in rows], "winBackRate": [row["win_back_rate"] for row in rows],
            "revenueName": _("Revenue won back"), "churnName": _("Churn rate"), "winBackName": _("Win-back rate")}
