"""``/complaints/<id>``: one case, its clocks, the workflow's buttons (each a form posting its
action, with the plan, the resolution and cause, or a note), its timeline and, once resolved, the
link that asks the customer; and ``/complaints/new``, the new-case form (the customer found by name,
phone or e-mail)."""

from __future__ import annotations

import uuid

import marshmallow as ma
import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from saas.core.accounts import Membership, Scope, User, acting_person
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.errors import DomainError
from saas.core.module_settings import settings_of
from saas.web.customer_forms import FormErrors, flatten
from saas.core.sql import contains
from saas.web.form_text import NUL_MESSAGE, nul_errors
from saas.web.pages import member_page

from plugins.complaints import cases, clock, reading
from plugins.complaints.api import ComplaintEventSchema, ComplaintOpenSchema
from plugins.complaints.models import OPEN_STATUSES, Status
from plugins.complaints.pages import pages, wording
from plugins.complaints.settings import NAME

ALLOWED = {Status.new: ("acknowledge", "agree_plan", "resolve", "pause"),
           Status.acknowledged: ("agree_plan", "resolve", "pause"),
           Status.plan_agreed: ("resolve", "pause"),
           Status.resolved: ("confirm", "close", "reopen"), Status.confirmed: ("close", "reopen"),
           Status.closed: ("reopen",)}


def owner_names() -> dict:
    """Each member's name (a person without one: their e-mail)."""
    name = sa.func.coalesce(sa.func.nullif(User.name, ""), User.email)
    return dict(db.session.execute(sa.select(Membership.user_id, name).join(User, User.id == Membership.user_id)).all())


def _load(schema, body: dict) -> dict:
    try:
        return schema.load(body)
    except ma.ValidationError as error:
        raise FormErrors(flatten(error.messages)) from None


def _page(case_id, *, errors=None, values=None, status=200):
    found = reading.one(case_id)
    actions = ALLOWED[found["status"]]
    if found["paused"]:
        actions = ("resume", *(a for a in actions if a != "pause"))
    return render_template("complaints/case.html", case=found, words=wording, actions=actions,
                           owners=owner_names(), errors=errors or {}, values=values or {}, now=clock.now(),
                           is_open=found["status"] in OPEN_STATUSES), status


@pages.route("/<uuid:case_id>")
def case(case_id):
    return _page(case_id)


@pages.route("/<uuid:case_id>", methods=["POST"])
@member_page(needs=Scope.write)
def move(case_id):
    values = {name: request.form.get(name, "").strip() for name in ("action", "note", "plan", "resolution", "cause")}
    try:
        if nul_errors(request.form):
            raise FormErrors(nul_errors(request.form))
        body = _load(ComplaintEventSchema(), {key: value or None for key, value in values.items()} | {
            "action": values["action"]})
        found = cases.get(case_id, lock=True)
        with db.session.begin_nested():  # a refusal leaves the case as it was
            cases.act(found, body["action"], note=body["note"], plan=body["plan"], resolution=body["resolution"],
                      cause=body["cause"])
    except FormErrors as error:
        return _page(case_id, errors=error.fields, values=values, status=error.status)
    except DomainError as error:
        return _page(case_id, errors=flatten(error.fields or {"": [error.message]}), values=values, status=error.status)
    flash(_("The complaint is updated."), "success")
    return redirect(url_for("complaints_pages.case", case_id=case_id), 303)


def _customers_like(text: str) -> list:
    """Up to 20 live customers whose name, phone or e-mail holds ``text`` (taken literally)."""
    return list(db.session.execute(
        sa.select(Customer.id, Customer.name, Customer.phone, Customer.email)
        .where(Customer.deleted_at.is_(None), sa.or_(*(contains(column, text) for column in
                                                       (Customer.name, Customer.phone, Customer.email))))
        .order_by(Customer.name, Customer.id).limit(20)).all())


@pages.route("/new", methods=["GET", "POST"])
@member_page(needs=Scope.write)
def new_case():
    settings = settings_of(NAME)
    values = {name: (request.values.get(name) or "").strip()
              for name in ("customer_id", "find", "category", "priority", "channel", "description")}
    errors, found = {}, []
    chosen = None
    if values["customer_id"]:
        try:
            chosen = db.session.scalar(sa.select(Customer).where(Customer.id == uuid.UUID(values["customer_id"]),
                                                                 Customer.deleted_at.is_(None)))
        except ValueError:
            chosen = None
        if chosen is None:
            errors["customer_id"] = [_("Choose a customer.")]
    elif "\x00" in values["find"]:  # PostgreSQL refuses NUL in text: a field error, not a 500
        errors["find"] = [NUL_MESSAGE]
    elif values["find"]:
        found = _customers_like(values["find"])
        if not found:
            errors["find"] = [_("No customer matches.")]
    status = 200
    if request.method == "POST" and request.form.get("open") and not errors:
        try:
            if nul_errors(request.form):
                raise FormErrors(nul_errors(request.form))
            if chosen is None:
                raise FormErrors({"find": [_("Choose a customer.")]})
            body = _load(ComplaintOpenSchema(), {"customer_id": str(chosen.id), "category": values["category"],
                                                 "description": values["description"],
                                                 "priority": values["priority"] or "normal",
                                                 "channel": values["channel"] or "phone"})
            with db.session.begin_nested():
                made = cases.open_case(body["customer_id"], category=body["category"], description=body["description"].strip(),
                                       priority=body["priority"].value, channel=body["channel"], created_by=acting_person())
            flash(_("The complaint is opened: its clocks run."), "success")
            return redirect(url_for("complaints_pages.case", case_id=made.id), 303)
        except FormErrors as error:
            errors, status = error.fields, error.status
        except DomainError as error:
            errors, status = flatten(error.fields or {"": [error.message]}), error.status
    elif request.method == "POST" and errors:
        status = 422
    return render_template("complaints/new.html", values=values, errors=errors, found=found, chosen=chosen,
                           categories=settings["categories"], words=wording,
                           channels=[c for c in cases.CHANNELS if c not in ("survey", "web_form")]), status
