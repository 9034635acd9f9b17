"""``/loyalty/customers/<id>``: a customer's points (the profile's loyalty panel links here): the
ledger, newest first and keyset paged, and the forms that move points, adjusting by hand
(``loyalty.adjust``) and redeeming a reward (the ``write`` scope), as the API's
``/api/v1/loyalty/customers/{id}/...`` routes do."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from saas.auth import current_principal, may, requires_permission
from saas.core.accounts import Scope
from saas.core.customers import records as customers
from saas.core.types import utcnow
from saas.web.customer_forms import FormErrors, load
from saas.web.form_text import nul_errors
from saas.web.pages import member_page

from plugins.loyalty import ledger, rewards
from plugins.loyalty.api import AdjustmentSchema, RedemptionSchema
from plugins.loyalty.pages import pages
from plugins.loyalty.pages.wording import KINDS, TIERS, field_errors, why_not

PER_PAGE = 25
OFFERED = 200  # rewards the redemption form lists (the catalogue's first, by name)


@pages.route("/customers/<uuid:customer_id>")
def account(customer_id):
    return _page(customer_id)


@pages.route("/customers/<uuid:customer_id>/adjust", methods=["POST"])
@member_page(needs=Scope.write)
@requires_permission("loyalty.adjust")
def adjust(customer_id):
    customers.get(customer_id)
    values = {"points": request.form.get("points", "").strip(), "reason": request.form.get("reason", "").strip()}
    try:
        if nul_errors(request.form):
            raise FormErrors(nul_errors(request.form))  # PostgreSQL refuses NUL in text
        data = _loaded(AdjustmentSchema(), values)
    except FormErrors as error:
        return _page(customer_id, adjusting=values, errors=error.fields, status=error.status)
    ledger.adjust(customer_id, data["points"], data["reason"])
    flash(_("%(points)s points adjusted.", points=f"{data['points']:+,}"), "success")
    return redirect(url_for("loyalty_pages.account", customer_id=customer_id), 303)


@pages.route("/customers/<uuid:customer_id>/redeem", methods=["POST"])
@member_page(needs=Scope.write)
def redeem(customer_id):
    customers.get(customer_id)
    values = {"reward_id": request.form.get("reward_id", "").strip()}
    try:
        data = _loaded(RedemptionSchema(), values)
        entry = rewards.redeem(customer_id, data["reward_id"])
    except FormErrors as error:
        return _page(customer_id, redeeming=values, errors=error.fields, status=error.status)
    except rewards.NotRedeemable as error:
        return _page(customer_id, redeeming=values, errors={"reward_id": [why_not(error)]}, status=409)
    flash(_("%(reward)s redeemed for %(points)s points.", reward=entry.reason, points=f"{-entry.points:,}"),
          "success")
    return redirect(url_for("loyalty_pages.account", customer_id=customer_id), 303)


def _loaded(schema, values: dict) -> dict:
    try:
        return load(schema, values)
    except FormErrors as error:
        raise FormErrors(field_errors(error.fields), error.status) from None


def _page(customer_id, *, adjusting=None, redeeming=None, errors=None, status=200):
    customer = customers.get(customer_id)
    page = ledger.entries(customer_id, cursor=request.args.get("cursor"), limit=PER_PAGE)
    now = utcnow()
    offered = [reward for reward in rewards.catalogue(cursor=None, limit=OFFERED).items if reward.on_offer(now)]
    return render_template("loyalty/account.html", customer=customer, balance=ledger.balance(customer_id),
                           page=page, kinds=KINDS, tiers=TIERS, offered=offered,
                           may_adjust=may("loyalty.adjust"), may_redeem=Scope.write in current_principal().scopes,
                           adjusting=adjusting or {}, redeeming=redeeming or {}, errors=errors or {}), status

