"""``/customers/tags``: the workspace's tags with how many customers carry each (one statement for
the page), each linking to the customer list filtered by it; created, renamed, recoloured and
deleted as ``/api/v1/tags`` does it (its schemas, ``saas.core.customers.tags``). Every member sees
them; changing them needs the ``write`` scope, as in the API."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from saas.api.tags import TagSchema, TagUpdateSchema
from saas.core.accounts import Scope
from saas.core.customers import Tag
from saas.core.customers import tags as service
from saas.core.db import db
from saas.core.errors import Conflict, Invalid
from saas.core.pagination import paginate
from saas.web.blueprint import bp
from saas.web.form_text import nul_errors
from saas.web.pages import member_page
from saas.web.schema_form import flat_errors

PER_PAGE = 100
MESSAGES = {  # what the schema and the core may answer on these forms, in the page's language
    "Missing data for required field.": _l("Required."),
    "A tag needs a name.": _l("A tag needs a name."),
    "Length must be between 1 and 50.": _l("Use 1 to %(count)d characters.", count=50),
    "A colour such as #1f77b4.": _l("A colour such as #1f77b4."),
    "Already exists.": _l("Already exists."),
}
BLANK = {"name": "", "color": ""}


def _errors(messages: dict) -> dict[str, list[str]]:
    return {path: [str(MESSAGES.get(m, m)) for m in found] for path, found in flat_errors(messages).items()}


def _posted() -> dict:
    return {"name": request.form.get("name", ""), "color": request.form.get("color", "").strip() or None}


def _saved(load, values: dict):
    """``(tag, errors)``: ``load(values)`` as the API view does it, or the form's field errors."""
    if nul_errors(request.form):
        return None, nul_errors(request.form)
    try:
        return load(values), {}
    except ValidationError as error:
        return None, _errors(error.messages)
    except (Invalid, Conflict) as error:
        return None, _errors(error.fields)


def _list(values: dict, errors: dict, status: int = 200):
    page = paginate(sa.select(Tag), db.session, [Tag.name, Tag.id], descending=False,
                    cursor=request.args.get("cursor"), limit=PER_PAGE)
    counts = service.usage([tag.id for tag in page.items])
    rows = [(tag, counts.get(tag.id, 0)) for tag in page.items]
    return render_template("customers/tags.html", rows=rows, next_cursor=page.next_cursor,
                           values=values, errors=errors), status


@bp.route("/customers/tags")
@member_page
def tags():
    return _list(BLANK, {})


@bp.route("/customers/tags", methods=["POST"])
@member_page(needs=Scope.write)
def new_tag():
    values = _posted()
    tag, errors = _saved(lambda v: service.create(**TagSchema().load(v)), values)
    if errors:
        return _list({**values, "color": values["color"] or ""}, errors, status=422)
    flash(_("The tag %(name)s is created.", name=tag.name), "success")
    return redirect(url_for("web.tags"), 303)


@bp.route("/customers/tags/<uuid:tag_id>", methods=["GET", "POST"])
@member_page(needs=Scope.write)
def edit_tag(tag_id: uuid.UUID):
    tag = service.get(tag_id)
    if request.method == "GET":
        return _edit_page(tag, {"name": tag.name, "color": tag.color or ""}, {})
    values = _posted()
    saved, errors = _saved(lambda v: service.update(tag, TagUpdateSchema().load(v)), values)
    if errors:
        return _edit_page(tag, {**values, "color": values["color"] or ""}, errors, status=422)
    flash(_("The tag %(name)s is saved.", name=saved.name), "success")
    return redirect(url_for("web.tags"), 303)


def _edit_page(tag: Tag, values: dict, errors: dict, status: int = 200):
    return render_template("customers/tag.html", tag=tag, values=values, errors=errors), status


@bp.route("/customers/tags/<uuid:tag_id>/delete", methods=["POST"])
@member_page(needs=Scope.write)
def delete_tag(tag_id: uuid.UUID):
    tag = service.get(tag_id)
    db.session.delete(tag)
    flash(_("The tag %(name)s is deleted and taken off every customer.", name=tag.name), "success")
    return redirect(url_for("web.tags"), 303)
