"""The invitation e-mail and the page its link opens.

When a workspace adds a person (``POST /api/v1/members`` or the members page, both through
:func:`tenants.accounts.add_member`), they get an e-mail in their language. A new account, made
active with the password the admin gave, gets a link to choose a password of its own. An
existing account is only invited: its link opens ``/invitations/<workspace id>``, which asks them
to sign in first and then to accept or decline, so no workspace draws an account in without its
owner's consent.
"""

from __future__ import annotations

from flask import has_request_context, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound

from saas.core.accounts import Membership, Role, User
from saas.core.tenancy import current_tenant
from saas.web import mails
from saas.web.blueprint import bp
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


def init_app() -> None:
    accounts.member_added.connect(mail_invitation)
