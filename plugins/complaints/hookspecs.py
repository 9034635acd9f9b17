"""The hook this module declares for other plugins (the plugin host adds it: ``plugin.hookspecs``).

A plugin that takes complaints through a channel of its own (a WeChat account, a shop's returns
desk) emits an event of its own when one comes in, with ``customer_id``, ``description`` and,
optionally, ``category`` and ``priority`` in its data, and implements ``complaints_intake_events``
with ``@hookimpl(optionalhook=True)`` to name it: this module opens a case for each such event,
once per event id. Neither module imports the other. Called for the modules a workspace has
enabled: the channel plugin's module must be on too.
"""

from __future__ import annotations

from saas.core.hookspecs import hookspec


@hookspec
def complaints_intake_events():
    """Return ``{event type: channel}`` (a dict): the plugin's events that are complaints, and the
    channel each case records (at most 20 characters: ``"wechat"``)."""
