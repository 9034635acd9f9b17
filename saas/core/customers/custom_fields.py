"""Validation of the custom fields a tenant defines on its customer records."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from saas.core.customers import CustomFieldDefinition, FieldType
from saas.core.db import db, insert_unique
from saas.core.errors import Conflict, Invalid

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,49}")
MAX_TEXT = 1000


def definitions() -> dict[str, CustomFieldDefinition]:
    rows = db.session.scalars(sa.select(CustomFieldDefinition)).all()
    return {d.key: d for d in rows}


def define(key: str, label: str, type: FieldType, choices: list[str], required: bool) -> CustomFieldDefinition:
    if not KEY_PATTERN.fullmatch(key):
        raise Invalid("bad key", {"key": ["Use lower-case letters, digits and _; start with a letter."]})
    if type is FieldType.choice and not choices:
        raise Invalid("choices missing", {"choices": ["A choice field needs at least one choice."]})
    conflict = Conflict(f"a custom field '{key}' exists already", {"key": ["Already defined."]})
    if key in definitions():
        raise conflict
    field = CustomFieldDefinition(key=key, label=label, type=type, choices=choices, required=required)
    insert_unique(field, conflict)
    return field


def update(field: CustomFieldDefinition, changes: dict) -> CustomFieldDefinition:
    if field.type is FieldType.choice and changes.get("choices") == []:
        raise Invalid("choices missing", {"choices": ["A choice field needs at least one choice."]})
    for name, value in changes.items():
        setattr(field, name, value)
    db.session.flush()
    return field


def _coerce(field: CustomFieldDefinition, value):
    if value is None:
        return None
    if field.type is FieldType.text:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise ValueError(f"Must be text of at most {MAX_TEXT} characters.")
        return value
    if field.type is FieldType.number:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError("Must be a number.")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValueError("Must be a number.") from None
        if not number.is_finite():
            raise ValueError("Must be a finite number.")
        return str(number)
    if field.type is FieldType.date:
        try:
            return dt.date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise ValueError("Must be a date as YYYY-MM-DD.") from None
    if field.type is FieldType.boolean:
        if not isinstance(value, bool):
            raise ValueError("Must be true or false.")
        return value
    if value not in field.choices:
        raise ValueError(f"Must be one of: {', '.join(field.choices)}.")
    return value


def validate(values: dict, *, existing: dict | None = None,
             known: dict[str, CustomFieldDefinition] | None = None) -> dict:
    """Return the merged, normalised custom fields, or raise :class:`Invalid` naming each bad key.

    ``known``: the definitions, when the caller has them already (an import validates many rows)."""
    defs = definitions() if known is None else known
    merged = dict(existing or {})
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        field = defs.get(key)
        if field is None:
            errors[key] = ["Unknown custom field."]
            continue
        try:
            merged[key] = _coerce(field, value)
        except ValueError as exc:
            errors[key] = [str(exc)]
    for key, field in defs.items():
        if field.required and merged.get(key) in (None, "") and key not in errors:
            errors[key] = ["Required."]
    if errors:
        raise Invalid("invalid custom fields", {"custom_fields": errors})
    return {k: v for k, v in merged.items() if v is not None}
