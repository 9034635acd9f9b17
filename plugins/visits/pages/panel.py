"""The visits module's block on a customer's profile (``saas_customer_panels``): the next planned
visit (day, purpose, channel), the last one logged (day and outcome), and the cadence the
customer follows (its own, or its tier's, in words), linking to the customer's cadence page."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from saas.core.classification import CustomerFigures
from saas.core.db import db
from saas.core.hooktypes import Panel
from saas.web.labels import in_page_language

from plugins.visits import planner, sentences
from plugins.visits.models import OwnCadence, Status, Visit
from plugins.visits.pages.wording import CHANNELS, PURPOSES, STATUSES


def panel(customer) -> Panel:
    statuses, channels, purposes = in_page_language(STATUSES, CHANNELS, PURPOSES)
    upcoming = db.session.scalar(sa.select(Visit).where(Visit.customer_id == customer.id, Visit.status == Status.planned)
                                 .order_by(Visit.due_on, Visit.id).limit(1))
    logged = db.session.scalar(sa.select(Visit).where(Visit.customer_id == customer.id,
                                                      Visit.status.not_in((Status.planned, Status.rescheduled)))
                               .order_by(Visit.logged_at.desc(), Visit.id.desc()).limit(1))
    rows = []
    if upcoming is not None:
        rows.append((_("Next visit"), _("%(day)s: %(purpose)s, %(channel)s", day=format_date(upcoming.due_on, "medium"),
                                         purpose=purposes[upcoming.purpose], channel=channels[upcoming.channel])))
    else:
        rows.append((_("Next visit"), _("None planned")))
    if logged is not None:
        rows.append((_("Last visit"), _("%(day)s: %(outcome)s", day=format_date(logged.logged_on or logged.due_on, "medium"),
                                         outcome=statuses[logged.status.value])))
    rows.append((_("Cadence"), _cadence(customer.id)))
    return Panel(planner.NAME, _("Return visits"), tuple(rows), link=f"/visits/customers/{customer.id}/cadence")


def _cadence(customer_id) -> str:
    settings = planner.settings()
    start = settings["cadence_start"]
    own = db.session.scalar(sa.select(OwnCadence).where(OwnCadence.customer_id == customer_id))
    if own is not None:
        return _("Its own: %(rule)s", rule=sentences.sentence(own.rule, start))
    tier = db.session.scalar(sa.select(CustomerFigures.tier).where(CustomerFigures.customer_id == customer_id))
    found = settings["cadences"].get(tier or "", [])
    if not found:
        return _("None for its tier")
    return "; ".join(sentences.sentence(cadence["rule"], start) for cadence in found)
