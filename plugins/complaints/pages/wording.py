"""The module's words on its pages: statuses, priorities, categories, targets, clock states,
channels and workflow actions, in the page's language (a workspace's own category is shown as
written)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from plugins.complaints.settings import CATEGORY_LABELS, PRIORITY_LABELS  # noqa: F401  for the pages

STATUSES = {"new": _l("New case"), "acknowledged": _l("Acknowledged"), "plan_agreed": _l("Plan agreed"),
            "resolved": _l("Resolved"), "confirmed": _l("Confirmed by the customer"), "closed": _l("Closed")}
TARGETS = {"response": _l("First response"), "plan": _l("Plan"), "resolution": _l("Resolution")}
STATES = {"running": _l("Running"), "met": _l("Met"), "breached": _l("Breached"), "paused": _l("Paused"),
          "warning": _l("Running out"), "met_late": _l("Met late")}
CHANNELS = {"phone": _l("Phone"), "email": _l("E-mail"), "in_person": _l("In person"), "chat": _l("Chat"),
            "social": _l("Social media"), "web_form": _l("Complaint form"), "survey": _l("Survey"), "other": _l("Other")}
ACTIONS = {"acknowledge": _l("Acknowledge"), "agree_plan": _l("Plan agreed"), "resolve": _l("Resolved"),
           "confirm": _l("Customer confirmed"), "close": _l("Close"), "reopen": _l("Reopen"),
           "pause": _l("Waiting for the customer"), "resume": _l("Customer answered: resume")}
STEPS = {"opened": _l("Complaint opened"), "acknowledged": _l("Acknowledged"), "plan_agreed": _l("Plan agreed"),
         "resolved": _l("Resolved"), "confirmed": _l("Confirmed by the customer"), "closed": _l("Closed"),
         "reopened": _l("Reopened"), "paused": _l("Waiting for the customer"), "resumed": _l("Resumed")}


def category_label(code: str) -> str:
    return str(CATEGORY_LABELS[code]) if code in CATEGORY_LABELS else code


def clock_class(clock: dict) -> str:
    """The clock's colour: red when breached, amber when running out, grey when met or paused."""
    if clock["state"] == "breached":
        return "clock-red"
    if clock["warning"]:
        return "clock-amber"
    return f"clock-{clock['state']}"
