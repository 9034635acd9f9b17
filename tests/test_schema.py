"""The API's Schema dumps exactly what marshmallow's own code dumps, only faster.

Besides these cases, the suite-wide fixture ``dumps_checked_against_marshmallow`` (conftest)
compares the two for every response the tests produce.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from types import SimpleNamespace

import marshmallow as ma
import pytest
from marshmallow import fields as f

from saas.api.schema import Schema


class Colour(enum.Enum):
    red = "r"


class Inner(Schema):
    value = f.Integer()


class Everything(Schema):
    id = f.UUID()
    name = f.String()
    renamed = f.String(attribute="real_name")
    keyed = f.String(data_key="outKey")
    dotted = f.String(attribute="inner.value")
    defaulted = f.String(dump_default="fallback")
    called_default = f.List(f.String(), dump_default=list)
    absent = f.String()
    when = f.AwareDateTime()
    day = f.Date()
    colour = f.Enum(Colour, by_value=True)
    mapping = f.Dict(keys=f.String(), values=f.Integer())
    inner = f.Nested(Inner)
    inners = f.List(f.Nested(Inner))
    many_inner = f.Nested(Inner, many=True)
    plucked = f.Pluck(Inner, "value")
    method = f.Method("shout")
    function = f.Function(lambda obj: "function of " + type(obj).__name__)
    hidden = f.String(load_only=True)

    def shout(self, obj):
        return str(ma.utils.get_value(obj, "name")).upper()


VALUES = {
    "id": uuid.UUID(int=7), "name": "Ann", "real_name": "Anne", "keyed": "k", "when": dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc),
    "day": dt.date(2026, 5, 6), "colour": Colour.red, "mapping": {"a": 1}, "inner": {"value": 3},
    "inners": [{"value": 1}, {"value": 2}], "many_inner": [{"value": 4}], "plucked": {"value": 5}, "hidden": "x",
}


def as_object(values: dict):
    return SimpleNamespace(**{k: SimpleNamespace(**v) if isinstance(v, dict) and k != "mapping" else v for k, v in values.items()})


@pytest.mark.parametrize("make", [dict, as_object], ids=["dict", "object"])
def test_dumps_like_marshmallow_for_dicts_and_objects(make):
    schema = Everything()
    obj = make(VALUES)
    assert Schema._serialize(schema, obj) == ma.Schema._serialize(schema, obj)
    dumped = schema.dump(obj)
    assert dumped["renamed"] == "Anne" and dumped["outKey"] == "k" and dumped["dotted"] == "3"
    assert dumped["defaulted"] == "fallback" and dumped["called_default"] == [] and "absent" not in dumped
    assert dumped["method"] == "ANN" and "hidden" not in dumped


def test_dumps_nones_and_many_like_marshmallow():
    schema = Everything()
    for field in schema.fields.values():  # as the suite wants of a field that dumps None (conftest)
        field.allow_none = True
    nones = [{key: None for key in VALUES}, as_object({key: None for key in VALUES})]
    assert Schema._serialize(schema, nones, many=True) == ma.Schema._serialize(schema, nones, many=True)
    assert schema.dump(None) == ma.Schema.dump(Everything(), None)


def test_only_and_exclude_are_honoured():
    assert set(Everything(only=("name", "keyed")).dump(VALUES)) == {"name", "outKey"}
    assert "name" not in Everything(exclude=("name",)).dump(VALUES)


def test_a_schema_with_its_own_get_attribute_takes_marshmallows_path():
    class Upper(Schema):
        name = f.String()

        def get_attribute(self, obj, attr, default):
            return obj[attr].upper()

    assert Upper().dump({"name": "ann"}) == {"name": "ANN"}


def test_a_dump_plan_is_made_once_per_schema_instance():
    schema = Everything()
    schema.dump(VALUES)
    plan = schema._dump_plan
    schema.dump(VALUES)
    assert schema._dump_plan is plan


def test_the_suite_catches_a_null_dumped_for_a_field_not_declared_nullable():
    """``dumps_checked_against_marshmallow`` (conftest) fails a test on such a dump: the OpenAPI
    document declares nullable only the fields with ``allow_none``."""
    from tests.conftest import undeclared_nulls

    class Shown(Schema):
        plain = f.String()
        nullable = f.String(allow_none=True)
        renamed = f.String(data_key="shown_as")

    assert undeclared_nulls(Shown(), {"plain": None, "nullable": None, "shown_as": None}, False) == ["plain", "shown_as"]
    assert undeclared_nulls(Shown(many=True), [{"plain": "x"}, {"plain": None}], True) == ["plain"]
    assert undeclared_nulls(Shown(), {"plain": "x", "nullable": None}, False) == []
    with pytest.raises(AssertionError, match=r"Shown dumps null for \['plain'\]"):
        Shown().dump({"plain": None})
