"""Turning the customer pages' HTML forms into the bodies the API's schemas load, and the schemas'
and the core's errors back into one message list per form field.

A form field is named like the body's key, nested keys joined by a dot (``preferences.contact_time``,
``custom_fields.vip_since``), so an error the schema or the core reports for a key lands on the input
of the same name.
"""

from __future__ import annotations

import datetime as dt

import marshmallow as ma
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l

from saas.core.customers import FieldType
from saas.core.errors import DomainError
from saas.web.core_messages import translate

# The customer's own fields a form edits (social accounts are edited through the API).
CONTACT_FIELDS = ("name", "kind", "company", "title", "industry", "region", "address", "email", "phone",
                  "birthday", "source", "owner_id", "team", "external_id", "notes")
PREFERENCE_FIELDS = ("preferred_channel", "contact_time", "language")

# The schemas' messages as the customer pages word them; any other is translated as the core words it.
REWORDED = {
    "Missing data for required field.": _l("Required."),
    "Field may not be null.": _l("Required."),
    "Not a valid email address.": _l("Not a valid e-mail address."),
    "Not a valid datetime.": _l("Not a valid date and time."),
    "Not a valid UUID.": _l("Not a valid id."),
    "Not a member.": _l("Not a member of this workspace."),
    "Must be a number.": _l("Not a valid number."),
    "Must be a date as YYYY-MM-DD.": _l("Not a valid date."),
    "Stale version; reload and try again.": _l("Someone changed this customer meanwhile."),
}

# The core's phone messages carry details (the region, the parser's words) after these beginnings.
MESSAGE_STARTS = {
    "Not a valid phone number": _l("Not a valid phone number for the workspace's phone region."),
    "Not a phone number": _l("Not a phone number."),
}


def translated(message: str) -> str:
    if message in REWORDED:
        return str(REWORDED[message])
    start = next((start for start in MESSAGE_STARTS if message.startswith(start)), None)
    return str(MESSAGE_STARTS[start]) if start else translate(message)


class FormErrors(Exception):
    """A form's field errors (``{"email": ["..."]}``, ``""`` for the form as a whole) and the status
    the API would answer."""

    def __init__(self, fields: dict[str, list[str]], status: int = 422):
        super().__init__(fields)
        self.fields = fields
        self.status = status


def flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """``{"preferences": {"language": ["..."]}}`` -> ``{"preferences.language": ["..."]}``, translated."""
    if isinstance(messages, (list, tuple)):
        return {prefix: [translated(m) if isinstance(m, str) else str(m) for m in messages]}
    if not isinstance(messages, dict):
        return {prefix: [str(messages)]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if name == "_schema":
            name = ""
        for field, found in flatten(value, name).items():
            flat.setdefault(field, []).extend(found)
    return flat


def load(schema: ma.Schema, body: dict) -> dict:
    """``schema.load(body)``, its validation errors raised as :class:`FormErrors`."""
    try:
        return schema.load(body)
    except ma.ValidationError as error:
        raise FormErrors(flatten(error.messages)) from None


def domain_errors(error: DomainError) -> FormErrors:
    """A core error as form errors: its field errors, else its message for the whole form."""
    fields = flatten(error.fields) if error.fields else {"": [error.message]}
    return FormErrors(fields, error.status)


def _text(form, name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None


def customer_body(form, definitions: dict, *, editing: bool) -> dict:
    """The customer body of a create (empty inputs left out) or of an edit (empty inputs clear)."""
    body: dict = {}
    for name in CONTACT_FIELDS:
        value = _text(form, name)
        if value is not None or (editing and name in form):
            body[name] = value
    preferences = {name: _text(form, f"preferences.{name}") for name in PREFERENCE_FIELDS}
    body["preferences"] = {k: v for k, v in preferences.items() if v is not None}  # replaces the saved ones
    body["tags"] = [tag.strip() for tag in form.get("tags", "").split(",") if tag.strip()]
    custom = {}
    for key, field in definitions.items():
        if field.type is FieldType.boolean:
            custom[key] = form.get(f"custom_fields.{key}") == "on"
        else:
            value = _text(form, f"custom_fields.{key}")
            if value is not None or editing:
                custom[key] = value
    if definitions:  # sent only where there are some, as an API client would
        body["custom_fields"] = custom
    return body


def aware(raw: str | None) -> str | None:
    """A ``datetime-local`` input's value (no offset) read in the page's time zone, as ISO 8601 with
    its offset; anything else is passed on for the schema to refuse."""
    if not raw:
        return raw
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if moment.tzinfo is None:
        zone = get_timezone()  # pytz's zones take a local time through localize(), not replace()
        try:
            moment = zone.localize(moment) if hasattr(zone, "localize") else moment.replace(tzinfo=zone)
        except OverflowError:  # 0001-01-01 east of UTC: no such instant; the schema refuses the naive value
            return raw
    return moment.isoformat()


def local_now() -> str:
    """Now in the page's time zone, as a ``datetime-local`` input's value."""
    return dt.datetime.now(get_timezone()).strftime("%Y-%m-%dT%H:%M")


def customer_values(customer) -> dict:
    """What the edit form shows for ``customer``, keyed like its inputs."""
    values = {name: getattr(customer, name) for name in CONTACT_FIELDS}
    values["kind"] = customer.kind.value
    values["birthday"] = customer.birthday.isoformat() if customer.birthday else None
    values["owner_id"] = str(customer.owner_id) if customer.owner_id else None
    values.update({f"preferences.{name}": value for name, value in (customer.preferences or {}).items()})
    values.update({f"custom_fields.{key}": value for key, value in (customer.custom_fields or {}).items()})
    values["tags"] = ", ".join(customer.tag_names)
    return values
