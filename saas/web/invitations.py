"""The invitation e-mail and the pages its link opens.

When a workspace adds a person (``POST /api/v1/members`` or the members page, both through
:func:`tenants.accounts.add_member`), they get an e-mail in their language. A new account, made
active with the password the admin gave, gets a link to choose a password of its own. A person
without a password (invited without one) gets a link, ``/invitations/join/<token>``
(:mod:`saas.core.invitation_links`), where they choose their name and password, and land signed
in, in the workspace. An existing account is only invited: its link opens
``/invitations/<workspace id>``, which asks them to sign in first and then to accept or decline,
so no workspace draws an account in without its owner's consent.
"""

from __future__ import annotations

from flask import has_request_context, redirect, render_template, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.exceptions import NotFound
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from saas.auth import sign_in
from saas.core import invitation_links
from saas.core.accounts import Membership, Role, Tenant, User
from saas.core.db import db
from saas.core.errors import Invalid
from saas.core.tenancy import current_tenant
from saas.web import mails
from saas.web.blueprint import bp
from saas.web.field_errors import add_errors
from saas.web.password_pages import mail_reset_link
from tenants import accounts

ROLE_LABELS = {Role.owner: _l("Owner"), Role.admin: _l("Admin"), Role.manager: _l("Manager"),
               Role.agent: _l("Agent"), Role.viewer: _l("Viewer")}


@bp.app_template_filter("role_label")
def role_label(role: Role) -> str:
    """A role in the page's language (``{{ member.role|role_label }}``)."""
    return ROLE_LABELS[role]


def mail_invitation(member: Membership, *, user: User, new_account: bool) -> None:
    """``tenants.accounts.member_added``'s receiver."""
    if not has_request_context():  # a command line (the demo's seeding): no site to link to
        return
    workspace = current_tenant()
    locale = user.locale or workspace.settings.get("locale") or "en"
    context = {"workspace": workspace.name, "role": ROLE_LABELS[member.role]}  # rendered in the mail's language
    if not user.password_hash:  # invited without a password (here or by another workspace before)
        mails.send(user.email, locale, _l("%(workspace)s invites you to Retain", workspace=workspace.name),
                   "invitation_new", name=user.name, **context,
                   link=url_for("web.join", token=invitation_links.issue(user, workspace.id), _external=True))
        return
    if new_account:
        mail_reset_link(user, locale, "member_added", _l("Your Retain account in %(workspace)s",
                                                         workspace=workspace.name), **context)
        return
    mails.send(user.email, locale, _l("%(workspace)s invites you to Retain", workspace=workspace.name),
               "invitation", link=url_for("web.invitation", tenant_id=workspace.id, _external=True), name=user.name,
               **context)


@bp.route("/invitations/<uuid:tenant_id>")
@login_required
def invitation(tenant_id):
    """What the e-mail's link opens: this person's invitation to that workspace, to answer."""
    found = next(((m, t) for m, t in accounts.memberships_of(current_user, "invited") if t.id == tenant_id), None)
    if found is None:
        raise NotFound("There is no invitation to this workspace for you.")
    member, tenant = found
    return render_template("accounts/invitation.html", role=ROLE_LABELS[member.role], tenant=tenant)


class JoinForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             description=_l("At least 10 characters."))
    confirm = PasswordField(_l("Password again"),
                            validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])


@bp.route("/invitations/join/<token>", methods=["GET", "POST"])
def join(token):
    """A person invited without a password: their name and password, then the workspace, signed in."""
    found = invitation_links.read(token)
    if isinstance(found, invitation_links.Refusal):
        return render_template("accounts/invitation_invalid.html", refusal=found.value), found.status
    user, tenant_id = found
    form = JoinForm(name=user.name)
    if form.validate_on_submit():
        try:
            accounts.join(user, tenant_id, name=form.name.data or "", password=form.password.data)
        except Invalid as error:
            add_errors(form, error.fields)
        else:
            sign_in(user)
            session["tenant_id"] = str(tenant_id)
            return redirect(url_for("web.landing"), 303)
    tenant = db.session.get(Tenant, tenant_id)
    return render_template("accounts/join.html", form=form, token=token, tenant=tenant), \
        422 if form.is_submitted() else 200


def init_app() -> None:
    accounts.member_added.connect(mail_invitation)
