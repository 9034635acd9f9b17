"""Customers at risk as a segment ("at risk, core"): the core's segments take no condition from a
module (``SegmentFilter`` has no hook for it), so the churn module offers its own selection, which a
page, an export or another module's targeting combines with any core filter:

    ids = db.session.scalars(at_risk(SegmentFilter(tiers=("core",), regions=("浙江",))))

The same customers are listed by ``GET /api/v1/churn/at-risk?tier=core&level=high``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from saas.core.segments import SegmentFilter, matching

from plugins.churn.models import Level, Score

NAMED = {  # the segments offered by name: (the core filter, the levels)
    "at_risk": (SegmentFilter(), (Level.high,)),
    "at_risk_core": (SegmentFilter(tiers=("core",)), (Level.high,)),
    "at_risk_important": (SegmentFilter(tiers=("important",)), (Level.high,)),
    "drifting": (SegmentFilter(), (Level.medium,)),
}


def at_risk(within: SegmentFilter | None = None, levels: Sequence[Level] = (Level.high,)) -> sa.Select:
    """A SELECT of the ids of the live customers at ``levels`` that ``within`` (a core filter) holds."""
    return sa.select(Score.customer_id).where(Score.level.in_(list(levels)),
                                              Score.customer_id.in_(matching(within or SegmentFilter())))


def named(name: str) -> sa.Select:
    """One of :data:`NAMED` (KeyError for another name)."""
    within, levels = NAMED[name]
    return at_risk(within, levels)
