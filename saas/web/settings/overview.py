"""``/settings/``: the settings overview, the way to each admin page."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l

from saas.auth import current_principal
from saas.core.accounts import Scope
from saas.web.blueprint import bp
from saas.web.pages import member_page
from tenants import accounts

SECTIONS = (  # (endpoint, title, what it is for), in the order of the overview
    ("web.settings_workspace", _l("Workspace"), _l("Name, currency, time zone, language and phone region.")),
    ("web.settings_members", _l("Members"), _l("Who works in this workspace, their roles and invitations.")),
    ("web.settings_api_keys", _l("API keys"), _l("Keys that let other systems use the API.")),
    ("web.settings_custom_fields", _l("Custom fields"), _l("Fields the workspace adds to every customer profile.")),
    ("web.settings_inbound", _l("Inbound orders"),
     _l("How a shop or ERP sends its orders, the secret that signs them, and the orders received.")),
    ("web.settings_webhooks", _l("Webhooks"), _l("Endpoints that receive the workspace's events, and their deliveries.")),
    ("web.settings_modules", _l("Modules"), _l("Switch modules on and off and change their settings.")),
    ("web.settings_classification", _l("Classification rules"),
     _l("The spend that makes each value tier and the days that make each lifecycle stage.")),
    ("web.settings_audit", _l("Audit log"), _l("Who changed what, and when.")),
    ("web.settings_module_errors", _l("Module errors"), _l("Errors the modules raised in this workspace.")),
    ("web.settings_export", _l("Export the workspace"),
     _l("Every row of the workspace in one archive, to download once (owners only).")),
    ("web.settings_delete_workspace", _l("Delete the workspace"),
     _l("Delete the workspace and everything in it, for good (owners only).")),
)
OWNERS_ONLY = {"web.settings_export", "web.settings_delete_workspace"}


@bp.route("/settings/")
@member_page(needs=Scope.admin)
def settings():
    owner = accounts.acts_as_owner(current_principal())
    return render_template("settings/overview.html",
                           sections=[s for s in SECTIONS if owner or s[0] not in OWNERS_ONLY])
