"""``/settings/members``: the workspace's members and invitations, 50 a page (keyset, as
``GET /api/v1/members`` pages) and searched by name or e-mail; added, given a role or team and
removed as ``/api/v1/members`` does, with its owner rules (only an owner grants or takes the owner
role; a workspace keeps at least one owner)."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from saas.auth import current_principal
from saas.core.accounts import Role, Scope
from saas.core.errors import Conflict, DomainError, Forbidden
from saas.web.blueprint import bp
from saas.web.form_text import NUL_MESSAGE
from saas.web.invitations import ROLE_LABELS
from saas.web.pages import member_page
from saas.web.schema_form import flat_errors
from tenants import accounts
from tenants.api import MemberSchema, MemberUpdateSchema

REFUSED = {Forbidden: _l("Only an owner may grant or take the owner role."),
           Conflict: _l("A workspace needs at least one owner.")}
BLANK = {"email": "", "name": "", "role": Role.agent.value, "team": ""}
PER_PAGE = 50
SEARCH_MAX = 200


def _grantable() -> list[Role]:
    """The roles the signed-in person may hand out: the owner role only by an owner."""
    actor = current_principal().role
    return [role for role in Role if role is not Role.owner or actor is Role.owner]


def _page(values: dict, errors: dict, problem: str | None = None, status: int = 200):
    q, cursor = request.args.get("q", "").strip(), request.args.get("cursor") or None
    search_errors = ({"q": [NUL_MESSAGE]} if "\x00" in q else
                     {"q": [_("At most %(n)s characters.", n=SEARCH_MAX)]} if len(q) > SEARCH_MAX else {})
    if search_errors:  # the list unsearched, the box with its error
        q, cursor, status = "", None, 400
    page = accounts.members(q=q, cursor=cursor, limit=PER_PAGE)
    return render_template("settings/members.html", members=page.items, next_cursor=page.next_cursor, q=q,
                           paged=cursor is not None, search_errors=search_errors, values=values, errors=errors,
                           problem=problem, roles=_grantable(), role_labels=ROLE_LABELS,
                           actor=current_principal().role), status


def _refused(error: DomainError, values: dict):
    known = REFUSED.get(type(error))
    if isinstance(error, Conflict) and error.fields:  # "already a member" names its field
        return _page(values, flat_errors(error.fields), status=409)
    return _page(values, {}, str(known) if known else error.message, status=error.status)


@bp.route("/settings/members", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def settings_members():
    if request.method == "GET":
        return _page(BLANK, {})
    values = {key: request.form.get(key, "").strip() for key in ("email", "name", "role", "team", "password")}
    body = {key: value for key, value in values.items() if value or key in ("email", "role")}
    try:
        data = MemberSchema().load(body)
        user = data.pop("user")
        accounts.add_member(email=user["email"], name=user.get("name", ""), actor_role=current_principal().role, **data)
    except ValidationError as error:
        return _page(values, flat_errors(error.messages), status=422)
    except DomainError as error:
        if error.status == 422:
            return _page(values, flat_errors(error.fields), status=422)
        return _refused(error, values)
    flash(_("%(email)s is added.", email=user["email"]), "success")
    return redirect(url_for("web.settings_members"))


@bp.route("/settings/members/<uuid:member_id>", methods=["POST"])
@member_page(needs=Scope.admin)
def change_member(member_id: uuid.UUID):
    member = accounts.get_member(member_id)
    body = {"role": request.form.get("role", ""), "team": request.form.get("team", "").strip() or None}
    try:
        data = MemberUpdateSchema().load(body)
        accounts.change_member(member, actor_role=current_principal().role, role=data.get("role"),
                               team=data.get("team"), clear_team=data.get("team") is None)
    except ValidationError as error:
        return _page(BLANK, {}, "; ".join(m for ms in flat_errors(error.messages).values() for m in ms), 422)
    except (Forbidden, Conflict) as error:
        return _refused(error, BLANK)
    flash(_("%(email)s is saved.", email=member.user.email), "success")
    return redirect(url_for("web.settings_members"))


@bp.route("/settings/members/<uuid:member_id>/remove", methods=["POST"])
@member_page(needs=Scope.admin)
def remove_member(member_id: uuid.UUID):
    member = accounts.get_member(member_id)
    email = member.user.email
    try:
        accounts.remove_member(member, actor_role=current_principal().role)
    except (Forbidden, Conflict) as error:
        return _refused(error, BLANK)
    flash(_("%(email)s is removed.", email=email), "success")
    return redirect(url_for("web.settings_members"))
