"""``/churn/tasks``: the win-back tasks, soonest due first: the person's own, their team's or all of
them (each role starts where its work is: an agent on their own, a manager on their team's, the
others on all), filtered by status; and ``/churn/tasks/<id>``, one task with why it opened and the
form that works it (status, the churn reason with a note, the offer): the ``write`` scope for one's
own tasks, and the ``churn.tasks`` permission (managers, admins, owners) for another's, as
``PATCH /api/v1/churn/tasks/{id}`` allows."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Forbidden

from saas.auth import current_principal, may
from saas.core.accounts import Role, Scope
from saas.core.customers import records as customers
from saas.core.db import db
from saas.core.errors import DomainError
from saas.web.customer_forms import FormErrors
from saas.web.form_text import nul_errors
from saas.web.labels import in_page_language
from saas.web.pages import member_page

from plugins.churn import tasks as worklist
from plugins.churn.models import OPEN_STATUSES, Score
from plugins.churn.pages import pages
from plugins.churn.api import TaskPatchSchema
from plugins.churn.pages.arguments import TaskListArgs, loaded, query
from plugins.churn.pages import listing
from plugins.churn.pages.listing import customer_names, members
from plugins.churn.pages.wording import LEVELS, REASONS, STATUSES, TIERS, field_errors, load, sentences

WHOSE = {"mine": _l("Mine"), "team": _l("My team's"), "all": _l("All")}
FILTER_LABELS = {"whose": _l("Whose"), "status": _l("Status"), "cursor": _l("Page"), "limit": _l("Rows per page")}
FIRST_VIEW = {Role.agent: "mine", Role.manager: "team"}  # the others start on all
FIELDS = ("status", "reason", "reason_note", "offer", "owner_id", "due_on")


@pages.route("/tasks")
def tasks():
    principal = current_principal()
    args, shown, errors = loaded(TaskListArgs(), request.args, ("status",))
    whose = args.pop("whose", None) or FIRST_VIEW.get(principal.role, "all")
    team = [(user_id, name, member_team) for user_id, name, member_team in members()]
    page = None
    if not errors:
        page = listing.tasks(owners=_owners(whose, principal, team), **args)
    whose_choices, statuses, reasons, labels = in_page_language(WHOSE, STATUSES, REASONS, FILTER_LABELS)
    context = dict(page=page, shown=shown, errors=errors, whose=whose, whose_choices=whose_choices,
                   statuses=statuses, reasons=reasons, filter_labels=labels,
                   owners={user_id: name for user_id, name, _team in team},
                   names=customer_names(task.customer_id for task in page.items) if page else {},
                   open_statuses={status.value for status in OPEN_STATUSES}, today=_today(),
                   query=lambda **changed: query(url_for("churn_pages.tasks"), {**shown, "whose": whose}, **changed))
    if request.headers.get("HX-Request"):  # the results alone, and the URL to push without the empty fields
        return render_template("churn/tasks_results.html", **context), 400 if errors else 200, {
            "Vary": "HX-Request", "HX-Push-Url": context["query"]()}
    return render_template("churn/tasks.html", **context), 400 if errors else 200, {"Vary": "HX-Request"}


def _owners(whose: str, principal, team) -> list | None:
    """The owners whose tasks ``whose`` lists (``None``: everyone's)."""
    me = principal.user.id
    if whose == "mine":
        return [me]
    if whose == "team":
        mine = next((member_team for user_id, _name, member_team in team if user_id == me), None)
        return [user_id for user_id, _name, member_team in team if user_id == me or (mine and member_team == mine)]
    return None


@pages.route("/tasks/<uuid:task_id>")
def task(task_id):
    return _page(worklist.get(task_id))


@pages.route("/tasks/<uuid:task_id>", methods=["POST"])
@member_page(needs=Scope.write)
def work_task(task_id):
    found = worklist.get(task_id, lock=True)
    if not _may_change(found):
        raise Forbidden("Working another person's win-back task needs the 'churn.tasks' permission.")
    values = {name: request.form.get(name, "").strip() for name in FIELDS}
    try:
        if nul_errors(request.form):
            raise FormErrors(nul_errors(request.form))  # PostgreSQL refuses NUL in text
        body = load(TaskPatchSchema(), _body(values, found))
        with db.session.begin_nested():  # a refusal leaves the task as it was
            worklist.update(found, body)
    except FormErrors as error:
        return _page(found, values=values, errors=error.fields, status=error.status)
    except DomainError as error:
        return _page(found, values=values, errors=field_errors(error.fields or {"": [error.message]}),
                     status=error.status)
    flash(_("The task is saved."), "success")
    return redirect(url_for("churn_pages.task", task_id=found.id), 303)


def _body(values: dict, found) -> dict:
    """The form as the API's body: an empty reason, note or offer clears it; the assignee and the
    due date change only where the form changes them (the assignee for those who may hand tasks on:
    a save that leaves a departed assignee selected hands the task to nobody else)."""
    body = {"status": values["status"], "reason": values["reason"] or None,
            "reason_note": values["reason_note"] or None, "offer": values["offer"] or None}
    if values["due_on"] and values["due_on"] != found.due_on.isoformat():
        body["due_on"] = values["due_on"]
    if values["owner_id"] and values["owner_id"] != str(found.owner_id or "") and may("churn.tasks"):
        body["owner_id"] = values["owner_id"]
    return body


def _page(found, *, values=None, errors=None, status=200):
    principal = current_principal()
    customer = customers.get(found.customer_id)
    owner = next((name for user_id, name, _team in members() if user_id == found.owner_id), None)
    statuses, reasons, levels, tiers = in_page_language(STATUSES, REASONS, LEVELS, TIERS)
    shown = values or {"status": found.status.value, "reason": found.reason.value if found.reason else "",
                       "reason_note": found.reason_note or "", "offer": found.offer or "",
                       "owner_id": str(found.owner_id or ""), "due_on": found.due_on.isoformat()}
    return render_template(
        "churn/task.html", task=found, customer=customer, owner=owner, score=db.session.scalar(sa.select(Score).where(Score.customer_id == found.customer_id)),
        sentences=sentences(found.reasons), statuses=statuses, reasons=reasons, levels=levels, tiers=tiers,
        is_open=found.status in OPEN_STATUSES, settable={status.value for status in worklist.SET_BY_HAND}, today=_today(), values=shown, errors=errors or {},
        may_change=_may_change(found), may_hand_on=may("churn.tasks"),
        people=[(str(user_id), name) for user_id, name, _team in members()], currency=principal.tenant.settings.get("currency", "CNY")), status


def _may_change(found) -> bool:
    principal = current_principal()
    return Scope.write in principal.scopes and (found.owner_id == principal.user.id or may("churn.tasks"))


def _today() -> dt.date:
    zone = current_principal().tenant.settings.get("timezone", "UTC")
    return dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()
