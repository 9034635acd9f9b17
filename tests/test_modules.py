"""Installed modules, switched on and off per tenant, and tenant hooks that reach only enabled ones."""

from __future__ import annotations

import uuid

import click
import marshmallow as ma
import pytest
import sqlalchemy as sa
from flask import Blueprint, jsonify

from saas import hookimpl
from saas.api.base import ApiBlueprint
from saas.auth import bind_visitor, may, public, requires_permission
from saas.core.hooktypes import ExportField, ModuleInfo, NavItem, Panel, Permission, ReportCard
from tests.conftest import make_app


class StampSettings(ma.Schema):
    stamps_per_visit = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=10))
    card_size = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=2, max=50))


stamps_api = ApiBlueprint("stamps", __name__, url_prefix="/api/v1/stamps", description="Stamp cards")


@stamps_api.route("/ping", methods=["GET"])
def stamps_ping():
    """Answers when the stamps module is on."""
    return jsonify({"pong": True})


@stamps_api.route("/grants", methods=["POST"])
@requires_permission("stamps.grant")
def grant_stamp():
    """Grant a stamp by hand (owners, admins and managers)."""
    return jsonify({"granted": 1, "by_admin": may("stamps.grant")})


class Stamps:
    """A small module with settings, a route, panels, navigation, report cards and a validator."""

    def __init__(self):
        self.calls = []
        self.refusing = False  # the enable and disable hooks raise

    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="stamps", title="Stamp cards", description="A stamp per visit", version="1.2",
                          core=">=0.1", settings=StampSettings)

    @hookimpl
    def saas_blueprints(self):
        return [stamps_api, stamps_pages]

    @hookimpl
    def saas_permissions(self):
        return [Permission("stamps.grant", "Grant stamps by hand", ("owner", "admin", "manager"))]

    @hookimpl
    def saas_cli_commands(self):
        return [stamp_count]

    @hookimpl
    def saas_module_enabled(self, tenant, settings):
        if self.refusing:
            raise RuntimeError("no stamp printer")
        self.calls.append(("enabled", tenant.id, settings))

    @hookimpl
    def saas_module_disabled(self, tenant):
        if self.refusing:
            raise RuntimeError("no stamp printer")
        self.calls.append(("disabled", tenant.id))

    @hookimpl
    def saas_customer_panels(self, tenant, customer):
        return [Panel("stamps", "Stamps", (("Stamps", "3 of 10"),))]

    @hookimpl
    def saas_navigation(self, tenant, role):
        return [NavItem("stamps", "Stamp cards", "/stamps", order=20)]

    @hookimpl
    def saas_report_cards(self, tenant):
        return [ReportCard("stamps.given", "Stamps given", 42, previous=40)]

    @hookimpl
    def saas_validate_customer(self, tenant, customer, changes):
        return {"email": ["Stamp cards need an e-mail address."]} if customer.email is None else {}


stamps_pages = Blueprint("stamps_pages", __name__, url_prefix="/stamps")
stamps_cards = Blueprint("cards", __name__, url_prefix="/cards")  # nested: its name is stamps_pages.cards


@stamps_cards.route("/count")
def stamps_card_count():
    return jsonify({"cards": 3})


stamps_pages.register_blueprint(stamps_cards)


@click.command("stamp-count")
def stamp_count():
    """Print how many stamps there are."""
    click.echo("stamps: 0")


MERGES = []
OPEN_VOUCHERS = set()  # customer ids whose vouchers cannot be moved: merging them fails


class Vouchers:
    """Requires stamps; its panel hook raises, to show that the others still run."""

    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="vouchers", title="Vouchers", requires=("stamps",))

    @hookimpl
    def saas_customer_panels(self, tenant, customer):
        raise RuntimeError("voucher service down")

    @hookimpl
    def saas_report_cards(self, tenant):
        return {"vouchers": 3}  # not a list of ReportCard: the core cannot show it

    @hookimpl
    def saas_navigation(self, tenant, role):
        return [("vouchers", "Vouchers", "/vouchers")]  # tuples, not NavItems

    @hookimpl
    def saas_export_fields(self, tenant):
        return [ExportField("vouchers", "Vouchers", lambda ids: {ids[0]: 2} if ids else {})]

    @hookimpl
    def saas_merge_customers(self, tenant, survivor_id, merged_id):
        if str(merged_id) in OPEN_VOUCHERS:
            raise ValueError("a voucher of that customer is being redeemed")
        MERGES.append((tenant.id, str(survivor_id), str(merged_id)))


