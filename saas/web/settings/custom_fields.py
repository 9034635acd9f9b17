"""``/settings/custom-fields``: the fields the workspace adds to its customer records, defined,
changed and removed as ``/api/v1/custom-fields`` does it (the API's schemas, the core's
``custom_fields.define`` and ``update``), so the customer form then shows and checks them."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from saas.api.custom_fields import CustomFieldSchema, CustomFieldUpdateSchema
from saas.core.accounts import Scope
from saas.core.customers import CustomFieldDefinition, FieldType
from saas.core.customers import custom_fields as service
from saas.core.db import db
from saas.core.errors import Conflict, Invalid
from saas.core.pagination import paginate
from saas.core.tenancy import get_owned
from saas.web.blueprint import bp
from saas.web.form_text import nul_errors
from saas.web.pages import member_page
from saas.web.schema_form import flat_errors

PER_PAGE = 100
TYPE_LABELS = {FieldType.text: _l("Text"), FieldType.number: _l("Number"), FieldType.date: _l("Date"),
               FieldType.boolean: _l("Yes or no"), FieldType.choice: _l("Choice")}
MESSAGES = {  # what the schema and the core may answer on these forms, in the page's language
    "Missing data for required field.": _l("Required."),
    "Length must be between 1 and 50.": _l("Use 1 to %(count)d characters.", count=50),
    "Length must be between 1 and 100.": _l("Use 1 to %(count)d characters.", count=100),
    "Must be one of: text, number, date, boolean, choice.": _l("Choose a type."),
    "Use lower-case letters, digits and _; start with a letter.":
        _l("Use lower-case letters, digits and _; start with a letter."),
    "A choice field needs at least one choice.": _l("A choice field needs at least one choice."),
    "Already defined.": _l("Already defined."),
    "Longer than maximum length 100.": _l("At most %(count)d choices.", count=100),
}
BLANK = {"key": "", "label": "", "type": "text", "choices": [], "required": False}


def _errors(messages: dict) -> dict[str, list[str]]:
    """Field errors keyed by the form's inputs (a choice's error goes to the choices' text area)."""
    flat: dict[str, list[str]] = {}
    for path, found in flat_errors(messages).items():
        flat.setdefault(path.split(".")[0], []).extend(str(MESSAGES.get(m, m)) for m in found)
    return flat


def _posted(*names: str) -> dict:
    """The form's ``names`` as the API's body; an empty key or label is left out, so a new field's is
    "Required." (a change sends its label always: left out, it would change nothing)."""
    form = request.form
    values = {"key": form.get("key", "").strip(), "label": form.get("label", "").strip(),
              "type": form.get("type", ""),
              "choices": [line.strip() for line in form.get("choices", "").splitlines() if line.strip()],
              "required": "required" in form}
    return {name: values[name] for name in names if values[name] != "" or name not in ("key", "label")}


def _list(values: dict, errors: dict, status: int = 200):
    page = paginate(sa.select(CustomFieldDefinition), db.session, [CustomFieldDefinition.key, CustomFieldDefinition.id],
                    descending=False, cursor=request.args.get("cursor"), limit=PER_PAGE)
    return render_template("settings/custom_fields.html", fields=page.items, next_cursor=page.next_cursor,
                           values=values, errors=errors, types=TYPE_LABELS), status


@bp.route("/settings/custom-fields", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def settings_custom_fields():
    if request.method == "GET":
        return _list(BLANK, {})
    values = _posted("key", "label", "type", "choices", "required")
    if nul_errors(request.form):
        return _list(values, nul_errors(request.form), status=422)
    try:
        field = service.define(**CustomFieldSchema().load(values))
    except ValidationError as error:
        return _list(values, _errors(error.messages), status=422)
    except (Invalid, Conflict) as error:
        return _list(values, _errors(error.fields), status=422)
    flash(_("The field %(label)s is defined: the customer form shows it now.", label=field.label), "success")
    return redirect(url_for("web.settings_custom_fields"), 303)


def _field(field_id: uuid.UUID) -> CustomFieldDefinition:
    return get_owned(CustomFieldDefinition, field_id, "custom field not found")


def _edit_page(field: CustomFieldDefinition, values: dict, errors: dict, status: int = 200):
    return render_template("settings/custom_field.html", definition=field, values=values, errors=errors,
                           types=TYPE_LABELS), status


@bp.route("/settings/custom-fields/<uuid:field_id>", methods=["GET", "POST"])
@member_page(needs=Scope.admin)
def settings_custom_field(field_id: uuid.UUID):
    field = _field(field_id)
    if request.method == "GET":
        return _edit_page(field, {"label": field.label, "choices": field.choices, "required": field.required}, {})
    values = {**_posted("choices", "required"), "label": request.form.get("label", "").strip()}  # emptied: refused
    if nul_errors(request.form):
        return _edit_page(field, values, nul_errors(request.form), status=422)
    try:
        service.update(field, CustomFieldUpdateSchema().load(values))
    except ValidationError as error:
        return _edit_page(field, values, _errors(error.messages), status=422)
    except Invalid as error:
        return _edit_page(field, values, _errors(error.fields), status=422)
    flash(_("The field %(label)s is saved.", label=field.label), "success")
    return redirect(url_for("web.settings_custom_fields"), 303)


@bp.route("/settings/custom-fields/<uuid:field_id>/delete", methods=["POST"])
@member_page(needs=Scope.admin)
def delete_custom_field(field_id: uuid.UUID):
    field = _field(field_id)
    db.session.delete(field)
    flash(_("The field %(label)s is removed; values already stored stay in the records.", label=field.label),
          "success")
    return redirect(url_for("web.settings_custom_fields"), 303)
