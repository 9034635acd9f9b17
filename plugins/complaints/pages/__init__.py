"""The module's pages under ``/complaints/`` (a plain blueprint: the host signs people in and
answers 404 where the module is off): the queue by time left, a case with its workflow buttons and
timeline, the new-case form and the weekly cause review; and the customer's public pages (``/c/``),
the complaint form at the workspace's signed link and the one-click "was this resolved?".
Each form is read with the API's schema and calls the function the API view calls, so a page
accepts and refuses what the API does."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

HERE = Path(__file__).parent.parent

pages = Blueprint("complaints_pages", __name__, url_prefix="/complaints", template_folder=str(HERE / "templates"),
                  static_folder=str(HERE / "static"), static_url_path="/static")
public_pages = Blueprint("complaints_public", __name__, url_prefix="/c", template_folder=str(HERE / "templates"))

from plugins.complaints.pages import case, public, queue, review  # noqa: E402,F401  views register on the blueprints
