"""The dashboard, ``/`` for a signed-in member: the workspace's KPIs over a chosen period.

Every figure comes from the functions ``GET /api/v1/reports/...`` answers with
(:mod:`saas.core.reports.kpis`, :mod:`saas.core.data_quality.report`), over the same half-open
period, so the page and the API never disagree. Data accuracy is of every customer now (the
report without a period): a state to keep above the target rather than a figure of the period. The period picker asks for the cards again with
htmx (``HX-Request``) and gets only them back.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from urllib.parse import urlencode

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError
from marshmallow import fields as f
from marshmallow import validate as v

from saas.auth import current_principal
from saas.core.classification import Tier, months_before
from saas.core.data_quality import report as data_quality
from saas.core.plugins import installed
from saas.core.reports import kpis
from saas.core.types import utcnow
from saas.web.pages import member_page
from saas.web.labels import STAGE_LABELS, TIER_LABELS

PERIODS = {3: _l("Last 3 months"), 6: _l("Last 6 months"), 12: _l("Last 12 months"), 24: _l("Last 24 months")}
DEFAULT_MONTHS = 12

BUYING_TIERS = (Tier.core.value, Tier.important.value, Tier.basic.value, Tier.general.value)


class DashboardArgs(Schema):
    months = f.Integer(load_default=DEFAULT_MONTHS, validate=v.OneOf(list(PERIODS)))


@dataclasses.dataclass(frozen=True)
class Card:
    """A KPI tile: what it counts, its figure, the figure it compares with, and the list it links to."""

    key: str
    title: str
    value: object
    unit: str = ""  # "percent", "money", or a module's own unit
    previous: object = None
    link: str | None = None
    note: str | None = None
    meets_target: bool | None = None

    @property
    def delta(self):
        numbers = (int, float, Decimal)
        if isinstance(self.value, numbers) and isinstance(self.previous, numbers) and not isinstance(self.value, bool):
            return self.value - self.previous
        return None


def customers_link(**filters) -> str:
    """The customer list filtered as ``GET /api/v1/customers`` would be (the same parameter names)."""
    return "/customers?" + urlencode({k: ",".join(v) if isinstance(v, tuple) else v for k, v in filters.items()})


def _step(months: int) -> str:
    return "week" if months <= 3 else "month"


def _mix_cards(kind: str, start: dict, end: dict) -> list[Card]:
    labels, param = (TIER_LABELS, "tier") if kind == "tier" else (STAGE_LABELS, "lifecycle_stage")
    return [Card(f"{kind}.{code}", str(label), end[code], previous=start[code], link=customers_link(**{param: code}))
            for code, label in labels.items()]


def _module_cards(tenant) -> list[Card]:
    """The enabled modules' ``saas_report_cards`` (a module whose hook fails is left out and logged)."""
    return [Card(f"{module}.{card.key}", card.title, card.value, card.unit, card.previous)
            for module, cards in installed().call("saas_report_cards", tenant) for card in cards or []]


def figures(months: int) -> dict:
    """Everything the dashboard shows for the last ``months`` months, up to now."""
    end = utcnow()
    period = kpis.Period(months_before(end, months), end)
    tiers = kpis.mix_over_time("tier", period, _step(months))
    stages = kpis.mix_over_time("stage", period, _step(months))
    revenue = kpis.revenue_by_tier(period)
    repurchase = kpis.repurchase_by_tier(period)
    churn = kpis.churn(period)
    value = kpis.customer_value(period)
    quality = data_quality.report()  # the state of every record now, as /api/v1/reports/data-quality without a period
    summary = [
        Card("revenue", str(_l("Revenue")), value["revenue"], "money", link=customers_link(tier=BUYING_TIERS),
             note=_("%(orders)s orders", orders=sum(row["orders"] for row in revenue.values()))),
        Card("customer_value", str(_l("Customer value")), value["average"], "money",
             link=customers_link(tier=BUYING_TIERS),
             note=_("per buyer, %(buyers)s buyers", buyers=value["buyers"])),
        Card("churn", str(_l("Churn rate")), churn["rate"], "percent", link=customers_link(lifecycle_stage="churned"),
             note=_("%(churned)s of %(base)s customers", churned=churn["churned"],
                         base=churn["customers_at_start"])),
        Card("data_quality", str(_l("Data accuracy")), quality["accuracy"], "percent", link="/customers",
             meets_target=None if quality["accuracy"] is None else quality["accuracy"] >= quality["target"],
             note=_("all customers, target %(target)s%%", target=round(quality["target"] * 100))),
    ]
    return {
        "months": months,
        "period": period,
        "summary": summary,
        "tier_cards": _mix_cards("tier", tiers[0]["counts"], tiers[-1]["counts"]),
        "stage_cards": _mix_cards("stage", stages[0]["counts"], stages[-1]["counts"]),
        "tier_trend": tiers,
        "revenue": _by_tier(revenue, ("revenue", "orders", "buyers")),
        "repurchase": _by_tier(repurchase, ("buyers", "repeat_buyers", "rate")),
        "quality": quality,
        "module_cards": _module_cards(current_principal().tenant),
    }


def _by_tier(found: dict, columns: tuple[str, ...]) -> list[dict]:
    """A row per buying tier in the glossary's order (zeros where nobody bought), then any other
    tier the buyers hold now (a manual tier, or none)."""
    empty = {"revenue": Decimal(0), "orders": 0, "buyers": 0, "repeat_buyers": 0, "rate": None}
    codes = [*BUYING_TIERS, *(code for code in found if code not in BUYING_TIERS)]
    return [{"tier": code, "label": str(TIER_LABELS.get(code, _l("No tier"))),
             "link": customers_link(tier=code) if code else None,
             **{c: found.get(code, empty)[c] for c in columns}} for code in codes]


def chart_data(shown: dict) -> dict:
    """What dashboard.js draws, labels translated: JSON in the ``data-charts`` of ``#dashboard``."""
    tiers = list(TIER_LABELS)
    return {
        "tierTrend": {"at": [point["at"].date().isoformat() for point in shown["tier_trend"]],
                      "series": [{"name": str(TIER_LABELS[code]), "data": [p["counts"][code] for p in shown["tier_trend"]]}
                                 for code in tiers]},
        "tierMix": [{"name": card.title, "value": card.value} for card in shown["tier_cards"]],
        "stageMix": [{"name": card.title, "value": card.value} for card in shown["stage_cards"]],
        "revenue": {"tiers": [row["label"] for row in shown["revenue"]],
                    "revenue": [float(row["revenue"]) for row in shown["revenue"]],
                    "repurchase": [None if row["rate"] is None else round(row["rate"] * 100, 1)
                                   for row in shown["repurchase"]],
                    "revenueName": str(_l("Revenue")), "repurchaseName": str(_l("Repurchase rate"))},
    }


@member_page
def show(**landing):
    """``landing``: what the landing page has for the person (notices, workspaces), for the whole page."""
    try:
        months = DashboardArgs().load(request.args.to_dict(flat=True), unknown="exclude")["months"]
        errors = {}
    except ValidationError as error:
        months, errors = DEFAULT_MONTHS, error.messages
    shown = figures(months)
    template = "dashboard/_cards.html" if request.headers.get("HX-Request") else "dashboard/index.html"
    currency = current_principal().tenant.settings.get("currency", "CNY")
    return render_template(template, **landing, **shown, charts=chart_data(shown), periods=PERIODS, errors=errors,
                           currency=currency), 422 if errors else 200
