"""The customer's profile panel: their open complaints, the latest one with its status, and the
breaches of the last 90 days; its link opens a new case for them."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from saas.core.db import db
from saas.core.hooktypes import Panel

from plugins.complaints import clock
from plugins.complaints.alerts import BREACH
from plugins.complaints.models import OPEN_STATUSES, Alert, Case
from plugins.complaints.pages.wording import STATUSES, category_label
from plugins.complaints.settings import NAME


def panel(customer) -> Panel:
    open_cases = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(
        Case.customer_id == customer.id, Case.status.in_(OPEN_STATUSES)))
    latest = db.session.scalar(sa.select(Case).where(Case.customer_id == customer.id)
                               .order_by(Case.opened_at.desc(), Case.id.desc()).limit(1))
    breaches = db.session.scalar(
        sa.select(sa.func.count()).select_from(Alert).join(Case, Case.id == Alert.case_id)
        .where(Case.customer_id == customer.id, Alert.level == BREACH,
               Alert.at >= clock.now() - dt.timedelta(days=90)))
    rows = [(_("Open complaints"), str(open_cases or 0))]
    if latest is not None:
        rows.append((_("Latest complaint"), _("%(category)s, %(status)s (%(when)s)",
                                              category=category_label(latest.category),
                                              status=STATUSES[latest.status.value],
                                              when=latest.opened_at.date().isoformat())))
    rows.append((_("Missed clocks in 90 days"), str(breaches or 0)))
    return Panel(NAME, _("Complaints"), tuple(rows), link=f"/complaints/new?customer_id={customer.id}")
