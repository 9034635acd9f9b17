"""The header of every signed-in page: which workspace the page works in (and, for a person in
several, the switch to another: ``POST /workspace``, :func:`saas.web.sign_in.switch_workspace`)
and how many of their notifications there are unread, read together in one statement."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from flask import g, session
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from saas.auth import session_principal
from saas.core import notifications
from saas.core.accounts import Membership, Tenant
from saas.core.db import db
from saas.core.tenancy import global_lookup, tenant_context
from saas.web.blueprint import bp
from saas.web.sign_in import WorkspaceForm


_members, _tenants = Membership.__table__, Tenant.__table__
# ``(id, name, unread)`` of a person's active workspaces, oldest first; ``unread`` counts their
# unread notifications in the workspace ``tenant_id``. Built once; the rows are read as columns
# (loading memberships and tenants as instances costs several times the statement).
_WORKSPACES = (
    sa.select(_tenants.c.id, _tenants.c.name,
              notifications.unread_count_of(sa.bindparam("user_id", type_=sa.Uuid),
                                            sa.bindparam("tenant_id", type_=sa.Uuid)).scalar_subquery().label("unread"))
    .join(_members, _members.c.tenant_id == _tenants.c.id)
    .where(_members.c.user_id == sa.bindparam("user_id"), _members.c.status == "active", _tenants.c.status == "active")
    .order_by(_members.c.created_at, _members.c.id)
)


@bp.app_context_processor
def header() -> dict:
    if not current_user.is_authenticated:
        return {}
    principal = g.get("principal") or session_principal()
    member = principal is not None and principal.user is not None
    # The count is the workspace's own (row-level security reads the bound tenant on PostgreSQL).
    bound = tenant_context(principal.tenant.id) if member else contextlib.nullcontext()
    with bound, global_lookup(user_id=str(current_user.id)):
        workspaces = db.session.execute(
            _WORKSPACES, {"user_id": current_user.id, "tenant_id": principal.tenant.id if member else None}).all()
    active = next((t for t in workspaces if str(t.id) == session.get("tenant_id")), None)
    form = None
    if len(workspaces) > 1:
        form = WorkspaceForm(formdata=None, tenant_id=str(active.id) if active else None)
        form.tenant_id.choices = [SelectChoice(str(t.id), t.name) for t in workspaces]
    found = {"current_workspace": active, "workspace_switch_form": form}
    if member:
        found["unread_notifications"] = workspaces[0].unread if workspaces else 0
    return found
