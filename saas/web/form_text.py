"""What a page's form may not carry: PostgreSQL refuses NUL in text (SQLite stores it), so a form
field or an uploaded file's name with one is a field error on the page, as the API answers it 422
(``saas.api.base.ApiParser``), instead of a 500 from the database."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

NUL_MESSAGE = _l("This cannot contain a NUL character.")


def nul_errors(form, files=None) -> dict[str, list]:
    """``{field: [message]}`` for each field of ``form`` (and file name of ``files``) with a NUL."""
    bad = {key for key, value in form.items(multi=True) if "\x00" in key or "\x00" in value}
    bad |= {key for key, upload in (files.items(multi=True) if files else ()) if "\x00" in (upload.filename or "")}
    return {key.replace("\x00", ""): [NUL_MESSAGE] for key in sorted(bad)}
