"""``/api/v1/tenants`` (public sign-up), ``/tenant`` (and its deletion), ``/members`` and ``/api-keys``."""

from __future__ import annotations

from flask import current_app, send_file, url_for
from flask_login import logout_user
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, PartialSchema, page_schema
from saas.api.schema import Schema
from saas.auth import current_principal, public, requires
from saas.core.accounts import Role, Scope
from saas.core.errors import Forbidden, NotFound
from saas.core.tenancy import current_tenant
from saas.extensions import limiter
from tenants import account_deletion, accounts, deletion, export

bp = ApiBlueprint("tenants", __name__, url_prefix="/api/v1", description="Workspaces, members and API keys")


class SettingsSchema(Schema):
    currency = f.String(validate=v.Length(equal=3), metadata={"example": "CNY"})
    timezone = f.String(validate=v.Length(max=64), metadata={"example": "Asia/Shanghai"})
    locale = f.String(validate=v.OneOf(accounts.LOCALES))
    phone_region = f.String(validate=v.Length(equal=2), metadata={
        "example": "CN", "description": "Where phone numbers written without a country code are from"})


class TenantSchema(Schema):
    id = f.UUID(dump_only=True)
    slug = f.String(dump_only=True)
    name = f.String(validate=v.Length(min=1, max=200))
    status = f.String(dump_only=True)
    settings = f.Nested(SettingsSchema)
    created_at = f.AwareDateTime(dump_only=True)


class TenantUpdateSchema(PartialSchema, TenantSchema):
    """Any of the workspace's changeable fields."""


class UserSchema(Schema):
    id = f.UUID()
    email = f.String()
    name = f.String()


class SignupSchema(Schema):
    company_name = f.String(required=True, validate=v.Length(min=1, max=200))
    slug = f.String(required=True, validate=[v.Length(min=3, max=50), v.Regexp(
        rf"\A{accounts.SLUG_PATTERN.pattern}\Z", error="3-50 lower-case letters, digits and dashes; not reserved.")])
    admin_email = f.Email(required=True, validate=v.Length(max=254))
    admin_password = f.String(required=True, load_only=True, validate=v.Length(max=256))
    admin_name = f.String(load_default="", validate=v.Length(max=200))
    settings = f.Nested(SettingsSchema, load_default=dict)


class SignupResultSchema(Schema):
    tenant = f.Nested(TenantSchema)
    user = f.Nested(UserSchema)
    api_key = f.String(metadata={"description": "Shown only this once"})


class MemberSchema(Schema):
    id = f.UUID(dump_only=True)
    user_id = f.UUID(dump_only=True)
    email = f.Email(required=True, validate=v.Length(max=254), attribute="user.email")
    name = f.String(load_default="", validate=v.Length(max=200), attribute="user.name")
    password = f.String(load_only=True, validate=v.Length(max=256),
                        metadata={"description": "Only for a person who has no account yet, and optional: "
                                             "without it they are invited and choose their own password "
                                             "through the e-mail's link"})
    role = f.Enum(Role, by_value=True, required=True)
    team = f.String(allow_none=True, validate=v.Length(max=100))
    status = f.String(dump_only=True, metadata={
        "enum": ["active", "invited"],
        "description": "An existing account, or a new one without a password, is invited and joins "
                       "when the person accepts on the web"})
    created_at = f.AwareDateTime(dump_only=True)


class MemberUpdateSchema(Schema):
    role = f.Enum(Role, by_value=True)
    team = f.String(allow_none=True, validate=v.Length(max=100))


class ApiKeySchema(Schema):
    id = f.UUID(dump_only=True)
    name = f.String(required=True, validate=v.Length(min=1, max=100))
    prefix = f.String(dump_only=True)
    scopes = f.List(f.String(validate=v.OneOf([s.value for s in Scope])), load_default=lambda: ["read"],
                    validate=v.Length(min=1))
    last_used_at = f.AwareDateTime(dump_only=True, allow_none=True)
    revoked_at = f.AwareDateTime(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)


class NewApiKeySchema(ApiKeySchema):
    key = f.String(dump_only=True, metadata={"description": "The full key; shown only this once"})


class DeletionRequestSchema(Schema):
    confirm = f.String(required=True, validate=v.Length(max=50),
                       metadata={"description": "The workspace's slug, typed again", "example": "biluochun"})


class DeletionSchema(Schema):
    status = f.String(metadata={"enum": ["running", "done"]})
    rows_deleted = f.Integer(metadata={"description": "Rows deleted so far, in every table"})
    files_deleted = f.Integer(metadata={"description": "Uploaded files deleted"})
    requested_at = f.AwareDateTime()
    finished_at = f.AwareDateTime(allow_none=True)


