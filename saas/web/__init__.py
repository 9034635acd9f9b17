"""The server-rendered UI: the layout every page extends, its pages, forms and translations, and
the vendored htmx and ECharts they use (no CDN: the pages work offline).

Core pages register on one blueprint (:mod:`saas.web.blueprint`, endpoints ``web.*``); a module's
pages are a blueprint of its own that extends the same ``base.html``.
"""

from __future__ import annotations

from flask import Flask

from saas.web import activity, tags  # noqa: F401  views register on bp
from saas.web import customer_list, customer_profile, dashboard, data_quality, i18n, imports, notifications, security, segments, settings, sign_in, today  # noqa: F401  views register on bp
from saas.web import header, invitations, password_pages, profile, signup  # noqa: F401  accounts
from saas.web import core_messages  # noqa: F401  the core_message filter
from saas.web.blueprint import bp


def init_app(app: Flask) -> None:
    i18n.init_app(app)
    security.init_app(app)
    invitations.init_app()
    app.register_blueprint(bp)
