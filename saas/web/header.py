"""The header of every signed-in page: which workspace the page works in (and, for a person in
several, the switch to another: ``POST /workspace``, :func:`saas.web.sign_in.switch_workspace`)
and how many of their notifications there are unread. Both come with the person
(:class:`saas.auth.SessionUser`), in the statement that signs the request in."""

from __future__ import annotations

from flask import g, session
from wtforms.fields.choices import SelectChoice

from saas.auth import session_principal, session_user
from saas.web.blueprint import bp
from saas.web.sign_in import WorkspaceForm


@bp.app_context_processor
def header() -> dict:
    found = session_user()
    if found is None:
        return {}
    workspaces = found.workspaces
    active = next((workspace for workspace in workspaces if str(workspace.id) == session.get("tenant_id")), None)
    form = None
    if len(workspaces) > 1:
        form = WorkspaceForm(formdata=None, tenant_id=str(active.id) if active else None)
        form.tenant_id.choices = [SelectChoice(str(workspace.id), workspace.name) for workspace in workspaces]
    shown = {"current_workspace": active, "workspace_switch_form": form}
    principal = g.get("principal") or session_principal()
    if principal is not None and principal.user is not None:
        shown["unread_notifications"] = found.unread
    return shown
