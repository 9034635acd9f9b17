"""``/visits/<id>``: one visit, with the form that logs its outcome (done, no answer, moved to
another day, skipped; notes and the next step; a move or a skip with its reason), the ``write``
scope's, as ``POST /api/v1/visits/{id}/outcome`` allows. Asked by htmx (the agenda's "log"
link), the page is the form alone, and a form sent by htmx is answered with the logged visit's
line (or the form with its errors, 422) in place; without JavaScript the form is a plain POST
that goes back to the agenda it came from."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from saas.auth import current_principal
from saas.core.accounts import Scope
from saas.core.customers import records as customers
from saas.core.db import db
from saas.core.errors import DomainError
from saas.web.customer_forms import FormErrors
from saas.web.form_text import nul_errors
from saas.web.labels import in_page_language
from saas.web.pages import member_page

from plugins.visits import agenda as agendas
from plugins.visits import clock, outcomes
from plugins.visits.api import OutcomeSchema
from plugins.visits.models import Status
from plugins.visits.pages import pages
from plugins.visits.pages.wording import CHANNELS, OUTCOMES, PURPOSES, STATUSES, TIERS, field_errors, load

FIELDS = ("outcome", "notes", "next_step", "due_on", "reason")


def _back() -> str:
    """Where the form goes back to: the agenda it came from (a path of this module), else the agenda."""
    given = request.values.get("next", "")
    return given if given.startswith("/visits/") and "//" not in given and "\\" not in given else url_for(
        "visits_pages.agenda")


@pages.route("/<uuid:visit_id>")
def visit(visit_id):
    found = outcomes.get(visit_id)
    if request.headers.get("HX-Request"):
        return _form(found, {}, {}, 200)
    return _page(found)


@pages.route("/<uuid:visit_id>", methods=["POST"])
@member_page(needs=Scope.write)
def log_visit(visit_id):
    found = outcomes.get(visit_id, for_update=True)
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    try:
        if nul_errors(request.form):
            raise FormErrors(nul_errors(request.form))  # PostgreSQL refuses NUL in text
        body = load(OutcomeSchema(), _body(values))
        with db.session.begin_nested():  # a refusal leaves the visit as it was
            outcomes.log(found, body["outcome"], notes=body["notes"], next_step=body["next_step"],
                         reason=body["reason"], due_on=body["due_on"], staff_id=current_principal().user.id)
    except FormErrors as error:
        return _refused(found, values, error.fields, error.status)
    except DomainError as error:
        return _refused(found, values, field_errors(error.fields or {"": [error.message]}), error.status)
    if request.headers.get("HX-Request"):
        statuses, = in_page_language(STATUSES)
        return render_template("visits/_logged.html", visit=found, statuses=statuses)
    flash(_("The visit is logged: %(outcome)s.", outcome=in_page_language(STATUSES)[0][found.status.value]),
          "success")
    return redirect(_back(), 303)


def _body(values: dict) -> dict:
    """The form as the API's body: empty texts are none; the new day only for a move."""
    return {"outcome": values["outcome"], "notes": values["notes"] or None, "next_step": values["next_step"] or None,
            "reason": values["reason"] or None,
            "due_on": (values["due_on"] or None) if values["outcome"] == "rescheduled" else None}


def _refused(found, values, errors, status):
    if request.headers.get("HX-Request"):
        return _form(found, values, errors, status)
    return _page(found, values=values, errors=errors, status=status)


def _context(found, values, errors) -> dict:
    outcomes_, statuses, channels, purposes, tiers = in_page_language(OUTCOMES, STATUSES, CHANNELS, PURPOSES, TIERS)
    return dict(visit=found, values=values or {}, errors=errors or {}, outcomes=outcomes_, statuses=statuses,
                channels=channels, purposes=purposes, tiers=tiers, today=clock.today(), back=_back(),
                may_log=Scope.write in current_principal().scopes and found.status is Status.planned)


def _form(found, values, errors, status):
    return render_template("visits/_outcome.html", inline=True, **_context(found, values, errors)), status


def _page(found, *, values=None, errors=None, status=200):
    customer = customers.get(found.customer_id)
    owner = next((name for user_id, name, _team in agendas.members() if user_id == found.owner_id), None)
    moved_to = None
    if found.status is Status.rescheduled:
        moved_to = db.session.scalar(db.select(outcomes.Visit).where(outcomes.Visit.moved_from_id == found.id))
    return render_template("visits/visit.html", customer=customer, owner=owner, moved_to=moved_to,
                           due_at=clock.due_at(found.due_on, found.due_minute, clock.zone()),
                           **_context(found, values, errors)), status
