"""A survey's shareable link: one link for everyone (a newsletter, a receipt, a QR code by the till)
instead of one per recipient, opened and withdrawn on the survey (``shareable``).

Whoever has it may answer, as often as the rate limit lets them, so an answer through it cannot be
told to come from any customer: it is recorded as an anonymous survey's answer is (no customer,
invitation, owner or tier, only its day, a random id). Asking for an e-mail address to match a
customer was left out on purpose: anyone could type a customer's address and speak for them (a low
score in their file, a case opened for them). Its answers count in the survey's results (not in the
response rate, which is of links sent) and raise ``surveys.low_score`` with no customer.

The token is itsdangerous-signed ``[workspace id, survey id]`` with its own salt, for the reasons
``links.py`` gives; withdrawing the link (``shareable`` false) makes it a 404, and a closed survey's
a 410, until it is opened again.
"""

from __future__ import annotations

import uuid

from flask import current_app

from plugins.surveys import answering, links
from plugins.surveys.models import Survey

SHARE = "retain.surveys.share"


def token(survey: Survey) -> str:
    return links.issue(survey.tenant_id, survey.id, SHARE)


def share_url(survey: Survey) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/s/share/{token(survey)}"


def read(given: str) -> tuple[uuid.UUID, uuid.UUID] | None:
    """The workspace and survey a good token names; None for any other string."""
    return links.read(given, SHARE)


def finish(survey: Survey, questions, given: dict, language: str):
    """Record an answer through the shareable link: anonymous, whatever the survey."""
    return answering.record(survey, answering.anonymous_response(survey, survey.version, language), questions, given)
