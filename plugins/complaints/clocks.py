"""A case's three clocks (response, plan, resolution): when each is due, when its warning falls,
and its state, from the case's frozen targets, its pauses and a calendar.

A target's counted time runs from the case's opening, skipping its pauses (waiting for the
customer) and, with business hours, the time outside them. Its state:

* ``met``: its milestone (acknowledged, plan agreed, resolved) came by its due time;
* ``breached``: a breach was recorded, or the milestone came late, or it is past due now;
* ``paused``: the case waits for the customer and the target is neither met nor past due;
* ``running`` otherwise, with ``warning`` once ``warning_percent`` of the target is used.

A breach recorded stays (:class:`plugins.complaints.models.Alert`): a reopened or late-resolved
case keeps the breaches it had.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from plugins.complaints.models import MILESTONES, OPEN_STATUSES, TARGETS, Case


@dataclass(frozen=True)
class Clock:
    target: str
    minutes: int
    due_at: dt.datetime | None  # None while paused with time left
    warn_at: dt.datetime | None
    state: str  # running, met, breached, paused
    warning: bool  # running (or paused) with its warning share used
    met_at: dt.datetime | None


def _instant(value) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def segments(case: Case) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """The spans the clocks run in: from the opening to the first pause, between pauses, and from
    the last one on (None: still running; absent while paused now)."""
    spans, start = [], case.opened_at
    for begun, ended in sorted((_instant(a), _instant(b)) for a, b in case.pauses or []):
        spans.append((start, begun))
        start = ended
    spans.append((start, case.paused_since))
    return [(a, b) for a, b in spans if b is None or b > a]


def used_up(calendar, spans, seconds: float) -> dt.datetime | None:
    """The instant ``seconds`` of counted time are used up in ``spans``; None if not before the
    current pause ends."""
    left = seconds
    for start, end in spans:
        if end is None:
            return calendar.after(start, left)
        room = calendar.counted(start, end)
        if left <= room:
            return calendar.after(start, left)
        left -= room
    return None


def clocks_of(case: Case, calendar, now: dt.datetime, breached: set[str], warning_percent: int) -> dict[str, Clock]:
    spans = segments(case)
    found = {}
    for target in TARGETS:
        minutes = getattr(case, f"{target}_minutes")
        due = used_up(calendar, spans, minutes * 60)
        warn = used_up(calendar, spans, minutes * 60 * warning_percent / 100)
        met_at = getattr(case, MILESTONES[target])
        if target in breached or (met_at is not None and due is not None and met_at > due) or (
                met_at is None and due is not None and now >= due):
            state = "breached"
        elif met_at is not None:
            state = "met"
        elif case.paused_since is not None:
            state = "paused"
        else:
            state = "running"
        warning = state in ("running", "paused") and warn is not None and now >= warn
        found[target] = Clock(target, minutes, due, warn, state, warning, met_at)
    return found


def next_due(case: Case, clocks: dict[str, Clock]) -> dt.datetime | None:
    """The soonest due time of the targets not yet met (the queue's order); None once none is left
    or while paused."""
    if case.status not in OPEN_STATUSES:
        return None
    due = [clock.due_at for clock in clocks.values() if clock.met_at is None and clock.due_at is not None]
    return min(due) if due else None
