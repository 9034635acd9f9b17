"""``/settings/inbound``: how a shop or ERP posts its orders to ``POST /api/v1/inbound/orders``, the
workspace's inbound secret created or rotated as ``POST /api/v1/inbound/secret`` does it (the new
secret shown on that answer only), and the orders received, newest first."""

from __future__ import annotations

import json

from flask import render_template, request, url_for

from saas.auth import current_principal
from saas.core.accounts import Scope
from saas.core.webhooks import inbound as service
from saas.web.blueprint import bp
from saas.web.pages import member_page

PER_PAGE = 50
EXAMPLE_ORDER = {
    "external_ref": "SO-1001",
    "customer": {"external_id": "C-88", "name": "王芳", "email": "wang.fang@example.com", "phone": "+8613800138000"},
    "product": "Longjing tea 250 g", "category": "tea", "quantity": "2", "amount": "560.00", "currency": "CNY",
    "purchased_at": "2026-05-01T10:30:00Z",
}


def _page(new_secret: str | None = None):
    found = service.secret()
    log = service.received(cursor=request.args.get("cursor"), limit=PER_PAGE)
    endpoint = url_for("inbound.receive_order", workspace=current_principal().tenant.slug, _external=True)
    return render_template("settings/inbound.html", secret=found, new_secret=new_secret, endpoint=endpoint,
                           example=json.dumps(EXAMPLE_ORDER, ensure_ascii=False, indent=2),
                           messages=log.items, next_cursor=log.next_cursor)


@bp.route("/settings/inbound", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def settings_inbound():
    if request.method == "GET":
        return _page()
    return _page(new_secret=service.rotate_secret().secret)  # on this answer only, never in a redirect
