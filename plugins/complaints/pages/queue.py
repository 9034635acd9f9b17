"""``/complaints/``: the open cases by time left, the soonest due first, each clock amber when its
warning share is used and red when breached; the person's own or everyone's."""

from __future__ import annotations

from flask import render_template, request

from saas.auth import current_principal
from saas.core.accounts import Role

from plugins.complaints import clock, links, reading
from plugins.complaints.pages import pages, wording
from plugins.complaints.pages.case import owner_names

WHOSE = ("mine", "all")


@pages.route("/")
def queue():
    principal = current_principal()
    whose = request.args.get("whose") or ("mine" if principal.role is Role.agent else "all")
    if whose not in WHOSE:
        whose = "all"
    items = reading.queue(principal.user.id if whose == "mine" else None)
    return render_template("complaints/queue.html", items=items, whose=whose, now=clock.now(), words=wording,
                           owners=owner_names(), form_url=links.form_url(principal.tenant.id))
