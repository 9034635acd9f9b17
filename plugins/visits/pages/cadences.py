"""``/visits/cadences``: each value tier's cadences in words (the rule, its sentence, the next days
it falls on, the channels and the purpose), a rule checker that words any rule typed in (htmx,
as it is typed; a plain GET without it), the link to the module's settings where an admin edits
the rules, and "plan again" (``visits.plan``, as ``POST /api/v1/visits/plan`` with ``replace``).
And ``/visits/customers/<id>/cadence``: a customer's own cadence in place of its tier's, set or
removed with ``visits.plan``, as ``PUT``/``DELETE /api/v1/visits/customers/{id}/cadence`` do."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from saas.auth import current_principal, may, requires_permission
from saas.core.accounts import Scope
from saas.core.classification import CustomerFigures
from saas.core.customers import records as customers
from saas.core.db import db
from saas.web.customer_forms import FormErrors
from saas.web.form_text import nul_errors
from saas.web.labels import in_page_language
from saas.web.pages import member_page

from plugins.visits import cadences as rules
from plugins.visits import clock, planner, sentences
from plugins.visits.api import OwnCadenceSchema
from plugins.visits.models import OwnCadence
from plugins.visits.pages import pages
from plugins.visits.pages.wording import CHANNELS, PURPOSES, TIERS, load, worded


def _worded(rule: str, start, today) -> dict:
    return {"sentence": sentences.sentence(rule, start), "next": sentences.next_days(rule, start, today)}


@pages.route("/cadences")
def cadence_list():
    settings = planner.settings()
    today = clock.today()
    start = settings["cadence_start"]
    tiers, channels, purposes = in_page_language(TIERS, CHANNELS, PURPOSES)
    rows = [(tier, label, [{**cadence, **_worded(cadence["rule"], start, today)}
                           for cadence in settings["cadences"].get(tier, [])])
            for tier, label in tiers.items()]
    checked = _checked(request.args.get("rule", ""), start, today)
    context = dict(rows=rows, checked=checked, start=start, tiers=tiers, channels=channels, purposes=purposes,
                   may_edit=Scope.admin in current_principal().scopes, may_plan=may("visits.plan"),
                   daily_cap=settings["daily_cap"], horizon_weeks=settings["horizon_weeks"])
    if request.headers.get("HX-Request") and "rule" in request.args:
        return render_template("visits/_rule_check.html", **context), 422 if checked and checked["error"] else 200
    return render_template("visits/cadences.html", **context), 422 if checked and checked["error"] else 200


def _checked(rule: str, start, today) -> dict | None:
    """What the rule checker says of ``rule``: its sentence and next days, or why it is refused."""
    rule = rule.strip()
    if not rule:
        return None
    try:
        rules.parse(rule, start)
    except rules.BadRule as error:
        return {"rule": rule, "error": worded(str(error))}
    return {"rule": rule, "error": None, **_worded(rule, start, today)}


@pages.route("/cadences/plan", methods=["POST"])
@member_page(needs=Scope.write)
@requires_permission("visits.plan")
def plan_again():
    done = planner.replan(clock.today(), None)
    flash(_("Planned again from the cadences: %(planned)d visits added, %(moved)d moved within the daily cap.",
            planned=done.planned, moved=done.moved), "success")
    return redirect(url_for("visits_pages.cadence_list"), 303)


def _own(customer_id):
    return db.session.scalar(sa.select(OwnCadence).where(OwnCadence.customer_id == customer_id))


@pages.route("/customers/<uuid:customer_id>/cadence")
def own_cadence(customer_id):
    return _own_page(customers.get(customer_id))


@pages.route("/customers/<uuid:customer_id>/cadence", methods=["POST"])
@member_page(needs=Scope.write)
@requires_permission("visits.plan")
def set_own_cadence(customer_id):
    customer = customers.get(customer_id)
    today = clock.today()
    if request.form.get("action") == "remove":
        own = _own(customer_id)
        if own is not None:
            db.session.delete(own)
            db.session.flush()
        planner.replan(today, [customer_id])
        flash(_("%(name)s follows its tier's cadences again.", name=customer.name), "success")
        return redirect(url_for("visits_pages.own_cadence", customer_id=customer_id), 303)
    values = {name: request.form.get(name, "").strip() for name in ("rule", "channel", "purpose")}
    try:
        if nul_errors(request.form):
            raise FormErrors(nul_errors(request.form))
        body = load(OwnCadenceSchema(), {key: value for key, value in values.items() if value})
    except FormErrors as error:
        return _own_page(customer, values=values, errors=error.fields, status=error.status)
    own = _own(customer_id) or OwnCadence(customer_id=customer_id)
    own.rule, own.channel, own.purpose = body["rule"], body["channel"], body["purpose"]
    db.session.add(own)
    db.session.flush()
    planner.replan(today, [customer_id])
    flash(_("%(name)s has a cadence of its own; its future visits are planned again.", name=customer.name), "success")
    return redirect(url_for("visits_pages.own_cadence", customer_id=customer_id), 303)


def _own_page(customer, *, values=None, errors=None, status=200):
    settings = planner.settings()
    today = clock.today()
    start = settings["cadence_start"]
    own = _own(customer.id)
    tier = db.session.scalar(sa.select(CustomerFigures.tier).where(CustomerFigures.customer_id == customer.id))
    tiers, channels, purposes = in_page_language(TIERS, CHANNELS, PURPOSES)
    tier_cadences = [{**cadence, **_worded(cadence["rule"], start, today)}
                     for cadence in settings["cadences"].get(tier or "", [])]
    shown = values or ({"rule": own.rule, "channel": own.channel, "purpose": own.purpose} if own else
                       {"rule": "", "channel": "phone", "purpose": "visit"})
    return render_template(
        "visits/own_cadence.html", customer=customer, own=own, own_words=_worded(own.rule, start, today) if own else None,
        tier=tier, tier_cadences=tier_cadences, tiers=tiers, channels=channels, purposes=purposes, values=shown,
        errors=errors or {}, may_change=Scope.write in current_principal().scopes and may("visits.plan"),
        staff_channels=rules.STAFF_CHANNELS), status
