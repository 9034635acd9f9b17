"""The English messages of the core and of marshmallow, shown on a page in the page's language.

A page validates with the same schemas and core functions as the API, whose messages are English
for the API's clients (``"Must be greater than or equal to 1."``). A page translates each one by
the template it was formatted from: :data:`MESSAGES` lists those templates (marked with
:func:`saas.core.messages.N_`, so ``make translations`` extracts them), with ``{name}`` where a value goes, and
:func:`translate` finds the template a message matches, translates it and puts the values back,
numbers, amounts and dates formatted for the page's locale. A message that matches none, and
every message on an English page, is shown as the API words it.

``tests/test_core_messages.py`` fails when marshmallow has a default message this list lacks.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from functools import lru_cache

from flask import g
from flask_babel import format_currency, format_date, format_decimal, get_locale, gettext

from saas.core.messages import N_
from saas.web.blueprint import bp


MESSAGES = (
    # marshmallow's default messages (fields and validators), as they read once formatted
    N_("Missing data for required field."), N_("Field may not be null."), N_("Invalid input type."),
    N_("Invalid input."), N_("Invalid type."), N_("Invalid value."), N_("Unknown field."),
    N_("Not a valid string."), N_("Not a valid utf-8 string."), N_("Not a valid number."),
    N_("Not a valid integer."), N_("Number too large."), N_("Not a valid boolean."),
    N_("Not a valid list."), N_("Not a valid tuple."), N_("Not a valid mapping type."),
    N_("Not a valid UUID."), N_("Not a valid URL."), N_("Not a valid email address."),
    N_("Not a valid date."), N_("Not a valid datetime."), N_("Not a valid time."),
    N_("Not a valid naive datetime."), N_("Not a valid aware datetime."),
    N_("Not a valid naive time."), N_("Not a valid aware time."), N_("Not a valid period of time."),
    N_("Not a valid IP address."), N_("Not a valid IPv4 address."), N_("Not a valid IPv6 address."),
    N_("Not a valid IP interface."), N_("Not a valid IPv4 interface."), N_("Not a valid IPv6 interface."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("String does not match expected pattern."),
    N_('"{input}" cannot be formatted as a date.'), N_('"{input}" cannot be formatted as a datetime.'),
    N_('"{input}" cannot be formatted as a time.'),
    N_("Length must be between {min} and {max}."), N_("Length must be {equal}."),
    N_("Longer than maximum length {max}."), N_("Shorter than minimum length {min}."),
    N_("Must be equal to {other}."), N_("Must be one of: {choices}."),
    N_("One or more of the choices you made was in: {values}."),
    N_("One or more of the choices you made was not in: {choices}."),
    N_("Must be greater than or equal to {min}."), N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."), N_("Must be less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min} and less than {max}."),
    N_("Must be greater than {min} and less than {max}."),
    # the core's and the API schemas' field messages
    N_("Type the workspace's slug, {slug}, to confirm."),
    N_("Required."), N_("Already taken."), N_("Already registered."), N_("Already exists."),
    N_("Already defined."), N_("Already merged."), N_("Already used."), N_("Already a member of this workspace."),
    N_("Already used by another customer."), N_("Already used for a different order."),
    N_("Not a member."), N_("No such customer."), N_("The same customer."), N_("Deleted."),
    N_("Not a version."), N_("Invalid cursor."), N_("Unknown custom field."), N_("Required for a new user."),
    N_("Stale version; reload and try again."), N_("A tag needs a name."),
    N_("A choice field needs at least one choice."), N_("This module has no settings."),
    N_("Not your current password."), N_("Not an IANA time zone (e.g. Asia/Shanghai)."),
    N_("Not an ISO 4217 currency code."), N_("An ISO 3166 country code that has phone numbers (e.g. CN)."),
    N_("Use lower-case letters, digits and _; start with a letter."),
    N_("3-50 lower-case letters, digits and dashes; not reserved."),
    N_("Use at least {count} characters."), N_("Use at most {count} characters."),
    N_("Do not use your e-mail address as password."), N_("Must not contain NUL characters."),
    N_("Days must rise: 1 <= dormant_days < churned_days <= 3650."),
    N_("From 1 day to dormant_days: a new customer cannot be dormant yet."), N_("From 1 to 120 months."),
    N_("Tier thresholds must fall: {max} >= core > important > basic > 0."),
    N_("Must be above 0 and at most {max}."), N_("No such field: {names}."),
    N_("No such condition: {key} (is its module on?)."), N_("{key}: choose at least one of {choices}."),
    N_("{key}: {values} is not one of {choices}."), N_("Not in the catalogue: {names}."),
    N_("One of: {choices}."), N_("Enable {modules} first."), N_("Disable {modules} first."),
    N_("A list of at most 50 tag names."), N_("At most five years."), N_("Each tag is a name of 1 to 50 characters."),
    N_("Each value is text of at most 200 characters, or true/false."), N_("Must be above spend_min."),
    N_("Must be after from."), N_("Must be in the future."), N_("Not JSON."), N_("Not a phone number."),
    N_("Not a valid phone number (read with default region {region})."), N_("[lowest, highest]."),
    N_("Write the URL in ASCII: punycode for an international name, percent-encoding for the path."),
    N_("Port 0 cannot receive webhooks."), N_("Only http and https URLs can receive webhooks."),
    N_("The URL has no host."), N_("Put no user name or password in the URL."),
    # why a customer is in its tier and stage (saas.core.classification.explanations)
    N_("no purchase and no contact yet"), N_("no purchase yet, but in touch"), N_("no purchase yet"),
    N_("spend in the last {months} months {spend} >= {threshold} (core)"),
    N_("spend in the last {months} months {spend} >= {threshold} (important)"),
    N_("spend in the last {months} months {spend} >= {threshold} (basic)"),
    N_("spend in the last {months} months {spend} < {threshold} (general)"),
    N_("first purchase {days} days ago (new for {limit} days)"),
    N_("last purchase {days} days ago (active within {limit} days)"),
    N_("no purchase for {days} days (churned after {limit})"),
    N_("no purchase for {days} days (dormant after {limit})"),
    N_("set by hand until {date}: {reason} (the rules would give: {rules})"),
    N_("set by hand: {reason} (the rules would give: {rules})"),
    # an import's problems with a file, a mapping or a cell
    N_("The file is empty (0 bytes)."), N_("The file has no header row."),
    N_("Two columns have the same name in the header row."), N_("The file has a header row but no data rows."),
    N_("The file is neither UTF-8 nor GB18030 text: save it as CSV UTF-8, or as XLSX."),
    N_("The file is not {encoding} text: save it as CSV UTF-8, or as XLSX."),
    N_("The import stopped on an unexpected error; upload the file again."),
    N_("The custom field {key} was deleted after the upload."),
    N_("No column '{column}' in the file."), N_("Two columns are mapped to the same field."),
    N_("No column for: {fields}."),
    N_("No column that finds the customer: customer_external_id, customer_email or customer_phone."),
    N_("No external id, e-mail or phone to find the customer by."),
    N_("This order number was recorded for another customer or amount."),
    N_("Longer than {count} characters."), N_("Not a kind: person or company (个人/公司)."),
    N_("Not a date: write it as YYYY-MM-DD."), N_("Not a date and time: write it as YYYY-MM-DD HH:MM."),
    N_("Not a plausible purchase time (after 1970, not in the future)."), N_("Not an amount."),
    N_("An amount above 0 and at most {max} is needed."), N_("At most two decimal places."),
    N_("Not a number."), N_("Not an ISO 4217 currency code (e.g. CNY)."),
    N_("At most 50 tags of at most 50 characters each."), N_("Must be yes or no (是/否)."),
    # a custom field's value, a segment's condition on one, a tag's colour
    N_("Must be text of at most {max} characters."), N_("Must be a number."), N_("Must be a finite number."),
    N_("Must be a date as YYYY-MM-DD."), N_("Must be true or false."), N_("{key}: true or false."),
    N_("A colour such as #1f77b4."),
)

# Messages that end in a library's own words (the phone parser's, the e-mail validator's): each
# beginning, and the message a page shows instead.
STARTS = {
    "Not a phone number: ": N_("Not a phone number."),
    **dict.fromkeys(("The email address", "An email address", "The part after the @-sign", "The part before the @-sign",
                     "There must be something", "There can't be anything", "After the @-sign", "Internationalized characters",
                     "Quoting the part before", "Extra character(s) found", "The IPv6 address in brackets",
                     "The address in brackets", "The display name", "A display name", "An open angle bracket",
                     "After Unicode normalization"), N_("Not a valid email address.")),
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_NUMBER = re.compile(r"-?\d[\d,]*(\.\d+)?")


@lru_cache(maxsize=None)
def _patterns() -> list[tuple[re.Pattern, str]]:
    """Each template with placeholders as a pattern, the most specific (longest) first."""
    found = []
    for template in sorted((t for t in MESSAGES if _PLACEHOLDER.search(t)), key=len, reverse=True):
        parts = _PLACEHOLDER.split(template)  # literal, name, literal, name, ...
        pattern = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        found.append((re.compile(pattern + r"\Z", re.S), template))
    return found


_MONEY = {"spend", "threshold"}  # placeholders that hold an amount in the workspace's currency
_NUMBERS = {"count", "days", "equal", "limit", "max", "min", "months"}  # the others hold a person's text
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _currency() -> str:
    principal = g.get("principal")
    return principal.tenant.settings.get("currency", "CNY") if principal is not None else "CNY"


def _value(name: str, text: str) -> str:
    """A value put back into a translated message: amounts, numbers and dates formatted for the
    page's locale, an explanation within the explanation translated in turn."""
    if name in _MONEY | _NUMBERS and _NUMBER.fullmatch(text):
        number = decimal.Decimal(text.replace(",", ""))
        return format_currency(number, _currency()) if name in _MONEY else format_decimal(number)
    if name == "date" and _DATE.fullmatch(text):
        try:
            return format_date(dt.date.fromisoformat(text))
        except ValueError:
            return text
    return translate(text) if name == "rules" else text


def translate(message) -> str:
    """``message`` (a core or marshmallow message) in the page's language, else as it is. An
    English page shows it as the API words it."""
    message = str(message)
    if get_locale() is None or get_locale().language == "en":
        return message
    translated = gettext(message) if message else message
    if translated != message:
        return translated
    for pattern, template in _patterns():
        match = pattern.match(message)
        if match:
            values = {name: _value(name, value) for name, value in match.groupdict().items()}
            return gettext(template).format(**values)
    start = next((start for start in STARTS if message.startswith(start)), None)
    return gettext(STARTS[start]) if start else message


@bp.app_template_filter("core_message")
def core_message(message) -> str:
    return translate(message)
