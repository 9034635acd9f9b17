"""``/settings/classification``: the tier and stage thresholds, with a preview of how many
customers each tier would hold under the rules typed in before they are saved; saving and
recomputing go through the core functions behind ``PUT /api/v1/classification/rules`` and
``POST /api/v1/classification/recompute``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from saas.api.classification import RulesSchema
from saas.auth import current_principal
from saas.core.accounts import Scope
from saas.core.classification import LABELS, Rules, Tier
from saas.core.classification import recompute as service
from saas.core.errors import Invalid
from saas.web.blueprint import bp
from saas.web.i18n import current_language
from saas.web.pages import member_page
from saas.web.schema_form import flat_errors

FIELDS = ("core", "important", "basic", "window_months", "new_days", "dormant_days", "churned_days")


def _values_of(rules: Rules) -> dict:
    return {key: str(value) for key, value in rules.as_settings().items()}


def _page(values: dict, errors: dict, proposed: dict | None = None, status: int = 200):
    labels = LABELS.get(current_language(), LABELS["en"])["tier"]
    return render_template("settings/classification.html", values=values, errors=errors, tiers=[t.value for t in Tier],
                           labels=labels, current=service.preview(service.rules()), proposed=proposed,
                           currency=current_principal().tenant.settings.get("currency", "CNY")), status


def _checked(values: dict) -> Rules:
    """The rules typed in, loaded by the API's schema and checked by the core (or their errors)."""
    return Rules(**RulesSchema().load(values)).check()


@bp.route("/settings/classification", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def settings_classification():
    if request.method == "GET":
        return _page(_values_of(service.rules()), {})
    values = {key: request.form.get(key, "").strip() for key in FIELDS}
    try:
        rules = _checked({key: value for key, value in values.items() if value})
    except ValidationError as error:
        return _page(values, flat_errors(error.messages), status=422)
    except Invalid as error:
        return _page(values, flat_errors(error.fields), status=422)
    if request.form.get("action") != "save":
        return _page(values, {}, proposed=service.preview(rules))
    service.change_rules(current_principal().tenant, rules)
    flash(_("The rules are saved; every customer is being reclassified under them."), "success")
    return redirect(url_for("web.settings_classification"))


@bp.route("/settings/classification/recompute", methods=["POST"])
@member_page(needs=Scope.admin)
def recompute_classification():
    service.schedule_recompute(current_principal().tenant.id)
    flash(_("Every customer is being reclassified."), "success")
    return redirect(url_for("web.settings_classification"))
