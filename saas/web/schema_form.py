"""A form generated from a marshmallow schema, so a module's settings get a page without HTML of
their own: :func:`inputs` turns the schema's fields into labelled inputs (with their defaults,
ranges and choices), :func:`parse` turns the posted form back into the dict the schema loads.

Each input is named by its path in the settings (``expiry_months``, ``tier_multipliers.core``,
``campaigns.0.name``), which is also where marshmallow puts its errors, flattened by
:func:`flat_errors`. A field left empty is left out, so it takes the schema's default; a row of a
list of nested objects left empty is dropped (the form always offers one empty row to add one).
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from marshmallow import Schema, fields as f, validate as v
from marshmallow.utils import missing


@dataclass
class Input:
    """One control of the form (``kind`` picks its HTML), or a group of them."""

    name: str
    label: str
    kind: str  # text, number, checkbox, select, date, lines, pairs, choices, group, rows
    value: object = ""
    help: str | None = None
    default: object = None
    required: bool = False
    choices: list[str] = field(default_factory=list)
    choice_labels: dict[str, str] = field(default_factory=dict)
    minimum: object = None
    maximum: object = None
    step: str | None = None
    max_length: int | None = None
    errors: list[str] = field(default_factory=list)
    children: list[Input] = field(default_factory=list)

    @property
    def id(self) -> str:
        return "setting-" + self.name.replace(".", "-")


def flat_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error messages keyed by dotted path (``campaigns.0.ends``)."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            flat.update(flat_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(messages, str):
        return {prefix: [messages]}
    return {prefix: [str(m) for m in messages]} if messages else {}


def label_of(name: str, spec: f.Field) -> str:
    """The field's ``title`` (a module gives a ``lazy_gettext`` one, translated here), else its name."""
    return str(spec.metadata.get("title") or name.replace("_", " ").capitalize())


def inputs(schema: type[Schema], values: Mapping, errors: Mapping[str, list[str]], prefix: str = "") -> list[Input]:
    """The inputs of ``schema``'s loadable fields, filled from ``values`` (settings, or what was posted)."""
    return [_input(prefix + name, name, spec, (values or {}).get(name), errors)
            for name, spec in schema().load_fields.items()]


def _errors_at(errors: Mapping[str, list[str]], path: str) -> list[str]:
    return [m for key in (path, f"{path}.key", f"{path}.value", f"{path}._schema") for m in errors.get(key, [])]


def _text(value) -> str:
    if value is None or value is missing:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")  # 1.5, not 1.50 or 1.5E+0
    return str(value)


def _as_decimal(value):
    """A dumped decimal ("1.0000") as a number, so the form shows 1; what does not parse stays."""
    try:
        return decimal.Decimal(value) if isinstance(value, str) else value
    except decimal.InvalidOperation:
        return value


def _str(text) -> str | None:
    return None if text is None else str(text)


def _sentence(text: str | None) -> str | None:
    return text if not text or text[-1] in ".!?。！？" else text + "."


def _choice_labels(spec: f.Field) -> dict[str, str]:
    """The field's ``labels`` metadata: a person's word for each choice (or each key of a dict)."""
    return {str(code): str(label) for code, label in spec.metadata.get("labels", {}).items()}


def _default(spec: f.Field):
    default = spec.load_default
    if isinstance(default, bool):  # a checkbox's default in words ("Default: On."), not the form's "true"
        return _("On") if default else _("Off")
    return None if default is missing or callable(default) else _text(default)


def _bounds(spec: f.Field) -> dict:
    found: dict = {}
    for rule in spec.validators:
        if isinstance(rule, v.Range):
            found.update(minimum=rule.min, maximum=rule.max)
        elif isinstance(rule, v.Length) and rule.max is not None:
            found["max_length"] = rule.max
        elif isinstance(rule, v.OneOf):
            found["choices"] = [str(choice) for choice in rule.choices]
    return found


