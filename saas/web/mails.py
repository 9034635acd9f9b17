"""The e-mails the pages send, written in the recipient's language and handed to the mail adapter
(:mod:`saas.core.mail`), which sends them from a job once the request commits."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from saas.core import mail


def send(to: str, locale: str, subject, template: str, **context) -> None:
    """Render ``mail/<template>.txt`` and the (lazy) ``subject`` in ``locale``, then send them."""
    with force_locale(locale):
        text = render_template(f"mail/{template}.txt", **context)
        mail.send_later(to, str(subject), text)
