"""The answer page ``/s/<token>``, the unsubscribe page and a survey's shareable link
``/s/share/<token>``, for customers: no sign-in (the signed link names the workspace and the
invitation or survey), in the customer's language (the visitor's, on a shareable link), plain HTML
forms that work on a phone without JavaScript. A forged or unknown link is a 404 page, an expired
or used one or a closed survey's a 410 page; the module off in that workspace, a 404.

A second submit of the same link (a double tap, two tabs) that reads the invitation before the
first one commits would write a second answer: PostgreSQL makes it wait on the invitation's row
lock and then see it used; SQLite has no row locks, and its write fails (the unique answer per
link, or a stale snapshot). Either way the second gets the 410 page of a used link."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import NotFound

from saas.auth import bind_visitor, public
from saas.core.accounts import Tenant
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.tenancy import current_tenant_id
from saas.extensions import limiter

from plugins.surveys import answering, links, sending, sharing
from plugins.surveys.links import Refusal
from plugins.surveys.models import SCALES, Invitation, Question, State, Survey
from plugins.surveys.settings import NAME
from plugins.surveys.texts import babel_locale, shown

pages = Blueprint("surveys_public", __name__, template_folder="templates")

DEFAULT_LIMIT = "30 per minute;300 per hour"  # per address; SURVEYS_ANSWER_RATE_LIMIT overrides it
# answers sent through a shareable link, per address (SURVEYS_SHARE_RATE_LIMIT overrides it): anyone
# may answer through it, so this is what bounds one person filling the results
DEFAULT_SHARE_LIMIT = "5 per minute;20 per day"


def _limit() -> str:
    return current_app.config.get("SURVEYS_ANSWER_RATE_LIMIT", DEFAULT_LIMIT)


def _share_limit() -> str:
    return current_app.config.get("SURVEYS_SHARE_RATE_LIMIT", DEFAULT_SHARE_LIMIT)


def _refused(refusal: Refusal, language: str | None = None):
    language = language or request.accept_languages.best_match(["en", "zh-CN", "zh"], default="en")
    with force_locale(babel_locale("zh-CN" if language.startswith("zh") else "en")):
        return render_template("surveys/refused.html", refusal=refusal.value,
                               lang="zh-CN" if language.startswith("zh") else "en"), refusal.status


def _language(invitation: Invitation) -> str:
    """The language of the invitation's customer ("en" or "zh-CN")."""
    tenant = db.session.get(Tenant, invitation.tenant_id)
    return sending.language(db.session.get(Customer, (tenant.id, invitation.customer_id)), tenant)


def _workspace(token: str, salt: str):
    """The invitation id a good token names, with its workspace bound; else a refusal."""
    named = links.read(token, salt)
    if named is None:
        return Refusal.unknown
    tenant_id, invitation_id = named
    try:
        bind_visitor(db.session.get(Tenant, tenant_id), NAME)
    except NotFound:
        return Refusal.unknown
    return invitation_id


