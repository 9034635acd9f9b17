"""``/settings/audit``: the audit log with its filters, as ``GET /api/v1/audit-log``; and
``/settings/module-errors``: what the modules raised, as ``GET /api/v1/modules/errors``."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from marshmallow import ValidationError

from saas.api.audit import AuditArgs
from saas.core import audit
from saas.core.accounts import Scope
from saas.core.types import utcnow
from saas.web.blueprint import bp
from saas.web.pages import member_page
from saas.web.schema_form import flat_errors
from tenants import modules
from tenants.modules_api import ErrorArgs


@bp.route("/settings/audit")
@member_page(needs=Scope.admin)
def settings_audit():
    values = {key: value.strip() for key, value in request.args.items() if value.strip()}
    try:
        args = AuditArgs().load(values)
    except ValidationError as error:
        return render_template("settings/audit.html", entries=[], next_cursor=None, values=values,
                               errors=flat_errors(error.messages)), 422
    page = audit.entries(**args)
    filters = {key: values[key] for key in ("object_type", "object_id") if key in values}
    return render_template("settings/audit.html", entries=page.items, next_cursor=page.next_cursor,
                           values=values, filters=filters, errors={})


@bp.route("/settings/module-errors")
@member_page(needs=Scope.admin)
def settings_module_errors():
    args = ErrorArgs().load({})
    return render_template("settings/module_errors.html", errors=modules.recent_errors(args["limit"]),
                           counts=modules.error_counts(utcnow() - dt.timedelta(hours=24)))
