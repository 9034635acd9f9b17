"""``/notifications``: the signed-in person's notifications in this workspace (newest first, a page
at a time), marking them read and the daily digest switch (the header counts the unread ones:
:mod:`saas.web.header`).

What is shown and changed is the person's own only (:mod:`saas.core.notifications` looks rows up
by the person and the bound workspace), so another person's or workspace's notification is a 404.
"""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.exceptions import BadRequest, NotFound
from wtforms import BooleanField

from saas.auth import current_principal
from saas.core import notifications
from saas.core.pagination import BadCursor
from saas.web.blueprint import bp
from saas.web.pages import member_page

PAGE_SIZE = 25


class DigestForm(FlaskForm):
    notification_digest = BooleanField(_l("Send me a daily e-mail of my unread notifications"))


@bp.route("/notifications")
@member_page
def notifications_list():
    user = current_principal().user
    try:
        page = notifications.of(user.id, cursor=request.args.get("cursor") or None, limit=PAGE_SIZE)
    except BadCursor:
        raise BadRequest(_l("This list's page link is not valid: start again from its first page.")) from None
    return render_template("notifications/index.html", page=page,
                           digest_form=DigestForm(formdata=None, notification_digest=user.notification_digest))


@bp.route("/notifications/<uuid:notification_id>/read", methods=["POST"])
@member_page
def notification_read(notification_id: uuid.UUID):
    notification = notifications.get(current_principal().user.id, notification_id)
    if notification is None:
        raise NotFound()
    notifications.mark_read(notification)
    return redirect(url_for("web.notifications_list"), 303)


@bp.route("/notifications/read-all", methods=["POST"])
@member_page
def notifications_read_all():
    notifications.mark_all_read(current_principal().user.id)
    return redirect(url_for("web.notifications_list"), 303)


@bp.route("/notifications/digest", methods=["POST"])
@member_page
def notification_digest():
    """The person's choice of the daily digest: theirs in every workspace, like their language."""
    form = DigestForm()
    if not form.validate():
        raise BadRequest()
    current_principal().user.notification_digest = form.notification_digest.data
    return redirect(url_for("web.notifications_list"), 303)


@bp.app_template_filter("shown")
def shown(note: notifications.Notification) -> tuple[str, str]:
    """A notification's title and body in the page's language (``{% set title, body = note|shown %}``)."""
    return notifications.shown(note, gettext)
