"""``/settings/api-keys``: the workspace's API keys, issued (the key shown this once) and revoked as
``/api/v1/api-keys`` does."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from saas.auth import current_principal
from saas.core.accounts import Scope
from saas.web.blueprint import bp
from saas.web.pages import member_page
from saas.web.schema_form import flat_errors
from tenants import accounts
from tenants.api import ApiKeySchema


def _page(values: dict, errors: dict, new_key: str | None = None, status: int = 200):
    page = accounts.api_keys(cursor=request.args.get("cursor"), limit=200)
    return render_template("settings/api_keys.html", keys=page.items, next_cursor=page.next_cursor,
                           values=values, errors=errors, new_key=new_key, scopes=[s.value for s in Scope]), status


@bp.route("/settings/api-keys", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def settings_api_keys():
    if request.method == "GET":
        return _page({"name": "", "scopes": ["read"]}, {})
    values = {"name": request.form.get("name", "").strip(), "scopes": request.form.getlist("scopes")}
    try:
        data = ApiKeySchema().load(values)
    except ValidationError as error:
        return _page(values, flat_errors(error.messages), status=422)
    user = current_principal().user
    _row, key = accounts.issue_api_key(data["name"], data["scopes"], created_by=user.id if user else None)
    return _page({"name": "", "scopes": ["read"]}, {}, new_key=key, status=201)  # never in a redirect: a secret


@bp.route("/settings/api-keys/<uuid:key_id>/revoke", methods=["POST"])
@member_page(needs=Scope.admin)
def revoke_api_key(key_id: uuid.UUID):
    key = accounts.get_api_key(key_id)
    accounts.revoke_api_key(key)
    flash(_("The key %(name)s is revoked.", name=key.name), "success")
    return redirect(url_for("web.settings_api_keys"))
