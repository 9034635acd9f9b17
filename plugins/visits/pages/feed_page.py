"""``/visits/feed/<token>.ics``: a person's calendar feed, for a phone's calendar to subscribe to.

Public (a calendar app has no session): the token names the workspace and a secret; an unknown
token, a revoked one, or a workspace without the module is a 404."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from saas.auth import public
from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.modules import enabled_modules
from saas.core.tenancy import tenant_context

from plugins.visits import feed
from plugins.visits.planner import NAME

feed_pages = Blueprint("visits_feed", __name__, url_prefix=feed.PATH.rstrip("/"))


@feed_pages.route("/<token>", methods=["GET"])
@public
def ical(token: str):
    found = feed.parse_token(token)
    if found is None:
        raise NotFound("There is no such feed.")
    tenant_id, secret = found
    with tenant_context(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        if tenant is None or not tenant.is_active or NAME not in enabled_modules(tenant):
            raise NotFound("There is no such feed.")
        user_id = feed.owner_of(secret)
        if user_id is None:
            raise NotFound("There is no such feed.")
        body = feed.calendar(user_id, _("Return visits: %(workspace)s", workspace=tenant.name), request.url_root)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})
