"""What apispec writes for a marshmallow field, corrected where it would not be true of the API.

- Decimals (money, quantities) are answered and best sent as JSON strings (``"1280.00"``: a JSON
  number would lose cents in many clients), so they are ``type: string, format: decimal``. A
  string has no ``minimum``/``maximum`` in OpenAPI 3.0; apispec writes the bounds as strings (which
  makes the schema invalid), so they become the numbers ``x-minimum``/``x-maximum``, with
  ``x-exclusiveMinimum: true`` where the bound itself is refused.
- ``pattern`` is an ECMA-262 regular expression, which Python's syntax is not quite: ``\\A`` and
  ``\\Z`` (the whole string, no newline allowed at its end) become ``^`` and ``$``, ``(?P<name>``
  becomes ``(?<name>``.
"""

from __future__ import annotations

import re
from decimal import Decimal

import marshmallow as ma
from flask_smorest import Api

_PYTHON_ONLY = ((re.compile(r"(?<!\\)((?:\\\\)*)\\A"), r"\1^"), (re.compile(r"(?<!\\)((?:\\\\)*)\\Z"), r"\1$"),
                (re.compile(r"\(\?P<"), "(?<"))


def init_api(api: Api) -> None:
    """Teach ``api``'s marshmallow converter the corrections above."""
    api.register_field(ma.fields.Decimal, "string", "decimal")
    converter = api.ma_plugin.converter
    converter.add_attribute_function(decimal_bounds)
    converter.add_attribute_function(ecma_pattern)


def decimal_bounds(self, field: ma.fields.Field, ret: dict, **kwargs) -> dict:
    """A Decimal's ``x-minimum``/``x-maximum`` as JSON numbers, not as the strings apispec dumps."""
    if not isinstance(field, ma.fields.Decimal):
        return {}
    bounds = {}
    for key in ("x-minimum", "x-maximum"):
        if key in ret:
            bounds[key] = _number(Decimal(ret[key]))
    ranges = [validator for validator in field.validators if isinstance(validator, ma.validate.Range)]
    if any(r.min is not None and not r.min_inclusive for r in ranges):
        bounds["x-exclusiveMinimum"] = True
    if any(r.max is not None and not r.max_inclusive for r in ranges):
        bounds["x-exclusiveMaximum"] = True
    return bounds


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def ecma_pattern(self, field: ma.fields.Field, ret: dict, **kwargs) -> dict:
    """``pattern`` in ECMA-262 syntax."""
    if "pattern" not in ret:
        return {}
    return {"pattern": to_ecma(ret["pattern"])}


def to_ecma(pattern: str) -> str:
    for python, ecma in _PYTHON_ONLY:
        pattern = python.sub(ecma, pattern)
    return pattern
