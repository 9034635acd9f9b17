"""The conditions enabled modules add to segments (``saas_segment_conditions``), and checking a
filter's use of them before it is saved."""

from __future__ import annotations

from saas.core.errors import Invalid
from saas.core.hooktypes import SegmentCondition
from saas.core.messages import N_
from saas.core.plugins import installed

UNKNOWN = N_("No such condition: {key} (is its module on?).")
EMPTY = N_("{key}: choose at least one of {choices}.")
NOT_A_CHOICE = N_("{key}: {values} is not one of {choices}.")


def offered() -> dict[str, SegmentCondition]:
    """The segment conditions of the bound tenant's enabled modules, by key."""
    return {condition.key: condition for _module, conditions in installed().call_current("saas_segment_conditions")
            for condition in conditions or []}


def check(given: dict[str, tuple[str, ...]], kept: dict[str, tuple[str, ...]] | None = None) -> None:
    """:class:`Invalid` (a 422) for a key no enabled module offers, or a value it does not know.

    ``kept`` is what the segment held before a change: a condition of a module since switched
    off may stay as it was (it holds for nobody until the module is on again), never be widened."""
    known, kept = offered(), kept or {}
    errors = []
    for key, values in given.items():
        if key not in known:
            if tuple(kept.get(key) or ()) != tuple(values):
                errors.append(UNKNOWN.format(key=key))
        elif not values:
            errors.append(EMPTY.format(key=key, choices=", ".join(known[key].choices)))
        elif unknown := sorted(set(values) - set(known[key].choices)):
            errors.append(NOT_A_CHOICE.format(key=key, values=", ".join(unknown), choices=", ".join(known[key].choices)))
    if errors:
        raise Invalid("unknown module conditions", {"filter": {"modules": errors}})
