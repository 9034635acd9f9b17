"""The daily e-mail digest of a person's unread notifications in one workspace: its content.

Only the content is built here. Sending it (a daily schedule over the people who chose it,
``users.notification_digest``) waits for the core's mail adapter, ``saas.core.mail``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale, format_datetime, gettext as _

from saas.core import notifications
from saas.core.db import db
from saas.core.notifications import Notification

DIGEST_LIMIT = 20  # the newest unread ones; the mail says how many more wait on the page


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    unread: int


def digest(user_id: uuid.UUID, workspace: str, base_url: str, locale: str) -> Digest | None:
    """``user_id``'s unread notifications in the bound workspace (named ``workspace``) as an e-mail
    in ``locale``, links made absolute with ``base_url``; None when nothing is unread. Two queries."""
    unread = notifications.unread_count(user_id)
    if not unread:
        return None
    newest = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(DIGEST_LIMIT)).all()
    root = base_url.rstrip("/")
    with force_locale(locale):
        subject = _("%(count)s unread notifications in %(workspace)s", count=unread, workspace=workspace)
        lines = [subject, ""]
        for note in newest:
            lines.append(f"- {note.title} ({format_datetime(note.created_at, 'short')})")
            if note.body:
                lines.append(f"  {note.body}")
            if note.link:
                lines.append(f"  {root}{note.link}")
        if unread > len(newest):
            lines += ["", _("and %(more)s more.", more=unread - len(newest))]
        lines += ["", _("Read them all: %(url)s", url=f"{root}/notifications"),
                  _("You receive this e-mail because you asked for a daily digest; switch it off on the "
                    "notifications page.")]
    return Digest(subject, "\n".join(lines), unread)
