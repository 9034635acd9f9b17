"""``/api/v1/audit-log``: who changed what, for admins."""

from __future__ import annotations

from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, page_schema
from saas.api.schema import Schema
from saas.auth import requires
from saas.core.accounts import Scope
from saas.core import audit

bp = ApiBlueprint("audit", __name__, url_prefix="/api/v1/audit-log", description="Audit log")


class AuditEntrySchema(Schema):
    id = f.UUID()
    created_at = f.AwareDateTime()
    actor_type = f.String(metadata={"enum": ["user", "api_key", "webhook", "system"]})
    actor_id = f.String(allow_none=True)
    action = f.String(metadata={"enum": ["create", "update", "delete", "restore", "merge"]})
    object_type = f.String()
    object_id = f.String()
    changes = f.Dict(metadata={"description": "field: [old, new]"})


class AuditArgs(PageArgs):
    object_type = f.String(validate=v.Length(max=50))
    object_id = f.String(validate=v.Length(max=64))


@bp.route("", methods=["GET"])
@requires(Scope.admin)
@bp.arguments(AuditArgs, location="query", as_kwargs=True)
@bp.response(200, page_schema(AuditEntrySchema, "AuditPage"))
@bp.errors(400)
def list_audit_log(cursor, limit, object_type=None, object_id=None):
    """Changes to this workspace's data, newest first (admins)."""
    return audit.entries(object_type=object_type, object_id=object_id, cursor=cursor, limit=limit)
