"""The glossary's words for the value tiers and lifecycle stages, by code, in the page's language:
one table for every page and module that names them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.core.classification import Stage, Tier

TIER_LABELS = {Tier.core.value: _l("Core"), Tier.important.value: _l("Important"), Tier.basic.value: _l("Basic"),
               Tier.general.value: _l("General"), Tier.potential.value: _l("Potential")}
STAGE_LABELS = {Stage.potential.value: _l("Prospect"), Stage.new.value: _l("New"), Stage.active.value: _l("Active"),
                Stage.dormant.value: _l("Dormant"), Stage.churned.value: _l("Churned")}
