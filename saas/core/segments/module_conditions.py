"""The conditions enabled modules add to segments (``saas_segment_conditions``), and checking a
filter's use of them before it is saved."""

from __future__ import annotations

from saas.core.errors import Invalid
from saas.core.hooktypes import SegmentCondition
from saas.core.plugins import installed


def offered() -> dict[str, SegmentCondition]:
    """The segment conditions of the bound tenant's enabled modules, by key."""
    return {condition.key: condition for _module, conditions in installed().call_current("saas_segment_conditions")
            for condition in conditions or []}


def check(given: dict[str, tuple[str, ...]]) -> None:
    """:class:`Invalid` (a 422) for a key no enabled module offers, or a value it does not know."""
    known = offered()
    errors = []
    for key, values in given.items():
        if key not in known:
            errors.append(f"No such condition: {key} (is its module on?).")
        elif not values:
            errors.append(f"{key}: choose at least one of {', '.join(known[key].choices)}.")
        elif unknown := sorted(set(values) - set(known[key].choices)):
            errors.append(f"{key}: {', '.join(unknown)} is not one of {', '.join(known[key].choices)}.")
    if errors:
        raise Invalid("unknown module conditions", {"filter": {"modules": errors}})
