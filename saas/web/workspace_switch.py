"""The header's workspace: every page says which workspace it works in and, for a person in
several, offers the switch to another (``POST /workspace``, :func:`saas.web.sign_in.switch_workspace`)."""

from __future__ import annotations

from flask import session
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from saas.web.blueprint import bp
from saas.web.sign_in import WorkspaceForm
from tenants import accounts


@bp.app_context_processor
def workspace_switch() -> dict:
    if not current_user.is_authenticated:
        return {}
    workspaces = accounts.workspaces_of(current_user)
    active = next((t for t in workspaces if str(t.id) == session.get("tenant_id")), None)
    form = None
    if len(workspaces) > 1:
        form = WorkspaceForm(formdata=None, tenant_id=str(active.id) if active else None)
        form.tenant_id.choices = [SelectChoice(str(t.id), t.name) for t in workspaces]
    return {"current_workspace": active, "workspace_switch_form": form}
