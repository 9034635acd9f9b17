"""The ``web`` blueprint that every core page registers on, and what every page's layout needs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from saas.auth import session_principal
from saas.core.navigation import navigation
from saas.core.tenancy import tenant_context
from saas.extensions import csrf

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static/web")


@dataclass(frozen=True)
class CorePage:
    """An entry of the main menu: a core page, shown to the members whose role may open it."""

    endpoint: str
    label: str

    @property
    def href(self) -> str:
        return url_for(self.endpoint)

    def is_current(self, path: str) -> bool:
        """Whether ``path`` is this page or one below it (``/settings/webhooks/<id>`` is under
        Settings, ``/imports/<id>/rejects`` under Imports); the dashboard, at ``/``, only itself."""
        own = self.href.rstrip("/")
        return path.rstrip("/") == own or (bool(own) and path.startswith(own + "/"))


CORE_PAGES = (  # in the order of the menu
    CorePage("web.landing", _l("Dashboard")),
    CorePage("web.today", _l("My day")),
    CorePage("web.customers", _l("Customers")),
    CorePage("web.tags", _l("Tags")),
    CorePage("web.purchases", _l("Purchases")),
    CorePage("web.interactions", _l("Interactions")),
    CorePage("web.imports", _l("Imports")),
    CorePage("web.data_quality", _l("Data quality")),
    CorePage("web.segments", _l("Segments")),
    CorePage("web.settings", _l("Settings")),
)


def current_page(pages, path: str) -> CorePage | None:
    """The entry ``path`` belongs to: the most specific of those it is under (``/customers/tags``
    is Tags, not Customers), so the menu marks one entry current."""
    return max((page for page in pages if page.is_current(path)), key=lambda page: len(page.href), default=None)


def _pages_for(principal) -> list[CorePage]:
    views = current_app.view_functions
    return [page for page in CORE_PAGES
            if getattr(views[page.endpoint], "member_page_needs", None) in (None, *principal.scopes)]


@bp.before_request
def _protect_forms():
    if request.method == "POST":
        csrf.protect()


@bp.app_context_processor
def workspace_menu() -> dict:
    """The menu on every page: the core's pages, and the pages of the modules the workspace has enabled."""
    principal = g.get("principal") or (session_principal() if current_user.is_authenticated else None)
    if principal is None:
        return {"menu": [], "core_pages": [], "current_page": None}
    pages = _pages_for(principal)
    shown = {"core_pages": pages, "current_page": current_page(pages, request.path)}
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
