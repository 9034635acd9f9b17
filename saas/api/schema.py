"""The base class of every API schema: marshmallow's ``Schema`` with a faster dump.

marshmallow reads each value through ``Field.serialize`` -> ``Field.get_value`` ->
``Schema.get_attribute`` -> ``utils.get_value`` (dotted paths, ``__getitem__`` probing), which is
most of the cost of dumping a page of 50 customers. :class:`Schema` works out once per schema
instance how to read each field (a dict key or an attribute) and then calls the field's own
``_serialize`` directly, so the output is the same, value for value (the test suite dumps every
response both ways and compares). Fields with a dotted ``attribute``, and schemas that override
``get_attribute``, take marshmallow's path. Where a built-in field would return a value unchanged
(``None`` for all of them, a ``str`` for a String, an ``int`` for an Integer) the value is used
as it is, without the call.
"""

from __future__ import annotations

from typing import Any, Callable

import marshmallow as ma
from marshmallow.utils import get_value, missing

_NO_VALUE = object()  # a field that reads nothing from the object (Method, Function)
_NONE = type(None)
_ANY = None  # every value passes unchanged

# The value types that each built-in ``_serialize`` returns as they are.
_UNCHANGED: dict[Callable, frozenset | None] = {
    ma.fields.Field._serialize: _ANY,  # Raw, Boolean
    ma.fields.String._serialize: frozenset({_NONE, str}),
    ma.fields.UUID._serialize: frozenset({_NONE}),
    ma.fields.DateTime._serialize: frozenset({_NONE}),
    ma.fields.Enum._serialize: frozenset({_NONE}),
    ma.fields.Mapping._serialize: frozenset({_NONE}),
    ma.fields.List._serialize: frozenset({_NONE}),
    ma.fields.Nested._serialize: frozenset({_NONE}),
}


def _unchanged(field: ma.fields.Field) -> frozenset | None:
    serialize = type(field)._serialize
    if serialize is ma.fields.Number._serialize and isinstance(field, ma.fields.Integer) and not field.as_string:
        return frozenset({_NONE, int})
    return _UNCHANGED.get(serialize, frozenset())


class Schema(ma.Schema):
    def _serialize(self, obj: Any, *, many: bool = False):
        plan = self.__dict__.get("_dump_plan") or self._make_dump_plan()
        if plan is None:
            return super()._serialize(obj, many=many)
        if many and obj is not None:
            return [_dump(plan, self.dict_class, item) for item in obj]
        return _dump(plan, self.dict_class, obj)

    def _make_dump_plan(self):
        """``[(output key, field, name, attribute, direct, unchanged types)]``, or None for
        marshmallow's path. ``direct`` is False for dotted paths, which go through marshmallow's
        ``get_value``; the attribute is ``_NO_VALUE`` for fields that read none (Method, Function)."""
        if type(self).get_attribute is not ma.Schema.get_attribute:
            return None
        plan = []
        for name, field in self.dump_fields.items():
            attribute = field.attribute if field.attribute is not None else name
            key = field.data_key if field.data_key is not None else name
            if not field._CHECK_ATTRIBUTE:
                plan.append((key, field, name, _NO_VALUE, False, frozenset()))
            else:
                plan.append((key, field, name, attribute, "." not in attribute, _unchanged(field)))
        self._dump_plan = plan
        return plan


def _dump(plan, dict_class, obj) -> dict:
    """One object through the plan; reads values as ``marshmallow.utils.get_value`` would."""
    out = dict_class()
    is_dict = type(obj) is dict
    plain = not is_dict and not hasattr(obj, "__getitem__")
    for key, field, name, attribute, direct, unchanged in plan:
        if attribute is _NO_VALUE:
            out[key] = field._serialize(None, name, obj)
            continue
        if direct and is_dict:
            value = obj[attribute] if attribute in obj else getattr(obj, attribute, missing)
        elif direct and plain:
            value = getattr(obj, attribute, missing)
        else:
            value = get_value(obj, attribute, missing)
        if value is missing:
            default = field.dump_default
            value = default() if callable(default) else default
            if value is missing:
                continue
        if unchanged is _ANY or type(value) in unchanged:
            out[key] = value
        else:
            out[key] = field._serialize(value, name, obj)
    return out
