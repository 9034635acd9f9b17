"""``/loyalty/admin`` (owners and admins, as the API's admin scope): back-filling the points of a
range of purchases and rebuilding every balance from the ledger, each after a confirmation page,
run as ``POST /api/v1/loyalty/backfill`` and ``/rebuild`` run them."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from saas.core.accounts import Scope
from saas.web.customer_forms import FormErrors, aware, load, translated
from saas.web.pages import member_page

from plugins.loyalty import ledger
from plugins.loyalty.api import BackfillSchema
from plugins.loyalty.pages import pages
from plugins.loyalty.pages.wording import field_errors

CONFIRMED = "yes"


@pages.route("/admin")
@member_page(needs=Scope.admin)
def admin():
    return render_template("loyalty/admin.html", values={}, errors={})


@pages.route("/admin/backfill", methods=["POST"])
@member_page(needs=Scope.admin)
def backfill():
    """The range is checked, then shown for confirmation; the confirmed form queues the job."""
    values = {"from": request.form.get("from", "").strip(), "to": request.form.get("to", "").strip()}
    try:
        data = _range(values)
    except FormErrors as error:
        return render_template("loyalty/admin.html", values=values, errors=error.fields), error.status
    if request.form.get("confirm") != CONFIRMED:
        return render_template("loyalty/confirm_backfill.html", values=values)
    ledger.queue_backfill(data["start"], data["end"])
    flash(_("The back-fill from %(first)s to %(last)s is queued; the points appear once it has run.",
            first=values["from"], last=values["to"]), "success")
    return redirect(url_for("loyalty_pages.admin"), 303)


@pages.route("/admin/rebuild", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def rebuild():
    """GET asks for confirmation; POST sets every balance to the sum of its entries."""
    if request.method == "GET":
        return render_template("loyalty/confirm_rebuild.html")
    corrected = ledger.rebuild()
    flash(ngettext("Balances rebuilt: %(num)d account was corrected.",
                   "Balances rebuilt: %(num)d accounts were corrected.", corrected), "success")
    return redirect(url_for("loyalty_pages.admin"), 303)


def _range(values: dict) -> dict:
    """The first and last day (both included, in the page's time zone) as the API's ``from`` and
    ``to``: midnight before the first day and after the last."""
    body, errors = {}, {}
    for key, days_after in (("from", 0), ("to", 1)):
        if not values[key]:
            continue  # the schema says it is required
        try:
            body[key] = aware(f"{dt.date.fromisoformat(values[key]) + dt.timedelta(days=days_after)}T00:00")
        except (ValueError, OverflowError):
            errors[key] = [translated("Not a valid date.")]
    if errors:
        raise FormErrors(errors)
    try:
        return load(BackfillSchema(), body)
    except FormErrors as error:
        raise FormErrors(field_errors(error.fields), error.status) from None
