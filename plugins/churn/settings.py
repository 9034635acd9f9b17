"""A workspace's churn settings (the module's settings schema): each signal's weight, the level
thresholds, the win-back task's due days by value tier, the purchase model on or off, and the
backtest's horizon. Every setting has a default, so the module works once enabled."""

from __future__ import annotations

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.schema import Schema
from saas.core.classification import Tier
from saas.core.messages import N_
from saas.web.labels import TIER_LABELS

from plugins.churn.rules import DEFAULT_THRESHOLDS, DEFAULT_WEIGHTS, SIGNALS

NAME = "churn"

SIGNAL_LABELS = {
    "overdue": _l("Overdue against the typical interval"),
    "fewer_purchases": _l("Fewer purchases"),
    "less_spend": _l("Less spend"),
    "fewer_interactions": _l("Fewer interactions"),
    "low_survey": _l("Low survey score"),
    "complaint_breach": _l("Complaint that missed its clock"),
    "missed_visits": _l("Missed visits"),
    "model_p_alive": _l("Purchase model: probability still active"),
}


def default_weights() -> dict[str, float]:
    """The calibrated weights of the rule score (``rules.DEFAULT_WEIGHTS``), one per signal."""
    return dict(DEFAULT_WEIGHTS)


DEFAULT_DUE_DAYS = {Tier.core.value: 2, Tier.important.value: 3, Tier.basic.value: 7, Tier.general.value: 14,
                    Tier.potential.value: 14}


class Thresholds(Schema):
    """A score at or above ``medium`` is medium risk, at or above ``high`` high risk."""

    medium = f.Integer(load_default=DEFAULT_THRESHOLDS["medium"], validate=v.Range(min=1, max=100),
                       metadata={"title": _l("Medium from")})
    high = f.Integer(load_default=DEFAULT_THRESHOLDS["high"], validate=v.Range(min=1, max=100),
                     metadata={"title": _l("High from")})

    @ma.validates_schema
    def _in_order(self, data, **kwargs):
        if data.get("high", DEFAULT_THRESHOLDS["high"]) < data.get("medium", DEFAULT_THRESHOLDS["medium"]):
            raise ma.ValidationError(N_("The high threshold is at or above the medium one."), "high")


class Settings(Schema):
    weights = f.Dict(
        keys=f.String(validate=v.OneOf(SIGNALS)), values=f.Float(validate=v.Range(min=0, max=1)),
        load_default=default_weights,
        metadata={"title": _l("Signal weights"),
                  "description": _l("The score a signal gives alone at full strength, from 0 to 1; 0 switches it off"),
                  "labels": SIGNAL_LABELS})
    thresholds = f.Nested(Thresholds, load_default=lambda: Thresholds().load({}),
                          metadata={"title": _l("Level thresholds")})
    due_days = f.Dict(
        keys=f.String(validate=v.OneOf([tier.value for tier in Tier])), values=f.Integer(validate=v.Range(min=0, max=365)),
        load_default=lambda: dict(DEFAULT_DUE_DAYS),
        metadata={"title": _l("Win-back due days"),
                  "description": _l("Days a win-back task has, by value tier (an unclassified customer: the longest)"),
                  "labels": TIER_LABELS})
    model = f.Boolean(load_default=True, metadata={
        "title": _l("Purchase model"),
        "description": _l("Fit the BG/NBD and Gamma-Gamma model each night and use it where there is enough data")})
    backtest_horizon_days = f.Integer(load_default=90, validate=v.Range(min=7, max=730), metadata={
        "title": _l("Backtest horizon"), "description": _l("Days after the cut-off a customer must buy in to count as kept")})


def weights_of(settings: dict) -> dict[str, float]:
    """The loaded settings' weights with every signal present (one not named keeps its default)."""
    return {**default_weights(), **settings["weights"]}


def due_days_of(settings: dict, tier: str | None) -> int:
    days = {**DEFAULT_DUE_DAYS, **settings["due_days"]}
    return days.get(tier or "", max(days.values()))
