"""``N_``: marks an English message for translation without translating it.

The core, the API schemas and the modules word their messages in English, which the API answers
as they are; a page shows them in its own language (``saas.web.core_messages``), looking each one
up in the catalogues. ``N_`` is what puts such a message into a catalogue: ``pybabel extract``
finds it (``N_`` is one of Babel's default keywords) while the code keeps the plain ``str``.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802  Babel's name for the marker
    return message
