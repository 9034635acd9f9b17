"""The module's "now", in one place so that tests move it (``monkeypatch.setattr(clock, "now", ...)``)
instead of sleeping: every step, the clocks' states and the escalation job read it here."""

from __future__ import annotations

import datetime as dt

from saas.core.types import utcnow


def now() -> dt.datetime:
    return utcnow()
