"""``/churn/``: the customers at risk (medium and high, or the level asked for), highest score first,
filtered by level, tier, account manager and main reason as ``GET /api/v1/churn/at-risk`` filters
them (``plugins.churn.queries.at_risk``), each with its main reason in a sentence and a link to the
customer. The filter is a GET
form: htmx swaps the results in and pushes the URL (as ``/customers`` does), and without JavaScript
the form loads the page. Every member may read it."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l

from plugins.churn import queries
from plugins.churn.api import AtRiskArgs
from plugins.churn.pages import pages
from plugins.churn.pages.arguments import loaded, query
from plugins.churn.pages.listing import members
from plugins.churn.pages.wording import LEVELS, TIERS, top_sentence
from plugins.churn.settings import SIGNAL_LABELS
from saas.web.labels import in_page_language

FILTER_LABELS = {"level": _l("Level"), "tier": _l("Tier"), "owner_id": _l("Account manager"),
                 "reason": _l("Main reason"), "cursor": _l("Page"), "limit": _l("Rows per page")}


@pages.route("/")
def at_risk():
    args, shown, errors = loaded(AtRiskArgs(), request.args)
    page = None
    if not errors:
        page = queries.at_risk(**{**args, "level": args["level"].value if args["level"] else None})
        for row in page.items:
            row["reason_text"] = top_sentence(row["reasons"])
            row["level"] = row["level"].value
            row["tier"] = row["tier"].value if row["tier"] else None
    levels, tiers, signals, labels = in_page_language(LEVELS, TIERS, SIGNAL_LABELS, FILTER_LABELS)
    context = dict(page=page, shown=shown, errors=errors, levels=levels, tiers=tiers, signals=signals,
                   filter_labels=labels, owners={user_id: name for user_id, name, _team in members()},
                   query=lambda **changed: query(url_for("churn_pages.at_risk"), shown, **changed))
    if request.headers.get("HX-Request"):  # the results alone, and the URL to push without the empty fields
        return render_template("churn/at_risk_results.html", **context), 400 if errors else 200, {
            "Vary": "HX-Request", "HX-Push-Url": context["query"]()}
    return render_template("churn/at_risk.html", **context), 400 if errors else 200, {"Vary": "HX-Request"}
