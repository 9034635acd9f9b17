"""``/api/v1/navigation``, ``/api/v1/reports/cards`` and ``/api/v1/event-types``: what modules add."""

from __future__ import annotations

import dataclasses

from marshmallow import fields as f

from saas.api.base import ApiBlueprint
from saas.api.schema import Schema
from saas.auth import current_principal
from saas.core import navigation as menus
from saas.core.plugins import installed

bp = ApiBlueprint("workspace", __name__, url_prefix="/api/v1", description="Navigation and report cards")


class NavItemSchema(Schema):
    module = f.String()
    key = f.String()
    label = f.String()
    path = f.String()
    order = f.Integer()


class NavigationSchema(Schema):
    items = f.List(f.Nested(NavItemSchema))


class ReportCardSchema(Schema):
    module = f.String()
    key = f.String()
    title = f.String()
    value = f.Raw(allow_none=True, metadata={"description": "A number or a short text; null: no figure yet"})
    unit = f.String()
    previous = f.Raw(allow_none=True, metadata={"description": "The figure it is compared with, if any"})


class ReportCardListSchema(Schema):
    items = f.List(f.Nested(ReportCardSchema))


class EventTypeSchema(Schema):
    name = f.String(metadata={"example": "purchase.recorded"})
    description = f.String()
    example = f.Dict(metadata={"description": "What the event's data holds"})


class EventTypeListSchema(Schema):
    items = f.List(f.Nested(EventTypeSchema))


def _items(found) -> list[dict]:
    return [{"module": module, **dataclasses.asdict(item)} for module, items in found for item in items or []]


@bp.route("/navigation", methods=["GET"])
@bp.response(200, NavigationSchema)
def navigation():
    """Menu entries the enabled modules add for the caller's role, in menu order."""
    principal = current_principal()
    return {"items": menus.navigation(principal.tenant, principal.role)}


@bp.route("/reports/cards", methods=["GET"])
@bp.response(200, ReportCardListSchema)
def report_cards():
    """KPI tiles from the enabled modules for the workspace's dashboard."""
    return {"items": _items(installed().call("saas_report_cards", current_principal().tenant))}


@bp.route("/event-types", methods=["GET"])
@bp.response(200, EventTypeListSchema)
def event_types():
    """The catalogue of events: the core's and every installed module's."""
    return {"items": installed().event_types()}
