"""Why a customer is in its tier and stage, in words, and the history of its changes.

Each reason is written once, by a function that takes its variable parts either as Python text
(the customer page, for one customer) or as SQL text expressions (a recompute's history rows,
for all of them at once): ``"words " + part`` reads the same either way.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa

from saas.core.classification.models import ClassificationChange, CustomerFigures
from saas.core.classification.rules import Rules, Stage, Tier
from saas.core.db import db
from saas.core.pagination import Page, paginate
from saas.core.sql import money_text, whole_days
from saas.core.types import UTCDateTime, utcnow


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def _tier_words(tier: str | None, spend, rules: Rules):
    """Why the rules give ``tier``; ``spend`` is the trailing spend as text."""
    if tier is None:
        return "no purchase and no contact yet"
    if tier == Tier.potential.value:
        return "no purchase yet, but in touch"
    spend = f"spend in the last {rules.window_months} months " + spend
    thresholds = {Tier.core.value: rules.core, Tier.important.value: rules.important, Tier.basic.value: rules.basic}
    if tier in thresholds:
        return spend + f" >= {_amount(thresholds[tier])} ({tier})"
    return spend + f" < {_amount(rules.basic)} (general)"


def _stage_words(stage: str, since_first, since_last, rules: Rules):
    """Why a customer is in ``stage``; the days since the first and last purchase as text."""
    if stage == Stage.potential.value:
        return "no purchase yet"
    if stage == Stage.new.value:
        return "first purchase " + since_first + f" days ago (new for {rules.new_days} days)"
    if stage == Stage.active.value:
        return "last purchase " + since_last + f" days ago (active within {rules.dormant_days} days)"
    if stage == Stage.churned.value:
        return "no purchase for " + since_last + f" days (churned after {rules.churned_days})"
    return "no purchase for " + since_last + f" days (dormant after {rules.dormant_days})"


def explain_tier(tier: str | None, revenue_window: Decimal | None, rules: Rules) -> str:
    """Why the rules give ``tier``, in words (the customer page shows it)."""
    return _tier_words(tier, _amount(revenue_window or Decimal(0)), rules)


def explain_stage(stage: str, first: dt.datetime | None, last: dt.datetime | None, rules: Rules,
                  now: dt.datetime) -> str:
    if last is None or first is None:
        return _stage_words(Stage.potential.value, "", "", rules)
    return _stage_words(stage, str((now - first).days), str((now - last).days), rules)


def tier_reason(tier, revenue_window, rules: Rules) -> sa.ColumnElement[str]:
    """:func:`explain_tier` in SQL, for every row at once."""
    spend = money_text(sa.func.coalesce(revenue_window, 0))
    return sa.case(*((tier == code.value, _tier_words(code.value, spend, rules)) for code in Tier),
                   else_=_tier_words(None, spend, rules))


def stage_reason(stage, first, last, rules: Rules, now: dt.datetime) -> sa.ColumnElement[str]:
    """:func:`explain_stage` in SQL, for every row at once."""
    moment = sa.literal(now, UTCDateTime())
    since_first = sa.cast(whole_days(moment, first), sa.String)
    since_last = sa.cast(whole_days(moment, last), sa.String)
    return sa.case(*((stage == code.value, _stage_words(code.value, since_first, since_last, rules))
                     for code in Stage if code is not Stage.potential),
                   else_=_stage_words(Stage.potential.value, since_first, since_last, rules))


def explain(figures: CustomerFigures, rules: Rules, now: dt.datetime | None = None) -> dict[str, str]:
    now = now or utcnow()
    tier = explain_tier(figures.rule_tier.value if figures.rule_tier else None, figures.revenue_window, rules)
    if figures.override_active:
        until = f" until {figures.override_until:%Y-%m-%d}" if figures.override_until else ""
        tier = f"set by hand{until}: {figures.override_reason} (the rules would give: {tier})"
    stage = explain_stage(figures.lifecycle_stage.value, figures.first_purchase_at, figures.last_purchase_at, rules,
                          now)
    return {"tier": tier, "lifecycle_stage": stage}


def history(customer_id: uuid.UUID, *, cursor: str | None, limit: int) -> Page:
    """The customer's tier and stage changes, newest first."""
    stmt = sa.select(ClassificationChange).where(ClassificationChange.customer_id == customer_id)
    return paginate(stmt, db.session, [ClassificationChange.changed_at, ClassificationChange.id], descending=True,
                    cursor=cursor, limit=limit)
