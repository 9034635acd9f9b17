"""``/settings/export``: an owner asks for an export of the workspace and downloads each archive
once, as ``POST /api/v1/tenant/export`` and ``GET /api/v1/tenant/exports/{id}/archive`` do."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from saas.auth import current_principal
from saas.core.accounts import Scope
from saas.core.db import db
from saas.web.blueprint import bp
from saas.web.pages import member_page
from tenants import accounts, export

SHOWN = 20  # the latest exports listed


@bp.route("/settings/export", methods=["GET"])
@member_page(needs=Scope.admin)
def settings_export():
    accounts.require_owner(current_principal(), "export the workspace")
    exports = db.session.scalars(sa.select(export.TenantExport).order_by(
        export.TenantExport.requested_at.desc(), export.TenantExport.id.desc()).limit(SHOWN)).all()
    return render_template("settings/export.html", exports=exports)


@bp.route("/settings/export", methods=["POST"])
@member_page(needs=Scope.admin)
def start_export():
    accounts.require_owner(current_principal(), "export the workspace")
    export.request_export(current_principal().user.id)
    flash(_("The export is being prepared: download it here once it is ready."), "success")
    return redirect(url_for("web.settings_export"), 303)


@bp.route("/settings/export/<uuid:export_id>/archive", methods=["GET"])
@member_page(needs=Scope.admin)
def download_export_page(export_id: uuid.UUID):
    accounts.require_owner(current_principal(), "export the workspace")
    record = export.get(export_id)
    answer = send_file(export.take(record), mimetype="application/zip", as_attachment=True,
                       download_name=f"export-{record.id}.zip")
    answer.headers["Cache-Control"] = "no-store"
    return answer
