"""The lists' query strings, read as the API reads them (with the API's schemas; the task list's
own, which adds whose tasks and several statuses to ``GET /api/v1/churn/tasks``'s filters): a form's empty fields are no condition,
its checkboxes (repeated names) are joined as the API's comma-separated lists, and what the schema
refuses comes back as field errors in the page's language, with what the form showed."""

from __future__ import annotations

from urllib.parse import urlencode

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v
from webargs.fields import DelimitedList

from saas.api.base import PageArgs

from plugins.churn.models import TaskStatus
from plugins.churn.pages.wording import field_errors


class TaskListArgs(PageArgs):
    status = DelimitedList(f.Enum(TaskStatus, by_value=True))
    whose = f.String(validate=v.OneOf(("mine", "team", "all")))


def loaded(schema: ma.Schema, given, lists=()) -> tuple[dict, dict, dict]:
    """``(loaded arguments, what the form shows, field errors)`` from a request's ``args``."""
    shown: dict = {key: value.strip() for key, value in given.items()
                   if key in schema.fields and key not in lists and value.strip()}
    for key in lists:
        shown[key] = [part for value in given.getlist(key) for part in value.split(",") if part]
    raw = {key: ",".join(value) if isinstance(value, list) else value for key, value in shown.items() if value}
    try:
        return schema.load(raw), shown, {}
    except ma.ValidationError as error:
        return {}, shown, field_errors(error.messages)


def query(path: str, shown: dict, **changed) -> str:
    """``path`` with the filter ``shown`` and the ``changed`` values (``None`` drops one)."""
    pairs = []
    for key, value in {**shown, **changed}.items():
        pairs.extend((key, one) for one in (value if isinstance(value, list) else [value]) if one not in (None, ""))
    return path + (f"?{urlencode(pairs)}" if pairs else "")
