"""The core's and the API schemas' field errors, put on a page's form in the page's language.

A page validates with the same marshmallow schema and core functions as the API, so their
messages (English, for API clients) reach the form: :data:`REWORDED` words a few of them as the
account pages do, and :func:`saas.web.core_messages.translate` translates every other.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from saas.web.core_messages import translate

REWORDED = {
    "Not a valid email address.": _l("Not a valid e-mail address."),
    "Missing data for required field.": _l("This field is required."),
}


def _flatten(fields: dict, prefix: str = ""):
    for name, value in fields.items():
        if isinstance(value, dict):
            yield from _flatten(value, "")  # settings.locale -> the form's locale
        else:
            yield prefix + name, value if isinstance(value, list) else [value]


def add_errors(form: FlaskForm, fields: dict, rename: dict[str, str] | None = None) -> None:
    """Put ``fields`` (``{"name": ["message", ...]}``, nested as the API answers) on ``form``'s
    fields; ``rename`` maps a schema's field name to the form's. Errors of a field the form does
    not have go to ``form.general_errors``."""
    if not hasattr(form, "general_errors"):
        form.general_errors = []
    for name, messages in _flatten(fields):
        field = getattr(form, (rename or {}).get(name, name), None)
        translated = [str(REWORDED[message]) if message in REWORDED else translate(message) for message in messages]
        if field is None:
            form.general_errors.extend(translated)
        else:
            field.errors = [*field.errors, *translated]
