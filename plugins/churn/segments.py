"""Customers at risk as segments. The module adds the condition ``churn.level`` to the core's
segment filters, beside tiers and tags, so "at risk, core" is a segment like any other, which the
customer list, exports and a survey's sending use::

    {"tiers": ["core"], "modules": {"churn.level": ["high"]}}

When a workspace turns the module on, it saves those it will want (:data:`STARTING`), unless it
has a segment of that name already.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.hooktypes import SegmentCondition
from saas.core.segments import Segment, SegmentFilter

from plugins.churn.models import Level, Score
from plugins.churn.pages.wording import LEVELS

LEVEL = "churn.level"


def condition() -> SegmentCondition:
    return SegmentCondition(LEVEL, _l("Churn risk"), {level.value: LEVELS[level.value] for level in Level},
                            where=_at_levels)


def _at_levels(values: tuple[str, ...]) -> sa.ColumnElement:
    return Customer.id.in_(sa.select(Score.customer_id).where(Score.level.in_([Level(v) for v in values])))


def at_risk(tiers: tuple[str, ...] = ()) -> SegmentFilter:
    return SegmentFilter(tiers=tiers, modules={LEVEL: (Level.high.value,)})


STARTING = (  # (name, description, filter), named in the workspace's language
    (lambda: _("At risk"), lambda: _("Customers at high churn risk"), at_risk()),
    (lambda: _("At risk: core customers"), lambda: _("Core customers at high churn risk"), at_risk(("core",))),
    (lambda: _("At risk: important customers"), lambda: _("Important customers at high churn risk"),
     at_risk(("important",))),
)


def save_starting(tenant) -> None:
    """Save :data:`STARTING`'s segments the workspace has no segment of that name for."""
    taken = set(db.session.scalars(sa.select(Segment.name)))
    with force_locale(tenant.settings.get("locale") or "en"):
        for name, description, given in STARTING:
            if name() not in taken:
                db.session.add(Segment(name=name(), description=description(), filter=given.as_json()))
    db.session.flush()