class NewDeletionSchema(DeletionSchema):
    id = f.UUID(metadata={"description": "Shown only this once: GET /api/v1/tenant-deletions/{deletion_id} "
                                         "follows the deletion (the workspace's keys no longer work)"})
    url = f.String(metadata={"description": "That address"})


def _signup_limit() -> str:
    return current_app.config["SIGNUP_RATE_LIMIT"]


@bp.route("/tenants", methods=["POST"])
@public
@limiter.limit(_signup_limit)
@bp.arguments(SignupSchema)
@bp.response(201, SignupResultSchema)
@bp.errors(400, 409, 429)
@bp.doc(security=[])
def sign_up(data):
    """Sign a company up: a new workspace, its owner and a first API key (shown once)."""
    settings = data.pop("settings")
    tenant, user, key = accounts.sign_up(**data, settings=settings)
    return {"tenant": tenant, "user": user, "api_key": key}


@bp.route("/tenant", methods=["GET"])
@bp.response(200, TenantSchema)
def get_tenant():
    """The workspace of the credentials in use."""
    return current_principal().tenant


@bp.route("/tenant", methods=["PATCH"])
@requires(Scope.admin)
@bp.arguments(TenantUpdateSchema)
@bp.response(200, TenantSchema)
@bp.errors(400, 422)
def update_tenant(data):
    """Rename the workspace or change its currency, time zone, locale or phone region (admins)."""
    tenant = accounts.update_tenant(current_tenant(), **data)
    return tenant


@bp.route("/tenant", methods=["DELETE"])
@requires(Scope.admin)
@bp.arguments(DeletionRequestSchema)
@bp.response(202, NewDeletionSchema, headers={"Location": {"description": "Where to follow the deletion",
                                                           "schema": {"type": "string"}}})
@bp.errors(403, 422)
def delete_tenant(data):
    """Delete the workspace and everything in it, for good (owners only; ``confirm`` is its slug).
    Its keys and pages stop at once; a job deletes every row and uploaded file: follow it at the
    answer's ``url`` (also the ``Location`` header)."""
    principal = current_principal()
    accounts.require_owner(principal, "delete the workspace")
    user_id = principal.user.id if principal.user is not None else principal.api_key.created_by
    record, token = deletion.request_deletion(current_tenant(), data["confirm"], user_id)
    url = url_for("tenants.deletion_status", deletion_id=token)
    return {**_deletion(record), "id": token, "url": url}, 202, {"Location": url}


@bp.route("/tenant-deletions/<uuid:deletion_id>", methods=["GET"])
@public
@bp.response(200, DeletionSchema)
@bp.errors(404)
@bp.doc(security=[])
def deletion_status(deletion_id):
    """How far a workspace's deletion got, by the id its ``DELETE /api/v1/tenant`` answered (known
    to whoever asked alone: public, as the workspace's keys stop at once; it names no workspace)."""
    record = deletion.find(deletion_id)
    if record is None:
        raise NotFound("deletion not found")
    return _deletion(record)


def _deletion(record) -> dict:
    return {"status": record.status, "rows_deleted": record.rows_deleted, "files_deleted": record.files_deleted,
            "requested_at": record.requested_at, "finished_at": record.finished_at}


class ExportSchema(Schema):
    id = f.UUID()
    status = f.String(metadata={"enum": ["queued", "running", "done", "downloaded", "expired", "failed"]})
    requested_at = f.AwareDateTime()
    finished_at = f.AwareDateTime(allow_none=True)
    downloaded_at = f.AwareDateTime(allow_none=True)
    expires_at = f.AwareDateTime(allow_none=True, metadata={"description": "When an archive not downloaded is deleted"})
    tables = f.Integer()
    rows = f.Integer()
    size = f.Integer(metadata={"description": "The archive's size in bytes"})
    url = f.String(metadata={"description": "Where to follow it"})
    download_url = f.String(metadata={"description": "The archive, once done: downloadable once"})


def _export(record) -> dict:
    return {"id": record.id, "status": record.status, "requested_at": record.requested_at,
            "finished_at": record.finished_at, "downloaded_at": record.downloaded_at,
            "expires_at": record.expires_at, "tables": record.tables, "rows": record.rows, "size": record.size,
            "url": url_for("tenants.get_export", export_id=record.id),
            "download_url": url_for("tenants.download_export", export_id=record.id)}


@bp.route("/tenant/export", methods=["POST"])
@requires(Scope.admin)
@bp.response(202, ExportSchema, headers={"Location": {"description": "Where to follow the export",
                                                      "schema": {"type": "string"}}})
@bp.errors(403)
def export_tenant():
    """Export every row the workspace owns (owners only): a job writes one ZIP archive with JSON
    lines and CSV per table and a manifest; follow it at ``url``, then download it once at
    ``download_url``. Secrets and hashes are left out."""
    accounts.require_owner(current_principal(), "export the workspace")
    principal = current_principal()
    user_id = principal.user.id if principal.user is not None else principal.api_key.created_by
    answer = _export(export.request_export(user_id))
    return answer, 202, {"Location": answer["url"]}