@pytest.fixture
def stamps():
    return Stamps()


@pytest.fixture
def plugin_app(app, database, stamps):
    plugin_app = make_app(database, plugins=[("stamps", stamps), ("vouchers", Vouchers())])
    yield plugin_app


@pytest.fixture
def client(plugin_app):
    return plugin_app.test_client()


def enable(tenant, name, **body):
    return tenant.client.open(f"/api/v1/modules/{name}", method="PUT", headers=tenant.headers,
                              json={"enabled": True, **body})


def test_saas_module_and_saas_permissions_describe_the_listed_modules(tenant_a):
    response = tenant_a.get("/api/v1/modules")
    assert response.status_code == 200
    listed = {item["name"]: item for item in response.json["items"]}
    assert set(listed) == {"stamps", "vouchers"}
    assert listed["stamps"]["enabled"] is False
    assert listed["stamps"]["settings"] == {"stamps_per_visit": 1, "card_size": 10}
    assert listed["stamps"]["title"] == "Stamp cards" and listed["stamps"]["version"] == "1.2"
    assert listed["stamps"]["permissions"] == [
        {"name": "stamps.grant", "description": "Grant stamps by hand", "roles": ["owner", "admin", "manager"]}]
    assert listed["vouchers"]["requires"] == ["stamps"]


def test_saas_module_enabled_is_called_when_one_tenant_enables_it(tenant_a, tenant_b, stamps):
    response = enable(tenant_a, "stamps", settings={"card_size": 12})
    assert response.status_code == 200, response.json
    assert response.json["enabled"] is True
    assert response.json["settings"] == {"stamps_per_visit": 1, "card_size": 12}
    assert stamps.calls == [("enabled", tenant_a.id, {"stamps_per_visit": 1, "card_size": 12})]
    assert tenant_a.get("/api/v1/modules/stamps").json["enabled"] is True
    assert tenant_b.get("/api/v1/modules/stamps").json["enabled"] is False


def test_saas_blueprints_answer_404_where_the_module_is_off_and_saas_module_disabled_keeps_settings(tenant_a, tenant_b, stamps):
    assert tenant_a.get("/api/v1/stamps/ping").status_code == 404
    enable(tenant_a, "stamps", settings={"card_size": 20})
    assert tenant_a.get("/api/v1/stamps/ping").json == {"pong": True}
    assert tenant_b.get("/api/v1/stamps/ping").status_code == 404
    off = tenant_a.open("PUT", "/api/v1/modules/stamps", json={"enabled": False})
    assert off.status_code == 200 and off.json["enabled"] is False
    assert tenant_a.get("/api/v1/stamps/ping").status_code == 404
    assert stamps.calls[-1] == ("disabled", tenant_a.id)
    again = enable(tenant_a, "stamps")
    assert again.json["settings"]["card_size"] == 20


def test_a_blueprint_nested_in_a_module_s_blueprint_is_404_where_the_module_is_off(tenant_a, tenant_b):
    enable(tenant_a, "stamps")
    assert tenant_a.signed_in().get("/stamps/cards/count").json == {"cards": 3}
    assert tenant_b.signed_in().get("/stamps/cards/count").status_code == 404


def test_saas_permissions_decide_who_may_use_a_module_s_view(tenant_a):
    enable(tenant_a, "stamps")
    assert tenant_a.post("/api/v1/stamps/grants").json == {"granted": 1, "by_admin": True}
    agent_key = tenant_a.post("/api/v1/api-keys", json={"name": "till", "scopes": ["read", "write"]}).json["key"]
    refused = tenant_a.client.post("/api/v1/stamps/grants", headers={"Authorization": f"Bearer {agent_key}"})
    assert refused.status_code == 403 and "stamps.grant" in refused.json["error"]["message"]


def test_bad_settings_are_a_422_with_field_errors_and_change_nothing(tenant_a, stamps):
    response = enable(tenant_a, "stamps", settings={"card_size": 1, "colour": "red"})
    assert response.status_code == 422
    fields = response.json["error"]["fields"]["settings"]
    assert set(fields) == {"card_size", "colour"}
    assert tenant_a.get("/api/v1/modules/stamps").json["enabled"] is False
    assert stamps.calls == []


