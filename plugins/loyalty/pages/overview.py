"""``/loyalty/``: who holds points, this month's points, and the largest balances."""

from __future__ import annotations

from flask import render_template

from saas.auth import current_principal

from plugins.loyalty import overview as figures
from plugins.loyalty.pages import pages


@pages.route("/")
def overview():
    principal = current_principal()
    zone = principal.tenant.settings.get("timezone", "UTC")
    return render_template("loyalty/overview.html", members=figures.members_with_points(),
                           month=figures.this_month(zone), top=figures.top_balances())
