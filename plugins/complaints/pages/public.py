"""The customer's pages, no sign-in (the signed link names the workspace, checked before any SQL):

- ``/c/new/<token>``: the workspace's public complaint form (its link on the module's queue page):
  a name, a phone or an e-mail, the category and what happened. The customer is found by that
  e-mail or phone, else made (source ``complaint form``); the case opens with the channel
  ``web_form``.
- ``/c/confirm/<token>``: "was this resolved?" for one resolution of a case: GET asks (a mail
  scanner following the link must not answer), one click on a button answers: yes confirms the
  case, no reopens it. A forged link is a 404, one of an earlier resolution or answered already a 410.

Both plain HTML forms that work on a phone without JavaScript, in the customer's language
(the browser's, else the workspace's), rate-limited per address, 404 where the module is off."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from saas.auth import bind_visitor, public
from saas.core.accounts import Tenant
from saas.core.customers import Customer
from saas.core.customers import records as customers
from saas.core.db import db
from saas.core.errors import DomainError
from saas.core.module_settings import settings_of
from saas.extensions import limiter
from saas.web.customer_forms import flatten
from saas.web.form_text import nul_errors

from plugins.complaints import cases, links
from plugins.complaints.models import Case, Status
from plugins.complaints.pages import public_pages, wording
from plugins.complaints.settings import NAME

DEFAULT_LIMIT = "20 per minute;200 per hour"  # per address; COMPLAINTS_FORM_RATE_LIMIT overrides it


def _limit() -> str:
    return current_app.config.get("COMPLAINTS_FORM_RATE_LIMIT", DEFAULT_LIMIT)


def _language(tenant: Tenant) -> str:
    default = "en" if not str(tenant.settings.get("locale", "zh_CN")).startswith("zh") else "zh-CN"
    best = request.accept_languages.best_match(["en", "zh-CN", "zh"], default=default)
    return "zh-CN" if best.startswith("zh") else "en"


def _locale(language: str) -> str:
    return "zh_CN" if language == "zh-CN" else "en"


def _bind(tenant_id) -> Tenant:
    tenant = db.session.get(Tenant, tenant_id)
    bind_visitor(tenant, NAME)  # 404 where there is no such workspace or the module is off
    return tenant


def _gone(language: str, why: str):
    with force_locale(_locale(language)):
        return render_template("complaints/public_done.html", lang=language, done=why), 410


@public_pages.route("/new/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_limit)
def complaint_form(token):
    tenant_id = links.read_form(token)
    if tenant_id is None:
        raise NotFound("There is no such page.")
    tenant = _bind(tenant_id)
    language, settings = _language(tenant), settings_of(NAME)
    values = {name: (request.form.get(name) or "").strip()
              for name in ("name", "phone", "email", "category", "description")}
    errors, status = {}, 200
    if request.method == "POST":
        with force_locale(_locale(language)):
            errors = nul_errors(request.form) or _checked(values, settings["categories"])
            if not errors:
                try:
                    with db.session.begin_nested():  # a refusal writes nothing
                        customer = _customer_of(values)
                        cases.open_case(customer.id, category=values["category"], description=values["description"],
                                        channel="web_form", actor="customer")
                    return render_template("complaints/public_done.html", lang=language, done="received",
                                           workspace=tenant.name)
                except DomainError as error:
                    errors = flatten(error.fields or {"": [error.message]})
            status = 422
    with force_locale(_locale(language)):
        return render_template("complaints/public_form.html", lang=language, workspace=tenant.name, values=values,
                               errors=errors, token=token, words=wording, categories=settings["categories"]), status


def _checked(values: dict, categories: list[str]) -> dict:
    errors = {}
    if not values["name"]:
        errors["name"] = [_("Your name, please.")]
    elif len(values["name"]) > 200:
        errors["name"] = [_("At most %(count)d characters.", count=200)]
    if not values["phone"] and not values["email"]:
        errors["phone"] = [_("A phone number or an e-mail address, so that we can answer.")]
    if values["category"] not in categories:
        errors["category"] = [_("Choose what the complaint is about.")]
    if not values["description"]:
        errors["description"] = [_("Tell us what happened.")]
    elif len(values["description"]) > 5000:
        errors["description"] = [_("At most %(count)d characters.", count=5000)]
    return errors


def _customer_of(values: dict) -> Customer:
    """The customer with that e-mail or phone (as the workspace keeps them), else a new one."""
    contact = customers.clean_contact({"email": values["email"] or None, "phone": values["phone"] or None})
    for field in ("email", "phone"):
        if contact.get(field):
            found = db.session.scalar(sa.select(Customer).where(
                getattr(Customer, field) == contact[field], Customer.deleted_at.is_(None)).order_by(Customer.id).limit(1))
            if found is not None:
                return found
    return customers.create({"name": values["name"], "email": contact.get("email"), "phone": contact.get("phone"),
                             "source": "complaint form"})


@public_pages.route("/confirm/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_limit)
def confirm(token):
    named = links.read_confirmation(token)
    if named is None:
        raise NotFound("There is no such page.")
    tenant_id, case_id, resolved_at = named
    tenant = _bind(tenant_id)
    language = _language(tenant)
    case = db.session.scalar(sa.select(Case).where(Case.id == case_id).with_for_update()
                             if request.method == "POST" else sa.select(Case).where(Case.id == case_id))
    if case is None:
        raise NotFound("There is no such page.")
    if case.status is not Status.resolved or case.resolved_at != resolved_at:
        return _gone(language, "answered" if case.resolved_at == resolved_at else "stale")
    if request.method == "POST" and nul_errors(request.form):  # PostgreSQL refuses NUL in text
        with force_locale(_locale(language)):
            return render_template("complaints/public_confirm.html", lang=language, workspace=tenant.name,
                                   token=token, case=case, category=wording.category_label(case.category)), 422
    if request.method == "POST":
        answer = request.form.get("answer")
        if answer == "yes":
            cases.act(case, "confirm", satisfied=True, actor="customer")
        elif answer == "no":
            cases.act(case, "reopen", note=(request.form.get("note") or "").strip()[:2000] or None, actor="customer")
            case.satisfied = False
        else:
            answer = None
        if answer is not None:
            with force_locale(_locale(language)):
                return render_template("complaints/public_done.html", lang=language, done=f"confirm_{answer}",
                                       workspace=tenant.name)
    with force_locale(_locale(language)):
        return render_template("complaints/public_confirm.html", lang=language, workspace=tenant.name, token=token,
                               case=case, category=wording.category_label(case.category))
