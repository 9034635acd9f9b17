"""``/visits/calendar``: the person's own calendar feed, for their phone's calendar to subscribe
to: whether they have one and since when, a new secret URL (shown once: only its hash is kept;
the URL it replaces stops working) and revoking it, as ``POST``/``DELETE /api/v1/visits/feed`` do."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from saas.auth import current_principal
from saas.core.db import db
from saas.web.pages import member_page

from plugins.visits import feed
from plugins.visits.models import Feed
from plugins.visits.pages import pages


def _page(url: str | None = None):
    principal = current_principal()
    issued = db.session.scalar(sa.select(Feed.created_at).where(Feed.user_id == principal.user.id))
    return render_template("visits/calendar.html", issued=issued, url=url,
                           webcal=url.replace("https://", "webcal://").replace("http://", "webcal://") if url else None)


@pages.route("/calendar")
def calendar():
    return _page()


@pages.route("/calendar", methods=["POST"])
@member_page
def change_calendar():
    principal = current_principal()
    if request.form.get("action") == "revoke":
        feed.revoke(principal.user.id)
        flash(_("Your calendar feed is revoked: its URL no longer works."), "success")
        return redirect(url_for("visits_pages.calendar"), 303)
    path = feed.issue(principal.user.id, principal.tenant.id)
    return _page(request.url_root.rstrip("/") + path)
