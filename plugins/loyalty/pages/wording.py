"""The module's words on its pages: entry kinds, and the schemas' and the core's messages a person
can meet on its forms, in the page's language (any other message is shown as the API words it)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from saas.web.customer_forms import flatten
from saas.web.labels import TIER_LABELS as TIERS

from plugins.loyalty.models import EntryKind
from plugins.loyalty.rules import MAX_POINTS

KINDS = {EntryKind.earn: _l("Earned"), EntryKind.bonus: _l("Bonus"), EntryKind.redeem: _l("Redeemed"),
         EntryKind.expire: _l("Expired"), EntryKind.adjust: _l("Adjusted by hand"),
         EntryKind.reverse: _l("Taken back (refund)")}

MESSAGES = {
    "Not a valid integer.": _l("Not a whole number."),
    "An adjustment moves at least one point.": _l("An adjustment moves at least one point."),
    f"Must be greater than or equal to {-MAX_POINTS} and less than or equal to {MAX_POINTS}.":
        _l("Between %(low)s and %(high)s.", low=f"{-MAX_POINTS:,}", high=f"{MAX_POINTS:,}"),
    f"Must be greater than or equal to 1 and less than or equal to {MAX_POINTS}.":
        _l("Between %(low)s and %(high)s.", low="1", high=f"{MAX_POINTS:,}"),
    f"Must be greater than or equal to 0 and less than or equal to {MAX_POINTS}.":
        _l("Between %(low)s and %(high)s.", low="0", high=f"{MAX_POINTS:,}"),
    "Length must be between 1 and 200.": _l("Required, at most %(count)d characters.", count=200),
    "Longer than maximum length 1000.": _l("At most %(count)d characters.", count=1000),
    "Length must be between 1 and 500.": _l("Required, at most %(count)d characters.", count=500),
    "The offer ends after it starts.": _l("The offer ends after it starts."),
    "'to' is after 'from'.": _l("The last day is on or after the first."),
    "At most five years at a time.": _l("At most five years at a time."),
}


def field_errors(messages) -> dict[str, list[str]]:
    """marshmallow's or the core's field errors as ``{field: [message in the page's language]}``;
    a list's item errors (``tiers.0``) are the list's."""
    fields: dict[str, list[str]] = {}
    for field, found in flatten(messages).items():
        name, _dot, index = field.rpartition(".")
        fields.setdefault(name if index.isdigit() else field, []).extend(
            str(MESSAGES.get(message, message)) for message in found)
    return fields


def why_not(error) -> str:
    """A refused redemption (:class:`plugins.loyalty.rewards.NotRedeemable`), in the page's language."""
    details = error.details
    if error.why == "balance":
        return _("Not enough points: the customer has %(balance)s, %(reward)s costs %(cost)s.",
                 balance=f"{details['balance']:,}", reward=details["reward"], cost=f"{details['cost']:,}")
    if error.why == "tier":
        return _("%(reward)s is for %(tiers)s customers; this one is %(tier)s.", reward=details["reward"],
                 tiers=_(", ").join(str(TIERS.get(tier, tier)) for tier in details["tiers"]),
                 tier=str(TIERS.get(details["tier"], _("unclassified"))))
    if error.why == "out_of_stock":
        return _("%(reward)s is out of stock.", reward=details["reward"])
    return _("%(reward)s is not on offer now.", reward=details["reward"])
