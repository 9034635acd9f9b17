"""``/settings/workspace``: the workspace's name, currency, time zone, locale and phone region,
changed as ``PATCH /api/v1/tenant`` changes them."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from saas.auth import current_principal
from saas.core.accounts import Scope
from saas.core.errors import Invalid
from saas.web.blueprint import bp
from saas.web.pages import member_page
from saas.web.schema_form import flat_errors
from tenants import accounts
from tenants.api import TenantUpdateSchema

SETTINGS = ("currency", "timezone", "locale", "phone_region")  # posted as settings.<name>, where errors are


def _page(values: dict, errors: dict, status: int = 200):
    return render_template("settings/workspace.html", values=values, errors=errors,
                           locales=accounts.LOCALES), status


@bp.route("/settings/workspace", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def settings_workspace():
    tenant = current_principal().tenant
    if request.method == "GET":
        return _page({"name": tenant.name, **{f"settings.{key}": tenant.settings.get(key, "") for key in SETTINGS}}, {})
    values = {name: request.form.get(name, "").strip() for name in ("name", *(f"settings.{key}" for key in SETTINGS))}
    body = {"name": values["name"], "settings": {key: values[f"settings.{key}"] for key in SETTINGS}}
    try:
        data = TenantUpdateSchema().load(body)
        accounts.update_tenant(tenant, **data)
    except ValidationError as error:
        return _page(values, flat_errors(error.messages), 422)
    except Invalid as error:
        return _page(values, flat_errors(error.fields), 422)
    flash(_("The workspace settings are saved."), "success")
    return redirect(url_for("web.settings_workspace"))
