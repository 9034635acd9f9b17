"""The helpers plugin authors test with (saas.testing): the Workspace client's methods and
``redeliver``, which hands a module's handler an event it has seen, bypassing the core's record."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from saas import hookimpl
from saas.core.customers import Tag
from saas.core.db import db
from saas.core.event_types import CUSTOMER_CREATED
from saas.core.hooktypes import ModuleInfo
from saas.core.tenancy import tenant_context
from saas.testing import redeliver, sign_up
from tests.conftest import make_app


class Tagger:
    """Tags the workspace once per customer created (idempotent: it looks before it adds)."""

    def __init__(self):
        self.seen = []

    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="tagger", title="Tagger")

    @hookimpl
    def saas_handle_event(self, tenant, event):
        if event.type != CUSTOMER_CREATED.name:
            return
        self.seen.append(event.id)
        name = f"new-{event.data['customer_id'][-8:]}"
        if db.session.scalar(sa.select(Tag.id).where(Tag.name == name)) is None:
            db.session.add(Tag(name=name))


@pytest.fixture
def tagger():
    return Tagger()


@pytest.fixture
def plugin_app(app, database, tagger):
    return make_app(database, plugins=[("tagger", tagger)])


def tags_of(app, workspace) -> list[str]:
    with app.app_context(), tenant_context(workspace.id):
        names = sorted(db.session.scalars(sa.select(Tag.name)))
        db.session.rollback()
    return names


def test_redeliver_runs_the_handler_again_with_the_same_event(plugin_app, tagger):
    on = sign_up(plugin_app.test_client())
    on.enable("tagger")
    customer = on.customer(email="li@example.com")
    assert len(tagger.seen) == 1  # delivered once, in-process, after the request
    handed = redeliver(on, "tagger", CUSTOMER_CREATED)
    assert handed.data["customer_id"] == customer["id"] and tagger.seen == [handed.id, handed.id]
    assert tags_of(plugin_app, on) == [f"new-{customer['id'][-8:]}"]
    again = redeliver(on, "tagger", handed.id)  # by id, or by the type's name, as well
    assert redeliver(on, "tagger", "customer.created").id == handed.id
    assert again.id == handed.id and len(tagger.seen) == 4


def test_redeliver_names_what_it_cannot_find(plugin_app):
    on = sign_up(plugin_app.test_client())
    on.enable("tagger")
    with pytest.raises(LookupError, match="no 'customer.merged' event"):
        redeliver(on, "tagger", "customer.merged")
    with pytest.raises(LookupError, match="no module named 'nope'"):
        redeliver(on, "nope", "module.enabled")


def test_a_workspace_switches_a_module_on_and_off_and_makes_customers(plugin_app):
    on = sign_up(plugin_app.test_client())
    assert on.enable("tagger")["enabled"] is True
    assert on.customer(name="Wang Fang")["name"] == "Wang Fang"
    assert on.disable("tagger")["enabled"] is False
    assert [m["enabled"] for m in on.get("/api/v1/modules").get_json()["items"] if m["name"] == "tagger"] == [False]
