"""The daily e-mail digest of a person's unread notifications, one per workspace they have unread
ones in, for the people who chose it (``users.notification_digest``), sent through the mail
adapter (:mod:`saas.core.mail`) by the daily schedule ``notifications.digest``.
"""

from __future__ import annotations

import uuid
import zoneinfo
from dataclasses import dataclass

import sqlalchemy as sa
from babel.dates import format_datetime
from flask import current_app
from flask_babel import force_locale, gettext as _

from saas.core import mail, notifications
from saas.core.accounts import Membership, Tenant, User
from saas.core.db import db
from saas.core.hooktypes import Schedule
from saas.core.notifications import Notification
from saas.core.tenancy import tenant_context

DIGEST_LIMIT = 20  # the newest unread ones; the mail says how many more wait on the page


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    unread: int


def digest(user_id: uuid.UUID, workspace: str, base_url: str, locale: str, timezone: str) -> Digest | None:
    """``user_id``'s unread notifications in the bound workspace (named ``workspace``) as an e-mail
    in ``locale``, times in ``timezone``, links made absolute with ``base_url``; None when nothing
    is unread. Two queries; no request needed (the daily job builds it)."""
    unread = notifications.unread_count(user_id)
    if not unread:
        return None
    newest = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(DIGEST_LIMIT)).all()
    root, zone = base_url.rstrip("/"), zoneinfo.ZoneInfo(timezone)
    with force_locale(locale):
        subject = _("%(count)s unread notifications in %(workspace)s", count=unread, workspace=workspace)
        lines = [subject, ""]
        for note in newest:
            title, body = notifications.shown(note, _)
            lines.append(f"- {title} ({format_datetime(note.created_at, 'short', tzinfo=zone, locale=locale)})")
            if body:
                lines.append(f"  {body}")
            if note.link:
                lines.append(f"  {root}{note.link}")
        if unread > len(newest):
            lines += ["", _("and %(more)s more.", more=unread - len(newest))]
        lines += ["", _("Read them all: %(url)s", url=f"{root}/notifications"),
                  _("You receive this e-mail because you asked for a daily digest; switch it off on the "
                    "notifications page.")]
    return Digest(subject, "\n".join(lines), unread)


def send_digests() -> int:
    """Daily: each person who chose the digest gets one e-mail per workspace where something is
    unread (a transaction per workspace: the mails leave once it commits). Returns how many."""
    tenants = list(db.session.execute(sa.select(Tenant.id, Tenant.name, Tenant.settings)
                                      .where(Tenant.status == "active")))
    db.session.rollback()
    base_url, sent = current_app.config["PUBLIC_URL"], 0
    for tenant_id, name, settings in tenants:
        with tenant_context(tenant_id):
            readers = db.session.execute(sa.select(User.id, User.email, User.locale, User.timezone).join(
                Membership, Membership.user_id == User.id).where(
                Membership.status == "active", User.notification_digest.is_(True),
                User.is_disabled.is_(False))).all()
            for user_id, email, locale, timezone in readers:
                found = digest(user_id, name, base_url, locale or settings.get("locale", "zh_CN"),
                               timezone or settings.get("timezone", "Asia/Shanghai"))
                if found is not None:
                    mail.send_later(email, found.subject, found.text)
                    sent += 1
            db.session.commit()
    return sent


SCHEDULES = (Schedule("notifications.digest", "0 1 * * *", send_digests, "low"),)  # 09:00 in China
