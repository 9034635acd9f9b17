"""saas.web.schema_form: a marshmallow schema's fields as form inputs, and the posted form back
as the dict the schema loads, for every kind of field a module's settings use."""

from __future__ import annotations

import pytest
from marshmallow import Schema, ValidationError, fields as f, validate as v
from werkzeug.datastructures import MultiDict

from saas.web.schema_form import flat_errors, inputs, parse

pytestmark = pytest.mark.backend_independent


class Address(Schema):
    city = f.String(required=True, validate=v.Length(max=40))
    zip_code = f.String(metadata={"title": "Postcode"})


class Shift(Schema):
    day = f.Date(required=True)
    staffed = f.Boolean(load_default=False)


class Everything(Schema):
    limit = f.Integer(load_default=5, validate=v.Range(min=1, max=9), metadata={"description": "How many"})
    rate = f.Decimal(places=2, as_string=True, load_default=None)
    ratio = f.Float(load_default=0.5)
    loud = f.Boolean(load_default=True)
    channel = f.String(load_default="sms", validate=v.OneOf(["sms", "email"]))
    tags = f.List(f.String(), load_default=list)
    days = f.List(f.String(validate=v.OneOf(["mon", "tue"])), load_default=list)
    labels = f.Dict(keys=f.String(), values=f.String(), load_default=dict)
    address = f.Nested(Address, load_default=None)
    shifts = f.List(f.Nested(Shift), load_default=list)
    secret = f.String(dump_only=True)


def by_name(found, into=None) -> dict:
    into = {} if into is None else into
    for item in found:
        into[item.name] = item
        by_name(item.children, into)
    return into


def test_each_kind_of_field_becomes_its_input_with_label_range_default_and_value():
    found = by_name(inputs(Everything, Everything().dump(Everything().load({
        "rate": "1.50", "tags": ["a", "b"], "days": ["tue"], "labels": {"vip": "VIP"},
        "address": {"city": "杭州"}, "shifts": [{"day": "2026-12-01", "staffed": True}]})), {}))
    assert "secret" not in found  # dump-only: not a setting one changes
    limit = found["limit"]
    assert (limit.kind, limit.label, limit.value, limit.minimum, limit.maximum, limit.step, limit.default,
            limit.help) == ("number", "Limit", "5", 1, 9, "1", "5", "How many.")
    assert (found["rate"].kind, found["rate"].value, found["rate"].step) == ("number", "1.5", "0.01")
    assert (found["ratio"].step, found["ratio"].value) == ("any", "0.5")
    assert (found["loud"].kind, found["loud"].value) == ("checkbox", True)
    assert (found["channel"].kind, found["channel"].choices) == ("select", ["sms", "email"])
    assert (found["tags"].kind, found["tags"].value) == ("lines", "a\nb")
    assert (found["days"].kind, found["days"].value) == ("choices", ["tue"])
    assert (found["labels"].kind, found["labels"].value) == ("pairs", "vip = VIP")
    assert found["address"].kind == "group" and found["address.city"].value == "杭州"
    assert (found["address.city"].required, found["address.city"].max_length) == (True, 40)
    assert found["address.zip_code"].label == "Postcode"  # metadata title wins over the name
    assert found["shifts"].kind == "rows" and [row.name for row in found["shifts"].children] == ["shifts.0", "shifts.1"]
    assert (found["shifts.0.day"].kind, found["shifts.0.day"].value) == ("date", "2026-12-01")
    assert found["shifts.1.day"].value == ""  # the empty row that adds one


def test_a_posted_form_loads_back_leaving_out_what_was_left_empty():
    form = MultiDict([("limit", "7"), ("rate", ""), ("channel", "email"), ("tags", "x\n\n y \n"),
                      ("days", "mon"), ("days", "tue"), ("labels", "a = 1\nb=2"), ("address.city", "Ningbo"),
                      ("address.zip_code", ""), ("shifts.0.day", "2026-12-02"), ("shifts.0.staffed", "true"),
                      ("shifts.1.day", "")])
    posted = parse(Everything, form)
    assert posted == {"limit": "7", "loud": False, "channel": "email", "tags": ["x", "y"], "days": ["mon", "tue"],
                      "labels": {"a": "1", "b": "2"}, "address": {"city": "Ningbo"},
                      "shifts": [{"day": "2026-12-02", "staffed": True}]}
    loaded = Everything().load(posted)
    assert loaded["limit"] == 7 and loaded["rate"] is None and loaded["shifts"][0]["staffed"] is True


def test_the_schemas_errors_land_on_the_inputs_they_belong_to():
    form = MultiDict([("limit", "10"), ("shifts.0.day", "someday"), ("address.zip_code", "310000")])
    with pytest.raises(ValidationError) as refused:
        Everything().load(parse(Everything, form))
    errors = flat_errors(refused.value.messages)
    found = by_name(inputs(Everything, parse(Everything, form), errors))
    assert found["limit"].errors == ["Must be greater than or equal to 1 and less than or equal to 9."]
    assert found["shifts.0.day"].errors == ["Not a valid date."]
    assert found["address.city"].errors == ["Missing data for required field."]
    assert found["limit"].value == "10"  # what was typed stays


class Plan(Schema):
    """A dict whose keys are choices and whose values are rows (the visits module's cadences by tier)."""
    by_tier = f.Dict(keys=f.String(validate=v.OneOf(["core", "basic", "general"])), values=f.List(f.Nested(Shift)),
                     load_default=dict)


def test_a_dict_of_rows_by_choice_posts_back_its_rows_and_drops_a_key_left_empty():
    shown = by_name(inputs(Plan, {"by_tier": {"core": [{"day": "2026-12-01", "staffed": True}]}}, {}))
    assert shown["by_tier.core"].kind == "rows" and shown["by_tier.core.0.day"].value == "2026-12-01"
    form = MultiDict([("by_tier.core.0.day", "2026-12-01"), ("by_tier.core.0.staffed", "true"),
                      ("by_tier.core.1.day", "2026-12-08"), ("by_tier.core.2.day", ""), ("by_tier.basic.0.day", "")])
    posted = parse(Plan, form)
    assert posted == {"by_tier": {"core": [{"day": "2026-12-01", "staffed": True},
                                           {"day": "2026-12-08", "staffed": False}]}}
    assert Plan().load(posted)["by_tier"]["core"][1]["staffed"] is False
