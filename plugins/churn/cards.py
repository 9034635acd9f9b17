"""The churn module's KPI tiles (``saas_report_cards``: ``GET /api/v1/reports/cards`` and the
dashboard): customers at high risk, open win-back tasks, and this month's win-back rate and revenue
won back beside last month's (:mod:`plugins.churn.kpis`)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.hooktypes import ReportCard

from plugins.churn import kpis
from plugins.churn.models import OPEN_STATUSES, Level, Score, Task


def cards() -> list[ReportCard]:
    live = sa.and_(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))
    high = db.session.scalar(sa.select(sa.func.count()).select_from(Score).join(Customer, Customer.id == Score.customer_id)
                             .where(Score.level == Level.high, live))
    open_tasks = db.session.scalar(sa.select(sa.func.count()).select_from(Task).join(Customer, Customer.id == Task.customer_id)
                                   .where(Task.status.in_(OPEN_STATUSES), live))
    last, this = [row for row in kpis.by_month(2) if row["tier"] == kpis.ALL]
    return [
        ReportCard("at_risk", _l("Customers at high churn risk"), int(high or 0)),
        ReportCard("open_tasks", _l("Open win-back tasks"), int(open_tasks or 0)),
        ReportCard("win_back_rate", _l("Win-back rate this month"),
                   this["win_back_rate"], "percent", last["win_back_rate"]),  # None: nothing closed yet
        ReportCard("revenue_won_back", _l("Revenue won back this month"), float(this["revenue_won_back"]), "money",
                   float(last["revenue_won_back"])),
    ]
