"""The visits module's KPI tiles (``saas_report_cards``: ``GET /api/v1/reports/cards`` and the
dashboard): this month's completion against plan beside last month's, and the visits overdue now."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from saas.core.hooktypes import ReportCard

from plugins.visits import agenda, clock, kpis


def cards(tenant) -> list[ReportCard]:
    today = clock.today(tenant)
    first, _last = kpis.month_of(None, today)
    now = kpis.compliance(*kpis.month_of(None, today))["total"]
    then = kpis.compliance(*kpis.month_of(f"{first - dt.timedelta(days=1):%Y-%m}", today))["total"]
    return [ReportCard("completion", _l("Visits done against plan"), now["completion"], "percent",  # None: none due
                       then["completion"]),
            ReportCard("overdue", _l("Overdue visits"), agenda.overdue_count())]
