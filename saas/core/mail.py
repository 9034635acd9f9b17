"""The mail adapter: the one way Retain sends e-mail.

:func:`send` delivers a message at once: by SMTP when ``MAIL_SERVER`` is configured (production,
see :mod:`saas.config`), else, in development (debug) and tests, it writes the message to this
module's log (the embedded default, where a newcomer reads the reset link in the terminal); in
production without ``MAIL_SERVER`` it logs only that a message to whom was not sent, since a body's
link (a password reset, an invitation) is a secret. Requests never wait for a mail server:
they call :func:`send_later`, which hands the message to a job once the transaction commits, so a
rolled-back request sends nothing and a slow or failing server delays (rq retries) but never fails
the page.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

from saas.core.queues import enqueue_after_commit, job

log = logging.getLogger(__name__)

DEFAULT_FROM = "Retain <no-reply@localhost>"


def message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = current_app.config.get("MAIL_FROM") or DEFAULT_FROM
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain=mail["From"].addresses[0].domain or "localhost")
    mail.set_content(text)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    return mail


def send(to: str, subject: str, text: str, html: str | None = None) -> None:
    """Deliver one message now: by SMTP, or to the log without ``MAIL_SERVER``."""
    mail = message(to, subject, text, html)
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        if current_app.debug or current_app.testing:  # readable, links unbroken, rather than the encoded MIME
            log.info("mail not sent (no MAIL_SERVER)\nFrom: %s\nTo: %s\nSubject: %s\n\n%s%s", mail["From"], to,
                     subject, text, "\n[and an HTML version]" if html is not None else "")
        else:  # in production a body's links (a password reset) are secrets: never in the log
            log.warning("mail to %s not sent: MAIL_SERVER is not set (subject: %s)", to, subject)
        return
    timeout = config.get("MAIL_TIMEOUT_SECONDS", 10)
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config.get("MAIL_PORT") or 465, timeout=timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT") or 25, timeout=timeout)
    with smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(mail)
    log.info("mail to %s sent: %s", to, subject)


@job
def deliver(to: str, subject: str, text: str, html: str | None = None) -> None:
    send(to, subject, text, html)


def send_later(to: str, subject: str, text: str, html: str | None = None) -> None:
    """Send once the current transaction commits, from a job (nothing if it rolls back)."""
    enqueue_after_commit(deliver, to, subject, text, html)
