"""Signing in and out, the landing page, switching workspaces and answering invitations."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from saas.auth import session_principal, sign_in
from saas.core.accounts import Role
from saas.core.passwords import hash_password, needs_rehash, verify_nothing, verify_password
from saas.core.tenancy import tenant_context
from saas.core.webhooks import endpoints as webhooks
from saas.extensions import limiter
from saas.web import dashboard
from saas.web.blueprint import bp, local_target
from tenants import accounts


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class WorkspaceForm(FlaskForm):
    tenant_id = SelectField(_l("Workspace"), validators=[DataRequired()])


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/")
def landing():
    """A visitor's welcome, or a member's dashboard in the workspace they work in."""
    workspaces = accounts.memberships_of(current_user) if current_user.is_authenticated else []
    member, active = next(((m, t) for m, t in workspaces if str(t.id) == session.get("tenant_id")), (None, None))
    invitations = accounts.memberships_of(current_user, "invited") if current_user.is_authenticated else []
    stopped = []
    if member is not None and member.role in (Role.owner, Role.admin):
        with tenant_context(active.id):
            stopped = webhooks.disabled_endpoints()
    context = {"workspaces": workspaces, "active": active, "invitations": invitations,
               "stopped_webhooks": stopped}
    if active is not None and session_principal() is not None:  # not a suspended workspace
        return dashboard.show(**context)
    return render_template("landing.html", **context)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data)
        if user is None:
            verify_nothing(form.password.data)
        elif user.is_active and verify_password(user.password_hash, form.password.data):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            sign_in(user)
            workspaces = accounts.memberships_of(user)
            session["tenant_id"] = str(workspaces[0][1].id) if workspaces else None
            return redirect(local_target(request.args.get("next")) or url_for("web.landing"))
        flash(_("Wrong e-mail or password."), "error")
        return render_template("login.html", form=form), 401
    return render_template("login.html", form=form), 400 if form.errors else 200


@bp.route("/workspace", methods=["POST"])
@login_required
def switch_workspace():
    form = WorkspaceForm()
    workspaces = accounts.memberships_of(current_user)
    form.tenant_id.choices = [SelectChoice(str(t.id), t.name) for _member, t in workspaces]
    if form.validate_on_submit():
        session["tenant_id"] = form.tenant_id.data
    return redirect(url_for("web.landing"))


@bp.route("/invitations/<uuid:tenant_id>/<any(accept, decline):answer>", methods=["POST"])
@login_required
def answer_invitation(tenant_id, answer):
    accounts.answer_invitation(current_user, tenant_id, accept=answer == "accept")
    if answer == "accept" and not session.get("tenant_id"):
        session["tenant_id"] = str(tenant_id)
    return redirect(url_for("web.landing"))


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.pop("tenant_id", None)
    return redirect(url_for("web.login"))