@bp.route("/tenant/exports/<uuid:export_id>", methods=["GET"])
@requires(Scope.admin)
@bp.response(200, ExportSchema)
@bp.errors(403, 404)
def get_export(export_id):
    """An export's status and counts (owners only)."""
    accounts.require_owner(current_principal(), "read the workspace's exports")
    return _export(export.get(export_id))


@bp.route("/tenant/exports/<uuid:export_id>/archive", methods=["GET"])
@requires(Scope.admin)
@bp.response(200, content_type="application/zip", description="The archive: manifest.json, and <table>.jsonl and <table>.csv per table")
@bp.errors(403, 404, 409, 410)
def download_export(export_id):
    """The export's ZIP archive, once (owners only): 409 while it is built, 410 afterwards."""
    accounts.require_owner(current_principal(), "download the workspace's exports")
    record = export.get(export_id)
    answer = send_file(export.take(record), mimetype="application/zip", as_attachment=True,
                       download_name=f"export-{record.id}.zip")
    answer.headers["Cache-Control"] = "no-store"
    return answer


class AccountDeletionSchema(Schema):
    password = f.String(required=True, load_only=True, validate=v.Length(max=256),
                        metadata={"description": "The person's current password, to confirm"})


@bp.route("/account", methods=["DELETE"])
@requires(Scope.read)  # anyone may leave, a viewer too
@bp.arguments(AccountDeletionSchema)
@bp.response(204)
@bp.errors(403, 409, 422)
def delete_account(data):
    """Delete the signed-in person's own account (web session only: a key acts for a workspace,
    not a person); 409 while they are a workspace's last owner."""
    principal = current_principal()
    if principal.api_key is not None or principal.user is None:
        raise Forbidden("an API key acts for a workspace, not a person: sign in to delete your account")
    account_deletion.delete_account(principal.user, data["password"])
    logout_user()


@bp.route("/members", methods=["GET"])
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, page_schema(MemberSchema, "MemberList"))
def list_members(cursor, limit):
    """Everyone who works in this workspace, oldest first."""
    page = accounts.members(cursor=cursor, limit=limit)
    return page


@bp.route("/members", methods=["POST"])
@requires(Scope.admin)
@bp.arguments(MemberSchema)
@bp.response(201, MemberSchema)
@bp.errors(400, 409, 422)
def add_member(data):
    """Add a person with a role, inviting them by e-mail (admins; owners grant owner)."""
    user = data.pop("user")
    member = accounts.add_member(email=user["email"], name=user.get("name", ""), actor_role=current_principal().role, **data)
    return member


@bp.route("/members/<uuid:member_id>", methods=["PATCH"])
@requires(Scope.admin)
@bp.arguments(MemberUpdateSchema)
@bp.response(200, MemberSchema)
@bp.errors(400, 404, 409)
def change_member(data, member_id):
    """Change a member's role or team (admins)."""
    member = accounts.get_member(member_id)
    accounts.change_member(member, actor_role=current_principal().role, role=data.get("role"),
                           team=data.get("team"), clear_team="team" in data and data["team"] is None)
    return member


@bp.route("/members/<uuid:member_id>", methods=["DELETE"])
@requires(Scope.admin)
@bp.response(204)
@bp.errors(404, 409)
def remove_member(member_id):
    """Remove a member; their customers lose their account manager (admins)."""
    accounts.remove_member(accounts.get_member(member_id), actor_role=current_principal().role)


@bp.route("/api-keys", methods=["GET"])
@requires(Scope.admin)
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, page_schema(ApiKeySchema, "ApiKeyList"))
def list_api_keys(cursor, limit):
    """This workspace's API keys, never their secrets (admins)."""
    page = accounts.api_keys(cursor=cursor, limit=limit)
    return page


@bp.route("/api-keys", methods=["POST"], idempotent=False)  # the answer is a secret
@requires(Scope.admin)
@bp.arguments(ApiKeySchema)
@bp.response(201, NewApiKeySchema)
@bp.errors(400)
def create_api_key(data):
    """Issue an API key; the full key is in this response only (admins)."""
    principal = current_principal()
    row, key = accounts.issue_api_key(data["name"], data["scopes"], created_by=principal.user.id if principal.user else None)
    row.key = key  # carried to the response only; the database keeps the hash
    return row


@bp.route("/api-keys/<uuid:key_id>", methods=["DELETE"])
@requires(Scope.admin)
@bp.response(204)
@bp.errors(404)
def revoke_api_key(key_id):
    """Revoke a key at once (admins)."""
    accounts.revoke_api_key(accounts.get_api_key(key_id))
