"""One transaction rule for every request: an answer of 2xx or 3xx commits what the request wrote, any
other answer rolls it back. Shown with a module's API routes and pages that never call commit."""

from __future__ import annotations

import marshmallow as ma
import pytest
import sqlalchemy as sa
from flask import Blueprint, redirect, render_template_string, request

from saas import hookimpl
from saas.api.base import ApiBlueprint
from saas.api.errors import error_response
from saas.api.schema import Schema
from saas.core.customers.models import Tag
from saas.core.db import db
from saas.core.errors import Invalid
from saas.core.hooktypes import ModuleInfo
from saas.core.tenancy import tenant_context
from saas.testing import CSRF_INPUT, workspaces_with
from tests.conftest import make_app

api = ApiBlueprint("jotter", __name__, url_prefix="/api/v1/jotter", description="Tags jotted down")
pages = Blueprint("jotter_pages", __name__, url_prefix="/jotter")


def jot(name: str) -> None:
    db.session.add(Tag(name=name))


@api.route("/tags", methods=["POST"])
def jot_tag():
    """Jot a tag down; answers 201 without committing."""
    jot(request.json["name"])
    return {"jotted": request.json["name"]}, 201


class JottedSchema(Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


@api.route("/rows", methods=["POST"])
@api.response(201, JottedSchema)
def jot_row():
    """Jot a tag down and answer the new row itself, as a view by the book does."""
    tag = Tag(name=request.json["name"])
    db.session.add(tag)
    return tag


@api.route("/refusals", methods=["POST"])
def jot_then_refuse():
    """Jot a tag down, then answer 422."""
    jot(request.json["name"])
    return error_response(422, "invalid", "Changed my mind.")


@api.route("/failures", methods=["POST"])
def jot_then_raise():
    """Jot a tag down, then raise a domain error (422)."""
    jot(request.json["name"])
    raise Invalid("Not that one.", {"name": ["Not that one."]})


@pages.route("/", methods=["GET", "POST"])
def jot_page():
    if request.method == "POST":
        jot(request.form["name"])
        if request.form["name"] == "bad":
            return render_template_string("<p>That name is taken.</p>"), 400
        return redirect("/jotter/", code=303)
    return render_template_string('<form method="post"><input name="csrf_token" value="{{ csrf_token() }}">'
                                  '<input name="name"></form>')


class Jotter:
    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="jotter", title="Jotter")

    @hookimpl
    def saas_blueprints(self):
        return [api, pages]


@pytest.fixture
def jotter(app, database):
    return make_app(database, plugins=[("jotter", Jotter())])


def tags_of(app, workspace) -> list[str]:
    with app.app_context(), tenant_context(workspace.id):
        return sorted(db.session.scalars(sa.select(Tag.name)))


def test_a_module_route_that_answers_201_keeps_what_it_wrote_without_calling_commit(jotter):
    on, _ = workspaces_with(jotter.test_client(), "jotter")
    assert on.post("/api/v1/jotter/tags", json={"name": "kept"}).status_code == 201
    assert tags_of(jotter, on) == ["kept"]


def test_a_module_route_that_answers_a_new_row_answers_it_with_its_generated_id_and_times(jotter):
    on, _ = workspaces_with(jotter.test_client(), "jotter")
    answer = on.post("/api/v1/jotter/rows", json={"name": "fresh"})
    assert answer.status_code == 201 and answer.json["id"] and answer.json["created_at"]
    assert tags_of(jotter, on) == ["fresh"]


@pytest.mark.parametrize("path", ["/api/v1/jotter/refusals", "/api/v1/jotter/failures"])
def test_a_module_route_that_answers_4xx_leaves_nothing_it_wrote(jotter, path):
    on, _ = workspaces_with(jotter.test_client(), "jotter")
    assert on.post(path, json={"name": "dropped"}).status_code == 422
    assert tags_of(jotter, on) == []


def test_a_module_page_keeps_its_writes_on_a_redirect_and_drops_them_on_a_form_error(jotter):
    on, _ = workspaces_with(jotter.test_client(), "jotter")
    browser = on.signed_in()
    token = CSRF_INPUT.search(browser.get("/jotter/").get_data(as_text=True)).group(1)
    assert browser.post("/jotter/", data={"name": "kept", "csrf_token": token}).status_code == 303
    assert browser.post("/jotter/", data={"name": "bad", "csrf_token": token}).status_code == 400
    assert tags_of(jotter, on) == ["kept"]


def test_a_module_post_route_honours_idempotency_key_without_being_told(jotter):
    on, _ = workspaces_with(jotter.test_client(), "jotter")
    headers = {"Idempotency-Key": "jot-1"}
    first = on.post("/api/v1/jotter/tags", json={"name": "once"}, headers=headers)
    again = on.post("/api/v1/jotter/tags", json={"name": "once"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert tags_of(jotter, on) == ["once"]


def test_the_openapi_document_shows_the_idempotency_key_on_a_module_post_route(jotter):
    spec = jotter.test_client().get("/api/v1/openapi.json").json
    parameters = spec["paths"]["/api/v1/jotter/tags"]["post"]["parameters"]
    assert "Idempotency-Key" in [parameter["name"] for parameter in parameters]
