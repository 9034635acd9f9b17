"""The module's staff pages under ``/surveys/`` (a plain blueprint: the host signs people in and
answers 404 where the module is off): the surveys with their state and answers, the editor of a
survey and its questions, a survey's page (its state, sending now, on a schedule and after events,
its shareable link), its results and its answers. Each form is loaded by the API's schema and
calls the function the API view calls, so a page accepts and refuses what the API does."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

from saas.auth import may

pages = Blueprint("surveys_pages", __name__, url_prefix="/surveys",
                  template_folder=str(Path(__file__).parent.parent / "templates"),
                  static_folder=str(Path(__file__).parent.parent / "static"), static_url_path="/static")


@pages.context_processor
def _permissions() -> dict:
    """What the person may do, on every page of the module (an error page answered before
    sign-in has no principal)."""
    from flask import g

    signed_in = g.get("principal") is not None
    return {"may_manage": signed_in and may("surveys.manage"), "may_send": signed_in and may("surveys.send")}


from plugins.surveys.pages import listing, editor, survey, results  # noqa: E402,F401  views register on pages
