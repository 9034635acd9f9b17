"""The module's pages under ``/loyalty/`` (a plain blueprint: the host signs people in and answers
404 where the module is off). Each form is loaded by the API's schema and calls the function the
API view calls, so a page accepts and refuses what the API does."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, g

from saas.core.accounts import Scope

pages = Blueprint("loyalty_pages", __name__, url_prefix="/loyalty",
                  template_folder=str(Path(__file__).parent.parent / "templates"))


@pages.context_processor
def _tabs_context() -> dict:
    """Whether the person sees the Maintenance tab, on every page of the module (an error page
    answered before sign-in has no principal)."""
    principal = g.get("principal")
    return {"is_admin": principal is not None and Scope.admin in principal.scopes}

from plugins.loyalty.pages import account, admin, overview, rewards  # noqa: E402,F401  views register on pages