@pages.route("/s/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_limit)
def answer(token):
    """The survey: GET shows it (with a partial answer kept before); POST ``save`` keeps a partial
    answer, ``finish`` records the answer and uses the link up."""
    invitation_id = _workspace(token, links.ANSWER)
    if isinstance(invitation_id, Refusal):
        return _refused(invitation_id)
    opened = answering.open_invitation(invitation_id, lock=request.method == "POST")
    if isinstance(opened, Refusal):
        invitation = db.session.get(Invitation, (current_tenant_id(), invitation_id))
        return _refused(opened, _language(invitation) if invitation is not None else None)
    tenant = db.session.get(Tenant, opened.invitation.tenant_id)
    language = _language(opened.invitation)
    given, errors, status, done = dict(opened.invitation.draft or {}), {}, 200, None
    if request.method == "POST":
        given, errors = answering.read_form(opened.questions, request.form)
        # an anonymous survey keeps no partial answer: it would sit beside the customer's invitation
        finishing = request.form.get("action") != "save" or opened.survey.anonymous
        if finishing and not errors:
            errors = {question_id: "required" for question_id in answering.missing(opened.questions, given)}
        if errors:
            status = 422
        elif finishing:
            try:
                with db.session.begin_nested():
                    answering.finish(opened, given, language)
            except (IntegrityError, OperationalError):
                db.session.rollback()  # the whole transaction: on SQLite its snapshot predates the other submit
                if not _used(invitation_id):
                    raise
                return _refused(Refusal.used, language)
            done = "finished"
        else:
            answering.save_draft(opened, given)
            done = "saved"
    return _form(opened.survey, opened.questions, language, given, errors, done,
                 action=url_for("surveys_public.answer", token=token), keeps_drafts=not opened.survey.anonymous,
                 unsubscribe=links.unsubscribe_url(tenant.id, opened.invitation.id)), status


def _used(invitation_id) -> bool:
    invitation = db.session.get(Invitation, (current_tenant_id(), invitation_id), populate_existing=True)
    return invitation is not None and invitation.finished_at is not None


def _form(survey: Survey, questions: list[Question], language: str, given: dict, errors: dict, done: str | None,
          **links_of_the_page) -> str:
    with force_locale(babel_locale(language)):
        return render_template(
            "surveys/answer.html", lang=language, title=shown(survey.title, language),
            questions=[{"id": str(q.id), "kind": q.kind.value, "text": shown(q.text, language),
                        "choices": [shown(c, language) for c in q.choices], "required": q.required,
                        "scale": list(range(SCALES[q.kind][0], SCALES[q.kind][1] + 1)) if q.kind in SCALES else []}
                       for q in questions],
            given=given, errors=errors, done=done, **links_of_the_page)


def _visitor_language() -> str:
    """A shareable link's visitor's language: their browser's, else the workspace's."""
    found = request.accept_languages.best_match(["en", "zh-CN", "zh"])
    if found is None:
        found = (db.session.get(Tenant, current_tenant_id()).settings or {}).get("locale") or "en"
    return "zh-CN" if found.lower().startswith("zh") else "en"


@pages.route("/s/share/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_limit)
@limiter.limit(_share_limit, methods=["POST"])
def shared(token):
    """A survey's shareable link: GET shows the survey, POST records an anonymous answer
    (:mod:`plugins.surveys.sharing`); each visit is a fresh form (no partial answer is kept)."""
    named = sharing.read(token)
    if named is None:
        return _refused(Refusal.unknown)
    tenant_id, survey_id = named
    try:
        bind_visitor(db.session.get(Tenant, tenant_id), NAME)
    except NotFound:
        return _refused(Refusal.unknown)
    survey = db.session.get(Survey, (tenant_id, survey_id))
    language = _visitor_language()
    if survey is None or not survey.shareable:
        return _refused(Refusal.unknown, language)
    if survey.state is not State.active:
        return _refused(Refusal.closed, language)
    questions = list(db.session.scalars(sa.select(Question).where(
        Question.survey_id == survey.id, Question.version == survey.version).order_by(Question.position)))
    given, errors, status, done = {}, {}, 200, None
    if request.method == "POST":
        given, errors = answering.read_form(questions, request.form)
        if not errors:
            errors = {question_id: "required" for question_id in answering.missing(questions, given)}
        if errors:
            status = 422
        else:
            sharing.finish(survey, questions, given, language)
            done = "finished"
    return _form(survey, questions, language, given, errors, done, action=url_for("surveys_public.shared", token=token),
                 keeps_drafts=False, unsubscribe=None), status


@pages.route("/s/unsubscribe/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_limit)
def unsubscribe(token):
    """GET asks to confirm (a mail scanner following links must not unsubscribe anyone); POST does it."""
    invitation_id = _workspace(token, links.UNSUBSCRIBE)
    if isinstance(invitation_id, Refusal):
        return _refused(invitation_id)
    invitation = db.session.get(Invitation, (current_tenant_id(), invitation_id))
    if invitation is None:
        return _refused(Refusal.unknown)
    language = _language(invitation)
    done = request.method == "POST" and answering.unsubscribe(invitation_id)
    with force_locale(babel_locale(language)):
        return render_template("surveys/unsubscribe.html", lang=language, done=done, token=token)
