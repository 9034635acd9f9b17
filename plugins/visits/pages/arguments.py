"""The pages' query strings, read as the API reads them (with the API's schemas): a form's empty
fields are no condition, and what the schema refuses comes back as field errors in the page's
language, with what the form showed."""

from __future__ import annotations

from urllib.parse import urlencode

import marshmallow as ma

from plugins.visits.pages.wording import field_errors


def loaded(schema: ma.Schema, given) -> tuple[dict, dict, dict]:
    """``(loaded arguments, what the form shows, field errors)`` from a request's ``args``."""
    shown = {key: value.strip() for key, value in given.items() if key in schema.fields and value.strip()}
    try:
        return schema.load(shown), shown, {}
    except ma.ValidationError as error:
        return {}, shown, field_errors(error.messages)


def query(path: str, shown: dict, **changed) -> str:
    """``path`` with the filter ``shown`` and the ``changed`` values (``None`` drops one)."""
    pairs = [(key, value) for key, value in {**shown, **changed}.items() if value not in (None, "")]
    return path + (f"?{urlencode(pairs)}" if pairs else "")
