"""The core's and the API schemas' field errors, put on a page's form in the page's language.

A page validates with the same marshmallow schema and core functions as the API, so their
messages (English, for API clients) reach the form; the ones a person can meet on a page are
translated here, any other is shown as it is.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from saas.core.passwords import MAX_LENGTH, MIN_LENGTH

TRANSLATED = {
    "Already taken.": _l("Already taken."),
    "Already registered.": _l("Already registered."),
    "3-50 lower-case letters, digits and dashes; not reserved.":
        _l("3-50 lower-case letters, digits and dashes; not reserved."),
    f"Use at least {MIN_LENGTH} characters.": _l("Use at least %(count)d characters.", count=MIN_LENGTH),
    f"Use at most {MAX_LENGTH} characters.": _l("Use at most %(count)d characters.", count=MAX_LENGTH),
    "Do not use your e-mail address as password.": _l("Do not use your e-mail address as password."),
    "Not a valid email address.": _l("Not a valid e-mail address."),
    "Missing data for required field.": _l("This field is required."),
    "Not your current password.": _l("Not your current password."),
    "Not an IANA time zone (e.g. Asia/Shanghai).": _l("Not an IANA time zone (e.g. Asia/Shanghai)."),
    "Use at most 200 characters.": _l("Use at most %(count)d characters.", count=200),
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
        translated = [str(TRANSLATED.get(message, message)) for message in messages]
        if field is None:
            form.general_errors.extend(translated)
        else:
            field.errors = [*field.errors, *translated]
