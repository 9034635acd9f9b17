"""Texts in several languages (``{"en": ..., "zh-CN": ...}``): checking them, and choosing one."""

from __future__ import annotations

import marshmallow as ma

LANGUAGES = ("en", "zh-CN")
MAX_LENGTH = 500


class Text(ma.fields.Field):
    """A text in each language: ``{"en": ..., "zh-CN": ...}`` (at least one), or a plain string
    (taken as English). Loads as the dict."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault(
            "description", "A string, or {\"en\": ..., \"zh-CN\": ...} with at least one of them")
        super().__init__(**kwargs)

    def _jsonschema_type_mapping(self):  # apispec: a string or an object of strings
        return {"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {"en": value}
        if not isinstance(value, dict) or not value:
            raise ma.ValidationError("A string, or an object of texts by language (en, zh-CN).")
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ma.ValidationError(f"Unknown languages: {', '.join(unknown)}; use en or zh-CN.")
        for language, text in value.items():
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_LENGTH:
                raise ma.ValidationError(f"{language}: a text of 1 to {MAX_LENGTH} characters.")
        return {language: value[language].strip() for language in LANGUAGES if language in value}

    def _serialize(self, value, attr, obj, **kwargs):
        return value


def language_of(locale: str | None) -> str:
    """The survey language for a Babel locale (``zh_CN``, ``zh_Hans_CN``, ``en``)."""
    return "zh-CN" if (locale or "").lower().startswith("zh") else "en"


def babel_locale(language: str) -> str:
    return "zh_CN" if language == "zh-CN" else "en"


def shown(texts: dict, language: str) -> str:
    """``texts`` in ``language``, else in the other one."""
    return texts.get(language) or next(iter(texts.values()), "")
