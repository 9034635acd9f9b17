"""The glossary's words for the value tiers and lifecycle stages, by code, in the page's language:
one table for every page and module that names them; and :func:`in_page_language`, which gives a
page any such table translated."""

from __future__ import annotations

import weakref

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l

from saas.core.classification import Stage, Tier

TIER_LABELS = {Tier.core.value: _l("Core"), Tier.important.value: _l("Important"), Tier.basic.value: _l("Basic"),
               Tier.general.value: _l("General"), Tier.potential.value: _l("Potential")}
STAGE_LABELS = {Stage.potential.value: _l("Prospect"), Stage.new.value: _l("New"), Stage.active.value: _l("Active"),
                Stage.dormant.value: _l("Dormant"), Stage.churned.value: _l("Churned")}


# Per catalogue (a language, with the app's modules): the label tables already translated into it.
_TRANSLATED_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def in_page_language(*tables: dict) -> list[dict]:
    """Each of ``tables`` (a module's constant table of lazy texts) as plain texts in the page's
    language, in order.

    Translated once per catalogue and kept: a lazy text looks its catalogue up through the request
    context each time it is shown, and a page shows dozens of them (tiers, stages, columns, sorts).
    """
    kept = _TRANSLATED_TABLES.setdefault(get_translations(), {})
    return [_translated(kept, table) for table in tables]


def _translated(kept: dict, table: dict) -> dict:
    found = kept.get(id(table))
    if found is None or found[0] is not table:  # the table itself is kept, so its id stays its own
        found = kept[id(table)] = (table, {key: str(label) for key, label in table.items()})
    return found[1]
