"""Classification (客户分类): value tiers by trailing spend and lifecycle stages, built on customers.

- ``rules``: the workspace's rules (:class:`Rules`), the tiers and stages
- ``models``: each customer's figures, tier and stage, and the history of their changes
- ``recompute``: :func:`refresh`, the one way figures change, for a few customers or a whole
  workspace, in SQL over sets; overrides by hand; the nightly recompute
- ``announce``: the nightly recompute's events, written after its transaction a page at a time
- ``explanations``: why a customer is in its tier and stage, in words, and its history

Plugins read tiers as ``from saas.core.classification import Tier``.
"""

from saas.core.classification.models import ClassificationChange, CustomerFigures
from saas.core.classification.rules import (
    LABELS,
    MAX_AMOUNT,
    Rules,
    Stage,
    Tier,
    months_before,
)

__all__ = ["ClassificationChange", "CustomerFigures", "LABELS", "MAX_AMOUNT", "Rules", "Stage", "Tier", "months_before"]
