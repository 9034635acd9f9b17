"""``/loyalty/rewards``: the catalogue for every member; adding, changing and retiring a reward for
the roles with ``loyalty.rewards``, loaded by the API's :class:`~plugins.loyalty.api.RewardSchema`."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _

from saas.auth import may, requires_permission
from saas.core.errors import Invalid
from saas.web.customer_forms import FormErrors, aware, load
from saas.web.form_text import nul_errors

from plugins.loyalty import rewards as catalogue
from plugins.loyalty.api import RewardSchema
from plugins.loyalty.pages import pages
from plugins.loyalty.pages.wording import TIERS, field_errors

PER_PAGE = 50
TEXT = ("name", "description", "points_cost", "stock", "active_from", "active_until")


@pages.route("/rewards")
def rewards():
    page = catalogue.catalogue(cursor=request.args.get("cursor"), limit=PER_PAGE)
    return render_template("loyalty/rewards.html", page=page, tiers=TIERS, may_change=may("loyalty.rewards"))


@pages.route("/rewards/new", methods=["GET", "POST"])
@requires_permission("loyalty.rewards")
def new_reward():
    if request.method == "GET":
        return _form(None, {"tiers": []})
    values = _values(request.form)
    try:
        reward = catalogue.create(_loaded(values))
    except FormErrors as error:
        return _form(None, values, error.fields, error.status)
    flash(_("%(name)s is in the catalogue.", name=reward.name), "success")
    return redirect(url_for("loyalty_pages.rewards"), 303)


@pages.route("/rewards/<uuid:reward_id>/edit", methods=["GET", "POST"])
@requires_permission("loyalty.rewards")
def edit_reward(reward_id):
    reward = catalogue.get(reward_id, lock=request.method == "POST")
    if request.method == "GET":
        return _form(reward, _saved(reward))
    values = _values(request.form)
    try:
        catalogue.update(reward, _loaded(values))
    except FormErrors as error:
        return _form(reward, values, error.fields, error.status)
    except Invalid as error:
        return _form(reward, values, field_errors(error.fields), 422)
    flash(_("%(name)s is saved.", name=reward.name), "success")
    return redirect(url_for("loyalty_pages.rewards"), 303)


@pages.route("/rewards/<uuid:reward_id>/retire", methods=["POST"])
@requires_permission("loyalty.rewards")
def retire_reward(reward_id):
    """Off the catalogue, as ``DELETE /api/v1/loyalty/rewards/{id}``: its redemptions keep their record."""
    reward = catalogue.get(reward_id, lock=True)
    catalogue.archive(reward)
    flash(_("%(name)s is off the catalogue.", name=reward.name), "success")
    return redirect(url_for("loyalty_pages.rewards"), 303)


def _values(form) -> dict:
    """The form's inputs as typed (shown again beside their errors), tiers as a list."""
    return {**{name: form.get(name, "").strip() for name in TEXT}, "tiers": form.getlist("tiers")}


def _loaded(values: dict) -> dict:
    """``values`` as the API's JSON body, loaded by its schema: an empty description, stock or date
    is none (unlimited, no limit), a date and time is read in the page's time zone."""
    if nul_errors(request.form):
        raise FormErrors(nul_errors(request.form))  # PostgreSQL refuses NUL in text
    body = {"name": values["name"], "description": values["description"] or None, "tiers": values["tiers"],
            "stock": values["stock"] or None, "active_from": aware(values["active_from"]) or None,
            "active_until": aware(values["active_until"]) or None}
    if values["points_cost"]:
        body["points_cost"] = values["points_cost"]
    try:
        return load(RewardSchema(), body)
    except FormErrors as error:
        raise FormErrors(field_errors(error.fields), error.status) from None


def _saved(reward) -> dict:
    zone = get_timezone()

    def local(moment):
        return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if moment else ""

    return {"name": reward.name, "description": reward.description or "", "points_cost": str(reward.points_cost),
            "stock": "" if reward.stock is None else str(reward.stock), "active_from": local(reward.active_from),
            "active_until": local(reward.active_until), "tiers": list(reward.tiers or [])}


def _form(reward, values: dict, errors: dict | None = None, status: int = 200):
    return render_template("loyalty/reward_form.html", reward=reward, values=values, errors=errors or {},
                           tiers=TIERS), status
