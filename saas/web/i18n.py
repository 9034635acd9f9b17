"""The language and time zone a page speaks, and the switch between languages.

A page is in the language the person chose (their profile, or for someone not signed in, their
choice in this browser), else their workspace's locale, else the best match of the browser's
Accept-Language. Times are shown in the person's time zone, else the workspace's. Flask-Babel
then formats dates, numbers and money for that locale.

The API speaks English whatever the workspace's locale (its clients are programs), and so does
work outside a request (jobs render mail under ``force_locale``). Each installed module's own
catalogue (``ModuleInfo.translations``) is merged with the core's, so its texts are translated
like the core's.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, has_request_context, redirect, request, session
from babel import Locale
from flask_babel import Babel, get_locale, get_translations
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.exceptions import BadRequest
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf

from saas.auth import session_principal
from saas.web.blueprint import bp, local_target

LANGUAGES = {"en": "English", "zh_CN": "简体中文"}  # the catalogues under translations/, and their own names
TRANSLATIONS = Path(__file__).parent / "translations"
DEFAULT_TIMEZONE = "UTC"
_CODE_OF = {str(Locale.parse(code)): code for code in LANGUAGES}  # Babel says zh_Hans_CN for zh_CN

def _workspace_settings() -> dict:
    principal = g.get("principal") or (session_principal() if current_user.is_authenticated else None)
    return principal.tenant.settings if principal is not None else {}


def select_locale() -> str:
    if not has_request_context() or request.path.startswith("/api/"):
        return "en"
    chosen = getattr(current_user, "locale", None) if current_user.is_authenticated else session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    workspace = _workspace_settings().get("locale")
    if workspace in LANGUAGES:
        return workspace
    return request.accept_languages.best_match(LANGUAGES, default="en")


def select_timezone() -> str:
    chosen = getattr(current_user, "timezone", None) if current_user.is_authenticated else None
    return chosen or _workspace_settings().get("timezone") or DEFAULT_TIMEZONE


def current_language() -> str:
    """The code (a key of :data:`LANGUAGES`) of the language this page speaks."""
    return _CODE_OF[str(get_locale())]


def html_lang() -> str:
    """The page's ``lang`` attribute (BCP 47: ``zh-CN``)."""
    return current_language().replace("_", "-")


class LanguageForm(FlaskForm):
    locale = SelectField(choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
                         validators=[AnyOf(list(LANGUAGES))])
    next = HiddenField()


@bp.app_context_processor
def language_switch() -> dict:
    """The header's language switch (plain markup: a form object per page would cost more than the
    rest of the header; :class:`LanguageForm` checks what it posts)."""
    return {"languages": LANGUAGES, "page_language": current_language(), "language_next": request.full_path.rstrip("?"),
            "html_lang": html_lang()}


@bp.app_context_processor
def page_catalogue() -> dict:
    """The templates' ``_``/``gettext`` and ``ngettext``, bound to the page's catalogue once per
    render: Flask-Babel's own look the catalogue up through the request context at every call, and
    a page makes some fifty. They behave as Jinja's new-style gettext: the text is a format string
    whose values are escaped where the template autoescapes."""
    translations = get_translations()

    @pass_context
    def gettext(context, string: str, **variables) -> str:
        text = translations.ugettext(string)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    @pass_context
    def ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
        variables.setdefault("num", num)
        text = translations.ungettext(singular, plural, num)
        return (Markup(text) if context.eval_ctx.autoescape else text) % variables

    return {"gettext": gettext, "ngettext": ngettext}


@bp.route("/language", methods=["POST"])
def switch_language():
    """Keep the chosen language: in the profile of someone signed in, else in this browser's session."""
    form = LanguageForm()
    if not form.validate():
        raise BadRequest(_("Choose one of the languages: %(codes)s.", codes=", ".join(LANGUAGES)))
    if current_user.is_authenticated:
        current_user.locale = form.locale.data
    else:
        session["locale"] = form.locale.data
    return redirect(local_target(form.next.data) or "/", 303)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    # A Babel of its own per application: Flask-Babel caches the translations it loaded in its
    # instance, and applications with other modules (tests build many) read other catalogues.
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them: whitespace folded


def add_module_catalogues(app: Flask, directories: list[str]) -> None:
    """Merge the modules' catalogues (``ModuleInfo.translations``) with the core's. Flask-Babel
    merges the directories in order, a later one's translation winning, so the core's comes last:
    a module cannot change how the core's pages word a text they share."""
    known = app.extensions["babel"].translation_directories
    known[:0] = [directory for directory in directories if directory not in known]
