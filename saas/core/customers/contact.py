"""Normalising contact data, so one person is one spelling: e-mails by email-validator, phone numbers
to E.164 by phonenumbers (the tenant's default region for numbers written without a country code).

Each function returns ``(value, problem)``: the normalised value, or ``None`` and why it is not one.
"""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = "CN"


def email(raw: str | None) -> tuple[str | None, str | None]:
    """``"Li.Wei@Example.COM "`` -> ``"li.wei@example.com"``; mailbox names are compared without case,
    as mail providers treat them in practice."""
    if raw is None or not raw.strip():
        return None, None
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        return None, str(error)
    return checked.normalized.lower(), None


def phone(raw: str | None, region: str = DEFAULT_REGION) -> tuple[str | None, str | None]:
    """``"138 0013 8000"`` (region CN) -> ``"+8613800138000"``; a number that cannot exist is a problem."""
    if raw is None or not raw.strip():
        return None, None
    try:
        parsed = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException as error:
        return None, f"Not a phone number: {error._msg}"
    if not phonenumbers.is_valid_number(parsed):
        return None, f"Not a valid phone number (read with default region {region})."
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), None


def region_of(settings: dict | None) -> str:
    return (settings or {}).get("phone_region") or DEFAULT_REGION
