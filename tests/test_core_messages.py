"""The core's and marshmallow's English messages, shown on pages in the page's language."""

from __future__ import annotations

import inspect
import itertools

import pytest
from marshmallow import fields, validate

from saas.web import core_messages

pytestmark = pytest.mark.backend_independent


def marshmallow_messages() -> set[str]:
    """Every default message of marshmallow's fields and validators, as it reads once formatted
    with what the field itself puts in (a Range's operators, a date field's type)."""
    found = set()
    for cls in vars(fields).values():
        if inspect.isclass(cls) and issubclass(cls, fields.Field):
            for base in cls.__mro__:
                for message in getattr(base, "default_error_messages", {}).values():
                    obj_type = getattr(cls, "OBJ_TYPE", None)
                    found.add(message.replace("{obj_type}", obj_type) if obj_type and "{awareness}" not in message else message)
    for cls in vars(validate).values():
        if inspect.isclass(cls) and issubclass(cls, validate.Validator) and cls is not validate.Range:
            found |= {value for key, value in vars(cls).items() if key.startswith(("message", "error", "default_message"))
                      and isinstance(value, str)}
    ops = {"min": (validate.Range.message_gte, validate.Range.message_gt),
           "max": (validate.Range.message_lte, validate.Range.message_lt)}
    for lower, upper in itertools.product(*ops.values()):
        found |= {validate.Range.message_min.format(min_op=lower), validate.Range.message_max.format(max_op=upper),
                  validate.Range.message_all.format(min_op=lower, max_op=upper)}
    awareness = {m.format(awareness=a, obj_type=t) for m in found if "{awareness}" in m
                 for a in ("naive", "aware") for t in ("datetime", "time")}
    formatted = {m.replace("{{", "{").replace("}}", "}") for m in found | awareness
                 if "{awareness}" not in m and "{input!r}" not in m and "{obj_type}" not in m}
    return formatted


def test_every_default_message_of_marshmallow_is_listed_for_translation():
    assert len(marshmallow_messages()) > 40
    assert sorted(marshmallow_messages() - set(core_messages.MESSAGES)) == []


@pytest.mark.parametrize(("english", "chinese"), [
    ("Must be greater than or equal to 0 and less than or equal to 120.", "须大于或等于 0 且小于或等于 120。"),
    ("Not a valid integer.", "不是有效的整数。"),
    ("Use at least 10 characters.", "至少使用 10 个字符。"),
    ("Longer than maximum length 100000.", "超过最大长度 100,000。"),
    ("no purchase for 200 days (dormant after 90)", "已 200 天未购买（超过 90 天为休眠客户）"),
    ("set by hand until 2027-01-31: a key account (the rules would give: no purchase yet)",
     "手动设定至 2027年1月31日：a key account（按规则应为：尚无购买）"),
    ("spend in the last 12 months 5,000.00 < 10,000.00 (general)", "近 12 个月消费 ¥5,000.00 < ¥10,000.00（一般客户）"),
    ("Must be text of at most 1000 characters.", "须为不超过 1,000 个字符的文本。"),
    ("grade: true or false.", "grade：须为是或否。"),
    ("Something no catalogue knows.", "Something no catalogue knows."),
])
def test_a_message_is_translated_by_its_template_with_its_values_formatted_for_the_locale(app, english, chinese):
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert core_messages.translate(english) == chinese


def test_on_an_english_page_a_message_stays_as_the_api_words_it(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert core_messages.translate("Must be greater than 1.") == "Must be greater than 1."


@pytest.mark.parametrize("text", ["2024-13-45", "1000"])
def test_a_person_s_text_inside_a_message_comes_back_as_they_wrote_it(app, text):
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        shown = core_messages.translate(f"Must be one of: {text}.")
        reason = core_messages.translate(f"set by hand: {text} (the rules would give: no purchase yet)")
    assert text in shown and shown != f"Must be one of: {text}."  # translated around it, not reformatted
    assert text in reason and "尚无购买" in reason
