"""``/settings/delete-workspace``: an owner deletes the workspace, typing its slug to confirm, as
``DELETE /api/v1/tenant`` does (the same core function; the job runs after the answer)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from saas.auth import current_principal
from saas.core.accounts import Scope
from saas.core.errors import Invalid
from saas.web.blueprint import bp
from saas.web.pages import member_page
from saas.web.schema_form import flat_errors
from tenants import accounts, deletion


@bp.route("/settings/delete-workspace", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def settings_delete_workspace():
    principal = current_principal()
    accounts.require_owner(principal, "delete the workspace")
    tenant = principal.tenant
    if request.method == "GET":
        return render_template("settings/delete_workspace.html", tenant=tenant, value="", errors={})
    typed = request.form.get("confirm", "")[:50]
    try:
        deletion.request_deletion(tenant, typed, principal.user.id)
    except Invalid as error:
        return render_template("settings/delete_workspace.html", tenant=tenant, value=typed,
                               errors=flat_errors(error.fields)), 422
    flash(_("%(name)s is being deleted, with everything in it.", name=tenant.name), "success")
    return redirect(url_for("web.landing"), 303)
