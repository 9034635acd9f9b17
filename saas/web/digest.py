"""The daily e-mail digest of a person's unread notifications, one per workspace they have unread
ones in, for the people who chose it (``users.notification_digest``), sent through the mail
adapter (:mod:`saas.core.mail`) at each person's morning by the hourly schedule
``notifications.digest``.
"""

from __future__ import annotations

import datetime as dt
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
from saas.core.types import utcnow

DIGEST_LIMIT = 20  # the newest unread ones; the mail says how many more wait on the page
DIGEST_HOUR = 7  # the digest goes from 07:00 in the person's time zone


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


def send_digests(now: dt.datetime | None = None) -> int:
    """Hourly: each person who chose the digest gets, once a day when their morning has come
    (``DIGEST_HOUR`` in their time zone, else the workspace's), one e-mail per workspace where
    something is unread. The local day it went is kept on the membership, so another run that day
    (a late or repeated one) sends nothing again. A transaction per workspace: the mails leave
    once it commits. ``now`` is the clock (the tests set it). Returns how many mails went."""
    now = now or utcnow()
    tenants = list(db.session.execute(sa.select(Tenant.id, Tenant.name, Tenant.settings)
                                      .where(Tenant.status == "active")))
    db.session.rollback()
    base_url, sent = current_app.config["PUBLIC_URL"], 0
    for tenant_id, name, settings in tenants:
        with tenant_context(tenant_id):
            readers = db.session.scalars(sa.select(Membership).join(User, Membership.user_id == User.id).where(
                Membership.status == "active", User.notification_digest.is_(True),
                User.is_disabled.is_(False))).all()
            for member in readers:
                user = member.user
                timezone = user.timezone or settings.get("timezone", "Asia/Shanghai")
                local = now.astimezone(zoneinfo.ZoneInfo(timezone))
                if local.hour < DIGEST_HOUR or member.digest_sent_on == local.date():
                    continue
                member.digest_sent_on = local.date()  # this morning's, whether anything was unread or not
                found = digest(user.id, name, base_url, user.locale or settings.get("locale", "zh_CN"), timezone)
                if found is not None:
                    mail.send_later(user.email, found.subject, found.text)
                    sent += 1
            db.session.commit()
    return sent


SCHEDULES = (Schedule("notifications.digest", "0 * * * *", send_digests, "low"),)  # each hour: whose morning came
