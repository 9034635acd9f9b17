"""``/surveys/new`` and ``/surveys/<id>/edit``: a survey's title and questions of every kind, each
text in English and Chinese, loaded by the API's schemas. The form works without JavaScript: *Add
a question* and each question's *Remove* send the form back to itself, which shows it again with
one more or one less question and saves nothing. Saving the questions of a survey that has answers
writes them as its next version (as the API's PATCH does); saving it with its questions unchanged
changes only the title."""

from __future__ import annotations

import re
from itertools import zip_longest

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from saas.auth import requires_permission
from saas.core.errors import DomainError
from saas.web.customer_forms import FormErrors, flatten
from saas.web.form_text import nul_errors
from saas.web.labels import in_page_language

from plugins.surveys import surveys
from plugins.surveys.api import SurveyPatchSchema, SurveySchema
from plugins.surveys.models import QuestionKind
from plugins.surveys.pages import pages, reading
from plugins.surveys.pages.wording import KINDS, field_errors
from plugins.surveys.texts import shown

MAX_BLOCKS = 50  # questions the form shows at most (the schema's limit)


@pages.route("/new", methods=["GET", "POST"])
@requires_permission("surveys.manage")
def new():
    if request.method == "GET":
        return _form(None, {"title_en": "", "title_zh": "", "anonymous": False, "questions": [_blank("nps")]})
    values = _values(request.form)
    if request.form.get("action") != "save":
        return _form(None, values)
    try:
        made = surveys.create(_loaded(SurveySchema(), values))
    except FormErrors as error:
        return _form(None, values, error.fields, error.status)
    except DomainError as error:
        return _form(None, values, field_errors(error.fields or {"": [error.message]}), error.status)
    flash(_("The survey is saved as a draft."), "success")
    return redirect(url_for("surveys_pages.survey", survey_id=made.id), 303)


@pages.route("/<uuid:survey_id>/edit", methods=["GET", "POST"])
@requires_permission("surveys.manage")
def edit(survey_id):
    found = surveys.get(survey_id, lock=request.method == "POST")
    if request.method == "GET":
        return _form(found, _saved(found))
    values = _values(request.form)
    if request.form.get("action") != "save":
        return _form(found, values)
    try:
        data = _loaded(SurveyPatchSchema(), values)
        if _same_questions(data["questions"], surveys.questions(found)):
            del data["questions"]  # a new title alone makes no new version
        version = found.version
        surveys.update(found, data)
    except FormErrors as error:
        return _form(found, values, error.fields, error.status)
    except DomainError as error:
        return _form(found, values, field_errors(error.fields or {"": [error.message]}), error.status)
    if found.version != version:
        flash(_("The new questions are version %(version)s; the answers given keep theirs.", version=found.version),
              "success")
    else:
        flash(_("The survey is saved."), "success")
    return redirect(url_for("surveys_pages.survey", survey_id=found.id), 303)


def _blank(kind: str = "nps") -> dict:
    return {"kind": kind, "text_en": "", "text_zh": "", "choices_en": "", "choices_zh": "",
            "required": kind != QuestionKind.text.value}


def _values(form) -> dict:
    """The form as typed, its questions renumbered in order: those ticked *Remove* (or the one
    whose button was pressed) left out, a blank one added for *Add a question*."""
    action = form.get("action", "")
    indexes = sorted({int(key.split(".")[1]) for key in form if key.startswith("questions.")
                      and key.split(".")[1].isascii() and key.split(".")[1].isdecimal() and len(key.split(".")[1]) < 4})
    questions = []
    for n in indexes:
        if action == f"remove-{n}":
            continue
        prefix = f"questions.{n}."
        questions.append({"kind": form.get(prefix + "kind", "").strip(),
                          "text_en": form.get(prefix + "text.en", "").strip(),
                          "text_zh": form.get(prefix + "text.zh-CN", "").strip(),
                          "choices_en": form.get(prefix + "choices.en", "").strip(),
                          "choices_zh": form.get(prefix + "choices.zh-CN", "").strip(),
                          "required": form.get(prefix + "required") == "on"})
    if action == "add" and len(questions) < MAX_BLOCKS:
        kind = form.get("new_kind", "nps")
        questions.append(_blank(kind if kind in {k.value for k in QuestionKind} else "nps"))
    return {"title_en": form.get("title.en", "").strip(), "title_zh": form.get("title.zh-CN", "").strip(),
            "anonymous": form.get("anonymous") == "on", "questions": questions}


def _texts(en: str, zh: str) -> dict:
    return {language: text for language, text in (("en", en), ("zh-CN", zh)) if text}


def _choices(en: str, zh: str) -> list[dict]:
    lines = [[line.strip() for line in text.splitlines() if line.strip()] for text in (en, zh)]
    return [_texts(one or "", other or "") for one, other in zip_longest(*lines)]


def _loaded(schema, values: dict) -> dict:
    """``values`` as the API's JSON body, loaded by ``schema``: a text empty in both languages is
    left out (required), one language alone is that language's."""
    if nul_errors(request.form):  # PostgreSQL refuses NUL in text; shown under the text's field
        raise FormErrors({re.sub(r"\.(en|zh-CN)$", "", key): messages for key, messages in nul_errors(request.form).items()})
    body = {"anonymous": values["anonymous"], "questions": []}
    if _texts(values["title_en"], values["title_zh"]):
        body["title"] = _texts(values["title_en"], values["title_zh"])
    elif isinstance(schema, SurveyPatchSchema):
        raise FormErrors({"title": [flatten(["Missing data for required field."])[""][0]]})
    for question in values["questions"]:
        item = {"kind": question["kind"], "required": question["required"],
                "choices": _choices(question["choices_en"], question["choices_zh"])}
        if _texts(question["text_en"], question["text_zh"]):
            item["text"] = _texts(question["text_en"], question["text_zh"])
        body["questions"].append(item)
    try:
        return schema.load(body)
    except Exception as error:  # noqa: BLE001 - marshmallow's ValidationError, worded for the page
        messages = getattr(error, "messages", None)
        if messages is None:
            raise
        raise FormErrors(field_errors(messages)) from None


def _same_questions(given: list[dict], saved) -> bool:
    return [(q["kind"], q["text"], q["choices"], q["required"]) for q in given] == [
        (q.kind, q.text, list(q.choices or []), q.required) for q in saved]


def _saved(found) -> dict:
    return {"title_en": found.title.get("en", ""), "title_zh": found.title.get("zh-CN", ""),
            "anonymous": found.anonymous,
            "questions": [{"kind": q.kind.value, "text_en": q.text.get("en", ""), "text_zh": q.text.get("zh-CN", ""),
                           "choices_en": "\n".join(c.get("en", "") for c in q.choices or []),
                           "choices_zh": "\n".join(c.get("zh-CN", "") for c in q.choices or []),
                           "required": q.required} for q in surveys.questions(found)]}


def _form(found, values: dict, errors: dict | None = None, status: int = 200):
    [kinds] = in_page_language(KINDS)
    return render_template("surveys/pages/form.html", survey=found, values=values, errors=errors or {}, kinds=kinds,
                           answered=found is not None and surveys.has_answers(found),
                           title=shown(found.title, reading.page_language()) if found else None), status
