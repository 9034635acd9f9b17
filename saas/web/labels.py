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


def in_page_language(labels: dict) -> dict:
    """``labels``, a module's constant table of lazy texts, as plain texts in the page's language.

    Translated once per catalogue and kept: a lazy text looks its catalogue up through the request
    context each time it is shown, and a page shows dozens of them (tiers, stages, columns, sorts).
    """
    translations = get_translations()
    kept = _TRANSLATED_TABLES.setdefault(translations, {})
    found = kept.get(id(labels))
    if found is None or found[0] is not labels:  # the table itself is kept, so its id stays its own
        found = kept[id(labels)] = (labels, {key: str(label) for key, label in labels.items()})
    return found[1]
