"""The ``web`` blueprint that every core page registers on, and what every page's layout needs."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from saas.auth import session_principal
from saas.core.navigation import navigation
from saas.core.tenancy import tenant_context
from saas.extensions import csrf
from saas.web.labels import in_page_language

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/web")


CORE_PAGES = {  # the main menu's core pages (endpoint: label), in its order
    "web.landing": _l("Dashboard"),
    "web.today": _l("My day"),
    "web.customers": _l("Customers"),
    "web.tags": _l("Tags"),
    "web.purchases": _l("Purchases"),
    "web.interactions": _l("Interactions"),
    "web.imports": _l("Imports"),
    "web.data_quality": _l("Data quality"),
    "web.segments": _l("Segments"),
    "web.settings": _l("Settings"),
}


class MenuEntry(NamedTuple):
    href: str
    label: str
    current: bool  # the entry the page belongs to


def _is_under(path: str, href: str) -> bool:
    """Whether ``path`` is the page at ``href`` or one below it (``/settings/webhooks/<id>`` is
    under Settings, ``/imports/<id>/rejects`` under Imports); the dashboard, at ``/``, only itself."""
    own = href.rstrip("/")
    return path.rstrip("/") == own or (bool(own) and path.startswith(own + "/"))


def core_menu(principal, path: str) -> list[MenuEntry]:
    """The core pages whose role rule admits ``principal``; the current one is the most specific
    that ``path`` is under (``/customers/tags`` is Tags, not Customers), so one entry is marked."""
    views, (labels,) = current_app.view_functions, in_page_language(CORE_PAGES)
    pages = [(url_for(endpoint), labels[endpoint]) for endpoint in CORE_PAGES
             if getattr(views[endpoint], "member_page_needs", None) in (None, *principal.scopes)]
    current = max((href for href, _ in pages if _is_under(path, href)), key=len, default=None)
    return [MenuEntry(href, label, href == current) for href, label in pages]


@bp.before_request
def _protect_forms():
    if request.method == "POST":
        csrf.protect()


@bp.app_context_processor
def workspace_menu() -> dict:
    """The menu on every page: the core's pages, and the pages of the modules the workspace has enabled."""
    principal = g.get("principal") or (session_principal() if current_user.is_authenticated else None)
    if principal is None:
        return {"menu": [], "core_pages": []}
    shown = {"core_pages": core_menu(principal, request.path)}
    if "tenant_token" in g:
        return {"menu": navigation(principal.tenant, principal.role), **shown}
    with tenant_context(principal.tenant.id):
        return {"menu": navigation(principal.tenant, principal.role), **shown}


def local_target(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/...``), so ``?next=`` cannot send anyone away."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