def test_a_module_cannot_be_enabled_before_what_it_requires_nor_that_disabled_first(tenant_a):
    refused = enable(tenant_a, "vouchers")
    assert refused.status_code == 409
    assert "'stamps'" in refused.json["error"]["message"]
    assert enable(tenant_a, "stamps").status_code == 200
    assert enable(tenant_a, "vouchers").status_code == 200
    blocked = tenant_a.open("PUT", "/api/v1/modules/stamps", json={"enabled": False})
    assert blocked.status_code == 409
    assert "'vouchers'" in blocked.json["error"]["message"]


def test_only_owners_and_admins_switch_modules(tenant_a):
    member = tenant_a.post("/api/v1/members", json={"email": "agent@a.example", "role": "agent",
                                                    "password": "a long enough password"})
    assert member.status_code == 201, member.json
    key = tenant_a.post("/api/v1/api-keys", json={"name": "agent key", "scopes": ["read", "write"]}).json["key"]
    response = tenant_a.client.open("/api/v1/modules/stamps", method="PUT", json={"enabled": True},
                                    headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 403
    assert tenant_a.get("/api/v1/modules/stamps").json["enabled"] is False


def test_an_unknown_module_is_a_404(tenant_a):
    assert tenant_a.get("/api/v1/modules/nope").status_code == 404
    assert enable(tenant_a, "nope").status_code == 404


def test_saas_customer_panels_one_modules_failure_leaves_the_request_and_the_others_alone(tenant_a, tenant_b):
    enable(tenant_a, "stamps")
    enable(tenant_a, "vouchers")
    customer = tenant_a.customer(email="c@a.example")
    response = tenant_a.get(f"/api/v1/customers/{customer['id']}/panels")
    assert response.status_code == 200
    assert response.json["items"] == [
        {"module": "stamps", "key": "stamps", "title": "Stamps", "rows": [["Stamps", "3 of 10"]], "link": None}]
    errors = tenant_a.get("/api/v1/modules/errors").json["items"]
    assert [(e["module"], e["hook"]) for e in errors] == [("vouchers", "saas_customer_panels")]
    assert "voucher service down" in errors[0]["error"]
    assert tenant_b.get("/api/v1/modules/errors").json["items"] == []


def test_saas_navigation_and_saas_report_cards_reach_only_the_modules_the_tenant_enabled(tenant_a, tenant_b):
    enable(tenant_a, "stamps")
    nav_a = tenant_a.get("/api/v1/navigation").json["items"]
    assert nav_a == [{"module": "stamps", "key": "stamps", "label": "Stamp cards", "path": "/stamps", "order": 20}]
    assert tenant_b.get("/api/v1/navigation").json["items"] == []
    cards = tenant_a.get("/api/v1/reports/cards").json["items"]
    assert cards == [{"module": "stamps", "key": "stamps.given", "title": "Stamps given", "value": 42, "unit": "",
                      "previous": 40}]
    assert tenant_b.get("/api/v1/reports/cards").json["items"] == []
    b_customer = tenant_b.customer()
    assert tenant_b.get(f"/api/v1/customers/{b_customer['id']}/panels").json["items"] == []


def test_a_hook_result_the_core_cannot_use_is_the_module_s_error_not_the_request_s(tenant_a):
    enable(tenant_a, "stamps")
    enable(tenant_a, "vouchers")
    cards = tenant_a.get("/api/v1/reports/cards")
    assert cards.status_code == 200 and [c["module"] for c in cards.json["items"]] == ["stamps"]
    nav = tenant_a.get("/api/v1/navigation")
    assert nav.status_code == 200 and [i["module"] for i in nav.json["items"]] == ["stamps"]
    assert tenant_a.signed_in().get("/").status_code == 200  # every page's header has the menu
    listed = tenant_a.get("/api/v1/modules/errors").json
    assert {(e["module"], e["hook"]) for e in listed["items"]} == {("vouchers", "saas_report_cards"),
                                                                    ("vouchers", "saas_navigation")}
    assert listed["counts"] == {"vouchers": len(listed["items"])}


def test_saas_validate_customer_of_an_enabled_module_refuses_with_422(tenant_a, tenant_b):
    enable(tenant_a, "stamps")
    refused = tenant_a.post("/api/v1/customers", json={"name": "No mail"})
    assert refused.status_code == 422
    assert refused.json["error"]["fields"] == {"email": ["Stamp cards need an e-mail address."]}
    assert tenant_a.get("/api/v1/customers").json["items"] == []
    customer = tenant_a.customer(email="x@a.example")
    cleared = tenant_a.patch(f"/api/v1/customers/{customer['id']}", json={"email": None})
    assert cleared.status_code == 422
    assert tenant_a.get(f"/api/v1/customers/{customer['id']}").json["email"] == "x@a.example"
    assert tenant_b.post("/api/v1/customers", json={"name": "No mail"}).status_code == 201


def test_a_change_reaches_another_process_on_its_next_request(plugin_app, database, tenant_a, stamps):
    other_process = make_app(database, plugins=[("stamps", stamps), ("vouchers", Vouchers())]).test_client()
    headers = tenant_a.headers
    assert other_process.get("/api/v1/stamps/ping", headers=headers).status_code == 404  # cached: off
    enable(tenant_a, "stamps")
    assert other_process.get("/api/v1/stamps/ping", headers=headers).status_code == 200
    tenant_a.open("PUT", "/api/v1/modules/stamps", json={"enabled": False})
    assert other_process.get("/api/v1/stamps/ping", headers=headers).status_code == 404


@pytest.mark.postgres
def test_concurrent_changes_queue_up_and_each_one_reaches_other_processes(plugin_app, database, tenant_a):
    from concurrent.futures import ThreadPoolExecutor

    other_process = make_app(database, plugins=[("stamps", Stamps()), ("vouchers", Vouchers())]).test_client()
    assert other_process.get("/api/v1/stamps/ping", headers=tenant_a.headers).status_code == 404  # cached: off
    sizes = [10 + n for n in range(6)]

    def change(size):
        client = plugin_app.test_client()
        return client.put("/api/v1/modules/stamps", headers=tenant_a.headers,
                          json={"enabled": True, "settings": {"card_size": size}}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(change, sizes)) == [200] * 6  # no lost update, no duplicate row
    assert other_process.get("/api/v1/stamps/ping", headers=tenant_a.headers).status_code == 200
    settings = other_process.get("/api/v1/modules/stamps", headers=tenant_a.headers).json["settings"]
    assert settings == tenant_a.get("/api/v1/modules/stamps").json["settings"]
    assert settings["card_size"] in sizes
    audited = [e for e in tenant_a.get("/api/v1/audit-log?object_type=tenant_modules").json["items"]]
    assert len(audited) == 6


def test_module_changes_are_audited(tenant_a):
    enable(tenant_a, "stamps", settings={"card_size": 12})
    entries = tenant_a.get("/api/v1/audit-log").json["items"]
    module_entries = [e for e in entries if e["object_type"] == "tenant_modules"]
    assert module_entries and module_entries[0]["changes"]["enabled"] == [None, True]


def test_ids_in_the_module_api_are_strings(tenant_a):
    enable(tenant_a, "stamps")
    enable(tenant_a, "vouchers")
    customer = tenant_a.customer(email="c@a.example")
    tenant_a.get(f"/api/v1/customers/{customer['id']}/panels")
    error = tenant_a.get("/api/v1/modules/errors").json["items"][0]
    assert uuid.UUID(error["id"])


def test_saas_cli_commands_appear_under_the_modules_name(plugin_app):
    result = plugin_app.test_cli_runner().invoke(args=["stamps", "stamp-count"])
    assert result.exit_code == 0, result.output
    assert result.output == "stamps: 0\n"
    listed = plugin_app.test_cli_runner().invoke(args=["modules"])
    assert listed.output.splitlines() == ["stamps\t1.2\tStamp cards", "vouchers\t0\tVouchers"]


@pytest.mark.parametrize("switch", ["enable", "disable"])
def test_saas_module_enabled_or_disabled_that_raises_refuses_the_switch_with_409(plugin_app, tenant_a, stamps,
                                                                                 switch):
    from saas.core.db import db
    from saas.core.outbox import OutboxEvent
    from saas.core.tenancy import tenant_context

    if switch == "disable":
        enable(tenant_a, "stamps")
    stamps.refusing = True
    response = tenant_a.open("PUT", "/api/v1/modules/stamps", json={"enabled": switch == "enable"})
    assert response.status_code == 409
    assert "no stamp printer" in response.json["error"]["message"]
    assert tenant_a.get("/api/v1/modules/stamps").json["enabled"] is (switch == "disable")  # unchanged
    errors = tenant_a.get("/api/v1/modules/errors").json["items"]
    assert [(e["module"], e["hook"]) for e in errors] == [("stamps", f"saas_module_{switch}d")]
    with plugin_app.app_context(), tenant_context(tenant_a.id):
        emitted = db.session.scalars(sa.select(OutboxEvent.type).where(OutboxEvent.type.like("module.%"))).all()
        db.session.rollback()
    assert emitted == ([] if switch == "enable" else ["module.enabled"])  # the refused switch left none


def test_switching_a_module_emits_module_enabled_and_module_disabled(plugin_app, tenant_a):
    from saas.core.db import db
    from saas.core.outbox import OutboxEvent
    from saas.core.tenancy import tenant_context

    enable(tenant_a, "stamps")
    enable(tenant_a, "stamps", settings={"card_size": 30})  # settings only: no event
    tenant_a.open("PUT", "/api/v1/modules/stamps", json={"enabled": False})
    with plugin_app.app_context(), tenant_context(tenant_a.id):
        emitted = db.session.execute(sa.select(OutboxEvent.type, OutboxEvent.data)
                                     .order_by(OutboxEvent.occurred_at, OutboxEvent.id)).all()
        db.session.rollback()
    assert [tuple(e) for e in emitted] == [("module.enabled", {"module": "stamps"}),
                                          ("module.disabled", {"module": "stamps"})]


def test_settings_of_reads_a_workspace_s_loaded_settings_with_defaults_where_nothing_is_set(plugin_app, tenant_a, tenant_b):
    from saas.core.accounts import Tenant
    from saas.core.db import db
    from saas.core.module_settings import settings_of
    from saas.core.tenancy import tenant_context

    enable(tenant_a, "stamps", settings={"card_size": 12})
    with plugin_app.app_context():
        with tenant_context(tenant_a.id):
            assert settings_of("stamps") == {"card_size": 12, "stamps_per_visit": 1}  # the bound workspace's
            other = db.session.get(Tenant, tenant_b.id)
            assert settings_of("stamps", other) == {"card_size": 10, "stamps_per_visit": 1}
            assert settings_of("vouchers") == {}  # a module without a settings schema
            with pytest.raises(LookupError, match="no module named 'nope'"):
                settings_of("nope")
        db.session.rollback()


def test_tenants_with_a_module_lists_only_those_that_enabled_it(plugin_app, tenant_a, tenant_b):
    from saas.core.db import db
    from saas.core.modules import tenants_with

    enable(tenant_a, "stamps")
    with plugin_app.app_context():
        assert [t.id for t in tenants_with("stamps")] == [tenant_a.id]
        assert tenants_with("vouchers") == []
        db.session.rollback()


def test_saas_export_fields_come_from_the_enabled_modules_only(plugin_app, tenant_a, tenant_b):
    from saas.core.customers.module_data import export_fields
    from saas.core.db import db
    from saas.core.tenancy import tenant_context

    enable(tenant_a, "stamps")
    enable(tenant_a, "vouchers")
    customer = uuid.uuid4()
    with plugin_app.app_context():
        with tenant_context(tenant_a.id):
            fields = export_fields()
            assert [(module, field.key, field.label) for module, field in fields] == [("vouchers", "vouchers", "Vouchers")]
            assert fields[0][1].values([customer]) == {customer: 2}
        with tenant_context(tenant_b.id):
            assert export_fields() == []
        db.session.rollback()


def test_saas_merge_customers_reaches_enabled_modules_and_a_failure_aborts(plugin_app, tenant_a, tenant_b):
    MERGES.clear()
    enable(tenant_a, "stamps")
    enable(tenant_a, "vouchers")
    kept, duplicate, blocked = (tenant_a.customer(email=f"c{n}@a.example")["id"] for n in range(3))
    assert tenant_a.post(f"/api/v1/customers/{kept}/merge", json={"merged_id": duplicate}).status_code == 200
    b_kept, b_duplicate = (tenant_b.customer()["id"] for _ in range(2))
    assert tenant_b.post(f"/api/v1/customers/{b_kept}/merge", json={"merged_id": b_duplicate}).status_code == 200
    assert MERGES == [(tenant_a.id, kept, duplicate)]  # tenant B has not enabled vouchers

    OPEN_VOUCHERS.add(blocked)
    refused = tenant_a.post(f"/api/v1/customers/{kept}/merge", json={"merged_id": blocked})
    assert refused.status_code == 409 and "nothing was merged" in refused.json["error"]["message"]
    assert tenant_a.get(f"/api/v1/customers/{blocked}").status_code == 200  # still there, untouched
    errors = tenant_a.get("/api/v1/modules/errors").json["items"]
    assert [(e["module"], e["hook"]) for e in errors] == [("vouchers", "saas_merge_customers")]


def test_periodic_work_runs_for_each_workspace_with_the_module_and_one_failure_stops_none(plugin_app, sign_up):
    from saas.core.customers import Tag
    from saas.core.db import db
    from saas.core.modules import for_each_workspace

    failing, fine = sign_up(), sign_up()
    sign_up()  # a workspace without the module
    for workspace in (failing, fine):
        assert workspace.put("/api/v1/modules/stamps", json={"enabled": True}).status_code == 200
    ran = []

    def work(tenant):
        ran.append(tenant.id)
        db.session.add(Tag(name="swept"))
        if tenant.id == failing.id:
            raise RuntimeError("the stamp cards are on fire")

    with plugin_app.app_context():
        assert for_each_workspace("stamps", "stamps.sweep", work) == 1
    assert sorted(ran) == sorted([failing.id, fine.id])  # not the workspace without the module
    assert [t["name"] for t in fine.get("/api/v1/tags").json["items"]] == ["swept"]
    assert failing.get("/api/v1/tags").json["items"] == []  # its transaction was rolled back
    [error] = failing.get("/api/v1/modules/errors").json["items"]
    assert (error["module"], error["hook"]) == ("stamps", "stamps.sweep") and "on fire" in error["error"]
    assert fine.get("/api/v1/modules/errors").json["items"] == []


class Kiosk:
    """A module with a public page (``/kiosk/<slug>``, which names its workspace) and a members' one."""

    def __init__(self):
        self.pages = Blueprint("kiosk_pages", __name__)

        @self.pages.route("/kiosk/<slug>", methods=["GET", "POST"])
        @public
        def welcome(slug):
            from flask import request

            from saas.core.accounts import Tenant
            from saas.core.db import db
            from saas.core.tenancy import current_tenant_id

            bind_visitor(db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug)), "kiosk")
            return f"{request.method} {current_tenant_id()}"

        @self.pages.route("/kiosk-staff")
        def staff():
            return "staff"

    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="kiosk", title="Kiosk")

    @hookimpl
    def saas_blueprints(self):
        return [self.pages]


