"""``/settings/modules``: each installed module, switched on and off and given its settings through
:func:`tenants.modules.set_module`, the function behind ``PUT /api/v1/modules/{name}`` (its 409
when a module refuses, or requires another, included). The settings form is generated from the
module's own marshmallow schema (:mod:`saas.web.schema_form`)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from saas.auth import current_principal
from saas.core.accounts import Scope
from saas.core.errors import Conflict, Invalid
from saas.core.plugins import installed
from saas.web.blueprint import bp
from saas.web.pages import member_page
from saas.web.schema_form import flat_errors, inputs, parse
from tenants import modules


def _list(problem: str | None = None, status: int = 200):
    states = modules.module_states(installed(), current_principal().tenant)
    return render_template("settings/modules.html", states=states, problem=problem), status


@bp.route("/settings/modules")
@member_page(needs=Scope.admin)
def settings_modules():
    return _list()


@bp.route("/settings/modules/<string:name>/switch", methods=["POST"])
@member_page(needs=Scope.admin)
def switch_module(name):
    enabled = request.form.get("enabled") == "true"
    try:
        state = modules.set_module(installed(), current_principal().tenant, name, enabled=enabled)
    except Conflict as error:
        return _list(error.fields.get("enabled", [error.message])[0], 409)
    title = state.module.info.title
    flash(_("%(module)s is on.", module=title) if enabled else _("%(module)s is off.", module=title), "success")
    return redirect(url_for("web.settings_modules"))


def _form(state, values: dict, errors: dict, status: int = 200):
    schema = state.module.info.settings
    fields = inputs(schema, values, errors) if schema is not None else []
    return render_template("settings/module.html", state=state, inputs=fields), status


@bp.route("/settings/modules/<string:name>", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def module_settings(name):
    tenant = current_principal().tenant
    state = modules.module_state(installed(), tenant, name)
    schema = state.module.info.settings
    if request.method == "GET" or schema is None:
        return _form(state, state.settings, {})
    posted = parse(schema, request.form)
    try:
        modules.set_module(installed(), tenant, name, settings=posted)
    except Invalid as error:
        return _form(state, posted, flat_errors(error.fields.get("settings", {})), 422)
    flash(_("The settings of %(module)s are saved.", module=state.module.info.title), "success")
    return redirect(url_for("web.module_settings", name=name))
