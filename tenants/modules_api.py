"""``/api/v1/modules``: the installed modules, switched on and off per tenant by its admins."""

from __future__ import annotations

import datetime as dt

from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint
from saas.api.schema import Schema
from saas.auth import current_principal, requires
from saas.core.accounts import Scope
from saas.core.plugins import installed
from saas.core.types import utcnow
from tenants import modules

bp = ApiBlueprint("modules", __name__, url_prefix="/api/v1/modules", description="Modules and their settings, per tenant")


class PermissionSchema(Schema):
    name = f.String()
    description = f.String()
    roles = f.List(f.String())


class ModuleSchema(Schema):
    name = f.String(metadata={"example": "loyalty"})
    title = f.String(attribute="module.info.title")
    description = f.String(attribute="module.info.description")
    version = f.String(attribute="module.info.version")
    requires = f.List(f.String(), attribute="module.info.requires")
    permissions = f.List(f.Nested(PermissionSchema), attribute="module.permissions")
    enabled = f.Boolean()
    settings = f.Dict(metadata={"description": "The module's settings; its defaults until changed"})


class ModuleListSchema(Schema):
    items = f.List(f.Nested(ModuleSchema))


class ModuleUpdateSchema(Schema):
    enabled = f.Boolean(metadata={"description": "Switch the module on or off for this workspace"})
    settings = f.Dict(metadata={"description": "The whole settings object; fields left out take their defaults"})


class PluginErrorSchema(Schema):
    id = f.UUID()
    module = f.String()
    hook = f.String()
    error = f.String()
    occurred_at = f.AwareDateTime()


class PluginErrorListSchema(Schema):
    items = f.List(f.Nested(PluginErrorSchema))
    counts = f.Dict(keys=f.String(), values=f.Integer(),
                    metadata={"description": "Errors per module in the last 24 hours", "example": {"loyalty": 2}})


class ErrorArgs(Schema):
    limit = f.Integer(load_default=50, validate=v.Range(min=1, max=200))


@bp.route("", methods=["GET"])
@bp.response(200, ModuleListSchema)
def list_modules():
    """The installed modules, each with its state and settings in this workspace."""
    return {"items": modules.module_states(installed(), current_principal().tenant)}


@bp.route("/errors", methods=["GET"])
@requires(Scope.admin)
@bp.arguments(ErrorArgs, location="query", as_kwargs=True)
@bp.response(200, PluginErrorListSchema)
def list_errors(limit):
    """The latest errors modules raised in this workspace (newest first), and how many each module
    raised in the last 24 hours, for its admins."""
    return {"items": modules.recent_errors(limit), "counts": modules.error_counts(utcnow() - dt.timedelta(hours=24))}


@bp.route("/<string:name>", methods=["GET"])
@bp.response(200, ModuleSchema)
def get_module(name):
    """One installed module, its state and settings in this workspace."""
    return modules.module_state(installed(), current_principal().tenant, name)


@bp.route("/<string:name>", methods=["PUT"])
@requires(Scope.admin)
@bp.arguments(ModuleUpdateSchema)
@bp.response(200, ModuleSchema)
@bp.errors(409, 422)
def put_module(data, name):
    """Switch a module on or off for this workspace and/or replace its settings (owners and admins)."""
    state = modules.set_module(installed(), current_principal().tenant, name, **data)
    return state
