"""Saving, changing and finding segments; checking a filter against the workspace's custom fields."""

from __future__ import annotations

import dataclasses
import uuid

import sqlalchemy as sa

from saas.core.customers import CustomFieldDefinition, FieldType
from saas.core.db import db, insert_unique
from saas.core.errors import Conflict, Invalid
from saas.core.segments import module_conditions
from saas.core.segments.models import Segment, SegmentFilter
from saas.core.tenancy import get_owned


def get(segment_id: uuid.UUID) -> Segment:
    return get_owned(Segment, segment_id, "segment not found")


def segment_filter(segment_id: uuid.UUID) -> SegmentFilter:
    """The filter of the bound tenant's segment ``segment_id`` (:class:`NotFound` if there is none)."""
    return get(segment_id).conditions


def checked(loaded: dict, before: SegmentFilter | None = None) -> SegmentFilter:
    """A filter from the API's loaded data; a custom field the workspace lacks, or a module
    condition no enabled module offers (unless kept as it was ``before``), is a 422."""
    given = SegmentFilter.from_json(loaded)
    module_conditions.check(given.modules, kept=before.modules if before else None)
    known = {d.key: d for d in db.session.scalars(sa.select(CustomFieldDefinition))}
    unknown = sorted(set(given.custom_fields) - set(known))
    if unknown:
        raise Invalid("unknown custom fields", {"filter": {"custom_fields": [f"No such field: {', '.join(unknown)}."]}})
    typed = {}
    for key, value in given.custom_fields.items():  # JSON booleans read differently as text on each database
        if known[key].type is FieldType.boolean:
            if str(value).lower() not in ("true", "false"):
                raise Invalid("bad custom field value", {"filter": {"custom_fields": [f"{key}: true or false."]}})
            value = str(value).lower() == "true"
        typed[key] = value
    return dataclasses.replace(given, custom_fields=typed)


def _taken(name: str) -> Conflict:
    return Conflict(f"a segment named '{name}' exists already", {"name": ["Already used."]})


def create(data: dict) -> Segment:
    if db.session.scalar(sa.select(Segment.id).where(Segment.name == data["name"])):
        raise _taken(data["name"])
    segment = Segment(name=data["name"], description=data.get("description"),
                      filter=checked(data["filter"]).as_json())
    insert_unique(segment, _taken(data["name"]))
    return segment


def update(segment: Segment, data: dict) -> Segment:
    if "name" in data and data["name"] != segment.name:
        if db.session.scalar(sa.select(Segment.id).where(Segment.name == data["name"])):
            raise _taken(data["name"])
        segment.name = data["name"]
    if "description" in data:
        segment.description = data["description"]
    if "filter" in data:
        segment.filter = checked(data["filter"], before=segment.conditions).as_json()
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        raise _taken(segment.name) from None
    return segment
