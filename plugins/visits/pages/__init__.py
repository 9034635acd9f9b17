"""The module's pages under ``/visits/`` (a plain blueprint: the host signs people in and answers
404 where the module is off): a person's agenda and a manager's team view, one visit with the
form that logs its outcome, the cadences in words, a customer's own cadence, the person's
calendar feed and the KPIs. Each page reads its query or form with the API's schema and calls the
function the API view calls, so a page accepts and refuses what the API does. The calendar feed
itself (``/visits/feed/<token>.ics``) is public: :mod:`plugins.visits.pages.feed_page`."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

pages = Blueprint("visits_pages", __name__, url_prefix="/visits",
                  template_folder=str(Path(__file__).parent.parent / "templates"),
                  static_folder=str(Path(__file__).parent.parent / "static"), static_url_path="/static")

from plugins.visits.pages import agenda, cadences, calendar, kpis, visit  # noqa: E402,F401  views register on pages
from plugins.visits.pages.feed_page import feed_pages  # noqa: E402,F401