def _input(path: str, name: str, spec: f.Field, value, errors) -> Input:
    common = dict(name=path, label=label_of(name, spec), help=_sentence(_str(spec.metadata.get("description"))),
                  default=_default(spec), required=spec.required, errors=_errors_at(errors, path))
    labels = _choice_labels(spec)
    if common["default"] in labels:
        common["default"] = labels[common["default"]]  # "Default: WeChat.", not its code
    bounds = _bounds(spec)
    if isinstance(spec, f.Nested):
        nested = spec.schema.__class__
        if spec.many:
            return _rows(common, path, nested, value, errors)
        return Input(kind="group", children=inputs(nested, value or {}, errors, path + "."), **common)
    if isinstance(spec, f.List):
        inner = spec.inner
        if isinstance(inner, f.Nested):
            return _rows(common, path, inner.schema.__class__, value, errors)
        choices = _bounds(inner).get("choices")
        items = [_text(item) for item in (value or [])]
        if choices:
            return Input(kind="choices", value=items, choices=choices, choice_labels=_choice_labels(spec), **common)
        return Input(kind="lines", value="\n".join(items), **common)
    if isinstance(spec, f.Dict) and spec.key_field is not None and _bounds(spec.key_field).get("choices"):
        value_field = spec.value_field or f.String()
        children = [_input(f"{path}.{key}", key, value_field, (value or {}).get(key), errors)
                    for key in _bounds(spec.key_field)["choices"]]
        labels = _choice_labels(spec)
        for child in children:
            key = child.name.rsplit(".", 1)[1]
            child.label, child.help, child.default, child.required = labels.get(key, key), None, None, False
        return Input(kind="group", children=children, **common)
    if isinstance(spec, f.Dict):  # keys of the author's choosing: a line of "key = value" each
        lines = [f"{key} = {_text(item)}" for key, item in (value or {}).items()]
        return Input(kind="pairs", value="\n".join(lines), **common)
    if isinstance(spec, f.Boolean):
        return Input(kind="checkbox", value=bool(value) and value not in ("false", "0"), **common)
    if bounds.get("choices"):
        return Input(kind="select", value=_text(value), choices=bounds["choices"], choice_labels=_choice_labels(spec),
                     **common)
    if isinstance(spec, f.Integer):
        return Input(kind="number", value=_text(value), step="1", minimum=bounds.get("minimum"),
                     maximum=bounds.get("maximum"), **common)
    if isinstance(spec, (f.Decimal, f.Float)):
        value = _as_decimal(value)
        quantum = getattr(spec, "places", None)  # marshmallow keeps places as a quantum: Decimal("0.01")
        step = format(quantum, "f") if isinstance(quantum, decimal.Decimal) else "any"
        return Input(kind="number", value=_text(value), step=step, minimum=bounds.get("minimum"),
                     maximum=bounds.get("maximum"), **common)
    if isinstance(spec, f.Date):
        return Input(kind="date", value=_text(value), **common)
    return Input(kind="text", value=_text(value), max_length=bounds.get("max_length"), **common)


def _rows(common: dict, path: str, nested: type[Schema], value, errors) -> Input:
    rows = list(value or []) + [{}]  # the empty row adds one
    children = [Input(name=f"{path}.{index}", label=str(index + 1), kind="group",
                      children=inputs(nested, row, errors, f"{path}.{index}."),
                      errors=_errors_at(errors, f"{path}.{index}"))
                for index, row in enumerate(rows)]
    return Input(kind="rows", children=children, **common)


def parse(schema: type[Schema], form, prefix: str = "") -> dict:
    """What ``form`` (a MultiDict posted from :func:`inputs`) says for ``schema``, as strings for
    ``schema().load``; empty inputs are left out."""
    data: dict = {}
    for name, spec in schema().load_fields.items():
        value = _parse(prefix + name, spec, form)
        if value is not missing:
            data[name] = value
    return data


def _row_indices(form, path: str) -> list[int]:
    found = set()
    for key in form.keys():
        if key.startswith(path + "."):
            head = key[len(path) + 1:].split(".", 1)[0]
            if head.isdigit():
                found.add(int(head))
    return sorted(found)


def _parse(path: str, spec: f.Field, form):
    nested_rows = (spec.schema.__class__ if isinstance(spec, f.Nested) and spec.many else
                   spec.inner.schema.__class__ if isinstance(spec, f.List) and isinstance(spec.inner, f.Nested)
                   else None)
    if nested_rows is not None:
        rows = [parse(nested_rows, form, f"{path}.{index}.") for index in _row_indices(form, path)]
        return [row for row in rows if any(value not in (False, [], {}) for value in row.values())]
    if isinstance(spec, f.Nested):
        return parse(spec.schema.__class__, form, path + ".") or missing
    if isinstance(spec, f.List):
        if _bounds(spec.inner).get("choices"):
            return form.getlist(path)
        return [line.strip() for line in form.get(path, "").splitlines() if line.strip()]
    if isinstance(spec, f.Dict) and spec.key_field is not None and _bounds(spec.key_field).get("choices"):
        # each key's value as its own field reads it (rows of a nested schema, say, as the inputs show them)
        value_field = spec.value_field or f.String()
        pairs = {key: _parse(f"{path}.{key}", value_field, form) for key in _bounds(spec.key_field)["choices"]}
        return {key: value for key, value in pairs.items() if value not in (missing, "", [], {})}
    if isinstance(spec, f.Dict):
        pairs = [line.partition("=") for line in form.get(path, "").splitlines() if line.strip()]
        return {key.strip(): item.strip() for key, _eq, item in pairs}
    if isinstance(spec, f.Boolean):
        return path in form
    value = form.get(path, "").strip()
    return value if value else missing