def test_a_module_s_public_page_needs_no_sign_in_and_is_404_where_the_module_is_off(app, database):
    import re

    from saas.testing import sign_up

    kiosk_app = make_app(database, plugins=[("kiosk", Kiosk())])
    on, off = sign_up(kiosk_app.test_client()), sign_up(kiosk_app.test_client())
    on.enable("kiosk")
    visitor = kiosk_app.test_client()
    page = visitor.get(f"/kiosk/{on.tenant['slug']}")
    assert page.status_code == 200 and page.get_data(as_text=True) == f"GET {on.tenant['id']}"
    assert visitor.get(f"/kiosk/{off.tenant['slug']}").status_code == 404
    assert visitor.get("/kiosk/no-such-workspace").status_code == 404
    assert visitor.get("/kiosk-staff").status_code == 302  # its other pages still need a member
    assert visitor.post(f"/kiosk/{on.tenant['slug']}").status_code == 400  # no CSRF token
    token = re.search(r'name="csrf_token" value="([^"]+)"', visitor.get("/login").get_data(as_text=True)).group(1)
    assert visitor.post(f"/kiosk/{on.tenant['slug']}", data={"csrf_token": token}).status_code == 200
    with kiosk_app.app_context():
        from saas.core.db import db

        db.engine.dispose()
