"""Channels a survey link is delivered through: e-mail (the core's mail adapter) and those other
plugins add with the ``surveys_channels`` hook (:mod:`plugins.surveys.hookspecs`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable

from saas.core.plugins import installed

EMAIL = "email"
LINKS = "link"  # no delivery: the caller was given the links (``"links": true``)


@dataclass(frozen=True)
class Recipient:
    """What a channel needs to deliver one link (plain values: it runs in a job)."""

    tenant_id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    social: dict
    language: str  # "en" or "zh-CN"
    title: str  # the survey's title in that language
    url: str  # the answer link
    unsubscribe_url: str


@dataclass(frozen=True)
class Channel:
    """A way to deliver links: ``name`` as the send request names it (``"sms"``); ``reaches(customer)``
    whether a customer can be reached by it (a phone number); ``deliver(recipient)`` sends one link,
    raising to be retried."""

    name: str
    label: str
    reaches: Callable[[object], bool]
    deliver: Callable[[Recipient], None]


def of_plugins(tenant) -> dict[str, Channel]:
    """The channels the modules ``tenant`` enabled add, by name (a result that is not a list of
    ``Channel`` is left out)."""
    found = {}
    for _, channels in installed().module_hook(tenant, "surveys_channels"):
        for channel in channels or []:
            if isinstance(channel, Channel) and channel.name not in (EMAIL, LINKS):
                found.setdefault(channel.name, channel)
    return found
