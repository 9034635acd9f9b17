"""The hook this module declares for other plugins (the plugin host adds it: ``plugin.hookspecs``).

A plugin that delivers survey links through another channel (SMS, WeChat) implements
``surveys_channels`` with ``@hookimpl(optionalhook=True)``: plugins load in no fixed order, and
the mark lets it load before this module (or without it). It is called for the modules a
workspace has enabled: the channel plugin's module must be on too.
"""

from __future__ import annotations

from saas.core.hookspecs import hookspec


@hookspec
def surveys_channels():
    """Return the channels this plugin delivers survey links through (a list of
    :class:`plugins.surveys.channels.Channel`)."""
