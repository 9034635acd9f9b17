"""The base class of every API schema: marshmallow's ``Schema`` with a faster dump.

marshmallow reads each value through ``Field.serialize`` -> ``Field.get_value`` ->
``Schema.get_attribute`` -> ``utils.get_value`` (dotted paths, ``__getitem__`` probing), which is
most of the cost of dumping a page of 50 customers. :class:`Schema` works out once per schema
instance how to read each field (a dict key or an attribute) and then calls the field's own
``_serialize`` directly, so the output is the same, value for value (the test suite dumps every
response both ways and compares). Fields with a dotted ``attribute``, and schemas that override
``get_attribute``, take marshmallow's path.
"""

from __future__ import annotations

from typing import Any, Callable

import marshmallow as ma
from marshmallow.utils import get_value, missing

_Reader = Callable[[Any], Any]


class Schema(ma.Schema):
    def _serialize(self, obj: Any, *, many: bool = False):
        plan = self.__dict__.get("_dump_plan") or self._make_dump_plan()
        if plan is None:
            return super()._serialize(obj, many=many)
        if many and obj is not None:
            return [_dump(plan, self.dict_class, item) for item in obj]
        return _dump(plan, self.dict_class, obj)

    def _make_dump_plan(self):
        """``[(output key, field, attribute, read)]`` or None when marshmallow's path is needed."""
        if type(self).get_attribute is not ma.Schema.get_attribute:
            return None
        plan = []
        for name, field in self.dump_fields.items():
            attribute = field.attribute if field.attribute is not None else name
            key = field.data_key if field.data_key is not None else name
            read = None
            if field._CHECK_ATTRIBUTE:
                read = _reader(attribute) if "." not in attribute else _dotted_reader(attribute)
            plan.append((key, field, name, read))
        self._dump_plan = plan
        return plan


def _dump(plan, dict_class, obj) -> dict:
    out = dict_class()
    for key, field, name, read in plan:
        if read is None:
            value = None
        else:
            value = read(obj)
            if value is missing:
                default = field.dump_default
                value = default() if callable(default) else default
                if value is missing:
                    continue
        out[key] = field._serialize(value, name, obj)
    return out


def _reader(attribute: str) -> _Reader:
    """Read like ``marshmallow.utils.get_value`` for a plain name: a dict key, else the attribute."""

    def read(obj):
        if type(obj) is dict:
            return obj[attribute] if attribute in obj else getattr(obj, attribute, missing)
        if hasattr(obj, "__getitem__"):
            return get_value(obj, attribute, missing)
        return getattr(obj, attribute, missing)

    return read


def _dotted_reader(attribute: str) -> _Reader:
    return lambda obj: get_value(obj, attribute, missing)
