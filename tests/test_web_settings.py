"""The settings pages under /settings/: for owners and admins only, each doing what the matching API
view does (the same schemas and core functions), bad input re-rendered with field errors and
nothing written, and another workspace's objects a 404 page."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from saas import hookimpl
from saas.core.hooktypes import ModuleInfo
from saas.testing import CSRF_INPUT
from saas.testing import sign_up as sign_up_workspace
from tests.conftest import make_app
from tests.webhook_receiver import Answer, Receiver

ENGLISH = {"settings": {"locale": "en"}}
PAGES = ["/settings/", "/settings/workspace", "/settings/webhooks", "/settings/classification", "/settings/members", "/settings/api-keys", "/settings/modules",
         "/settings/modules/loyalty", "/settings/audit", "/settings/module-errors", "/settings/custom-fields",
         "/settings/inbound"]
PASSWORD = "a long enough password"


def token(browser, path: str = "/settings/") -> str:
    return CSRF_INPUT.search(browser.get(path).get_data(as_text=True)).group(1)


def post(browser, path: str, data: dict | None = None, **kw):
    return browser.post(path, data={"csrf_token": token(browser), **(data or {})}, **kw)


@pytest.fixture
def owner(sign_up):
    return sign_up(**ENGLISH)


@pytest.fixture
def admin_page(owner):
    return owner.signed_in()


def member_signed_in(owner, role: str):
    """A new member of ``owner``'s workspace with ``role``, signed in through the login form."""
    email = f"{role}-{owner.tenant['slug']}@example.com"
    response = owner.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role})
    assert response.status_code == 201, response.json
    browser = owner.client.application.test_client()
    form = browser.get("/login").get_data(as_text=True)
    signed = browser.post("/login", data={"email": email, "password": PASSWORD,
                                          "csrf_token": CSRF_INPUT.search(form).group(1)})
    assert signed.status_code == 302
    return browser


def test_an_owner_sees_the_settings_entry_and_every_settings_page(admin_page):
    landing = admin_page.get("/").get_data(as_text=True)
    assert 'href="/settings/"' in landing
    for path in PAGES:
        response = admin_page.get(path)
        assert response.status_code == 200, path
        assert "<h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["viewer", "agent", "manager"])
def test_other_roles_see_no_settings_entry_and_get_403_on_every_settings_page(owner, role):
    browser = member_signed_in(owner, role)
    assert 'href="/settings/"' not in browser.get("/").get_data(as_text=True)
    for path in PAGES:
        assert browser.get(path).status_code == 403, path
    token_ = CSRF_INPUT.search(browser.get("/").get_data(as_text=True)).group(1)
    refused = browser.post("/settings/workspace", data={"csrf_token": token_, "name": "Taken over"})
    assert refused.status_code == 403
    assert owner.get("/api/v1/tenant").json["name"] != "Taken over"


@pytest.mark.backend_independent
def test_the_settings_inputs_carry_their_attributes_unescaped(admin_page):
    members = admin_page.get("/settings/members").get_data(as_text=True)
    assert 'autocomplete="new-password" maxlength="256"' in members
    classification = admin_page.get("/settings/classification").get_data(as_text=True)
    assert 'step="1" min="1" max="120"' in classification and "&#34;" not in classification


def test_an_admin_sees_the_settings_pages(owner):
    browser = member_signed_in(owner, "admin")
    assert 'href="/settings/"' in browser.get("/").get_data(as_text=True)
    assert browser.get("/settings/members").status_code == 200


def test_the_workspace_settings_are_saved_as_the_api_saves_them(owner, admin_page):
    response = post(admin_page, "/settings/workspace", {
        "name": "Longjing Tea", "settings.currency": "USD", "settings.timezone": "Europe/Berlin",
        "settings.locale": "en", "settings.phone_region": "DE"})
    assert response.status_code == 302
    tenant = owner.get("/api/v1/tenant").json
    assert tenant["name"] == "Longjing Tea"
    assert tenant["settings"] == {"currency": "USD", "timezone": "Europe/Berlin", "locale": "en", "phone_region": "DE"}


def test_bad_workspace_settings_show_field_errors_and_change_nothing(owner, admin_page):
    before = owner.get("/api/v1/tenant").json
    response = post(admin_page, "/settings/workspace", {
        "name": "Renamed", "settings.currency": "XXQ", "settings.timezone": "Mars/Olympus",
        "settings.locale": "en", "settings.phone_region": "CN"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="settings.currency-error"' in page and "Not an ISO 4217 currency code." in page
    assert 'id="settings.timezone-error"' in page
    assert 'value="Renamed"' in page  # what was typed stays
    assert owner.get("/api/v1/tenant").json == before
    too_long = post(admin_page, "/settings/workspace", {"name": "", "settings.currency": "CNYY"})
    assert too_long.status_code == 422
    assert 'id="name-error"' in too_long.get_data(as_text=True)
    assert owner.get("/api/v1/tenant").json == before


def test_an_api_key_is_shown_once_works_and_is_revoked(owner, admin_page):
    response = post(admin_page, "/settings/api-keys", {"name": "Shop", "scopes": ["read", "write"]})
    assert response.status_code == 201
    key = re.search(r'class="secret-value">([^<]+)<', response.get_data(as_text=True)).group(1)
    shop = owner.client.get("/api/v1/customers", headers={"Authorization": f"Bearer {key}"})
    assert shop.status_code == 200
    listed = admin_page.get("/settings/api-keys").get_data(as_text=True)
    assert "Shop" in listed and key not in listed
    row = next(k for k in owner.get("/api/v1/api-keys").json["items"] if k["name"] == "Shop")
    assert row["scopes"] == ["read", "write"]
    assert post(admin_page, f"/settings/api-keys/{row['id']}/revoke").status_code == 302
    assert owner.client.get("/api/v1/customers", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_an_api_key_without_a_name_or_with_an_unknown_scope_is_not_issued(owner, admin_page):
    before = len(owner.get("/api/v1/api-keys").json["items"])
    nameless = post(admin_page, "/settings/api-keys", {"name": "", "scopes": ["read"]})
    assert nameless.status_code == 422 and 'id="name-error"' in nameless.get_data(as_text=True)
    unknown = post(admin_page, "/settings/api-keys", {"name": "Root", "scopes": ["root"]})
    assert unknown.status_code == 422
    assert len(owner.get("/api/v1/api-keys").json["items"]) == before


def test_a_member_is_added_given_a_role_and_removed(owner, admin_page):
    added = post(admin_page, "/settings/members", {"email": "Rep@Example.com", "name": "Rep", "password": PASSWORD,
                                                   "role": "agent", "team": "sales"})
    assert added.status_code == 302
    member = next(m for m in owner.get("/api/v1/members").json["items"] if m["email"] == "rep@example.com")
    assert (member["role"], member["team"], member["status"]) == ("agent", "sales", "active")
    changed = post(admin_page, f"/settings/members/{member['id']}", {"role": "manager", "team": ""})
    assert changed.status_code == 302
    member = next(m for m in owner.get("/api/v1/members").json["items"] if m["id"] == member["id"])
    assert (member["role"], member["team"]) == ("manager", None)
    assert post(admin_page, f"/settings/members/{member['id']}/remove").status_code == 302
    assert member["id"] not in [m["id"] for m in owner.get("/api/v1/members").json["items"]]


def test_bad_member_input_shows_field_errors_and_adds_no_one(owner, admin_page):
    before = owner.get("/api/v1/members").json["items"]
    bad_email = post(admin_page, "/settings/members", {"email": "not-an-address", "role": "agent"})
    assert bad_email.status_code == 422 and 'id="email-error"' in bad_email.get_data(as_text=True)
    weak = post(admin_page, "/settings/members", {"email": "new@example.com", "role": "agent", "password": "123"})
    assert weak.status_code == 422 and 'id="password-error"' in weak.get_data(as_text=True)
    assert owner.get("/api/v1/members").json["items"] == before


def member_rows(page: str) -> list[str]:
    return re.findall(r"<td>([^<]+@[^<]+)</td>", page)


def test_members_are_paged_by_keyset_past_the_first_page_and_searched_by_name_or_e_mail(owner, admin_page,
                                                                                      monkeypatch):
    from saas.web.settings import members as members_page

    monkeypatch.setattr(members_page, "PER_PAGE", 2)
    for name, email in (("Wang Fang", "fang@shop.example"), ("Li Wei", "li.wei@shop.example"),
                        ("孙丽", "sun@shop.example"), ("Zhao 100%", "zhao@shop.example")):
        assert owner.post("/api/v1/members", json={"email": email, "name": name, "password": PASSWORD,
                                                   "role": "agent"}).status_code == 201
    seen, path = [], "/settings/members"
    while path:
        page = admin_page.get(path).get_data(as_text=True)
        assert len(member_rows(page)) <= 2
        seen += member_rows(page)
        found = re.search(r'href="(/settings/members\?cursor=[^"]+)">Next page<', page)
        path = found.group(1).replace("&amp;", "&") if found else None
    assert seen == [m["email"] for m in owner.get("/api/v1/members").json["items"]] and len(seen) == 5
    assert "First page" in page
    assert member_rows(admin_page.get("/settings/members?q=wang").get_data(as_text=True)) == ["fang@shop.example"]
    assert member_rows(admin_page.get("/settings/members?q=LI.WEI@").get_data(as_text=True)) == ["li.wei@shop.example"]
    assert member_rows(admin_page.get("/settings/members?q=孙").get_data(as_text=True)) == ["sun@shop.example"]
    assert member_rows(admin_page.get("/settings/members?q=%25").get_data(as_text=True)) == ["zhao@shop.example"]
    shop = admin_page.get("/settings/members?q=shop.example").get_data(as_text=True)
    assert len(member_rows(shop)) == 2 and "q=shop.example&amp;cursor=" in shop  # the search goes on to page 2
    none = admin_page.get("/settings/members?q=nobody").get_data(as_text=True)
    assert member_rows(none) == [] and "holds “nobody”" in none
    nul = admin_page.get("/settings/members?q=a%00b")
    assert nul.status_code == 400 and 'id="q-error"' in nul.get_data(as_text=True)
    assert admin_page.get("/settings/members?cursor=not-a-cursor").status_code == 400


def test_an_admin_may_not_grant_the_owner_role_and_the_last_owner_stays(owner):
    admin = member_signed_in(owner, "admin")
    page = admin.get("/settings/members").get_data(as_text=True)
    assert 'value="owner"' not in page  # not offered to an admin
    refused = post(admin, "/settings/members", {"email": "boss@example.com", "password": PASSWORD, "role": "owner"})
    assert refused.status_code == 403
    assert "Only an owner may grant or take the owner role." in refused.get_data(as_text=True)
    assert "boss@example.com" not in [m["email"] for m in owner.get("/api/v1/members").json["items"]]
    the_owner = next(m for m in owner.get("/api/v1/members").json["items"] if m["role"] == "owner")
    by_owner = owner.signed_in()
    last = post(by_owner, f"/settings/members/{the_owner['id']}", {"role": "admin"})
    assert last.status_code == 409 and "A workspace needs at least one owner." in last.get_data(as_text=True)
    assert post(by_owner, f"/settings/members/{the_owner['id']}/remove").status_code == 409
    assert next(m for m in owner.get("/api/v1/members").json["items"] if m["id"] == the_owner["id"])["role"] == "owner"


def test_another_workspaces_member_and_api_key_are_a_404_page(owner, admin_page, sign_up):
    other = sign_up(**ENGLISH)
    their_member = other.get("/api/v1/members").json["items"][0]["id"]
    their_key = other.get("/api/v1/api-keys").json["items"][0]["id"]
    for path in (f"/settings/members/{their_member}", f"/settings/members/{their_member}/remove",
                 f"/settings/api-keys/{their_key}/revoke"):
        response = post(admin_page, path, {"role": "viewer"})
        assert response.status_code == 404, path
        assert "This page does not exist" in response.get_data(as_text=True)
    assert other.get("/api/v1/api-keys").json["items"][0]["revoked_at"] is None
    assert other.get("/api/v1/members").json["items"][0]["role"] == "owner"


def settings_of(owner, module: str) -> dict:
    return owner.get(f"/api/v1/modules/{module}").json["settings"]


def test_the_loyalty_form_is_generated_from_its_schema_with_labels_defaults_and_ranges(admin_page):
    page = admin_page.get("/settings/modules/loyalty").get_data(as_text=True)
    assert re.search(r'<label for="setting-expiry_months">Expiry months', page)
    assert re.search(r'<input type="number" id="setting-expiry_months" name="expiry_months" value="24" '
                     r'step="1" min="0" max="120"', page)
    assert "Points expire this many months after they are earned" in page  # the field's description
    assert 'name="points_per_unit" value="1" step="0.0001" min="0" max="1000"' in page
    assert 'name="tier_multipliers.core" value="2"' in page and 'name="tier_multipliers.general" value=""' in page
    assert 'type="date" id="setting-campaigns-0-starts" name="campaigns.0.starts"' in page  # the empty row
    assert "Default: 24." in page


def test_a_checkbox_s_default_is_said_in_words_not_as_the_form_s_value(admin_page):
    page = admin_page.get("/settings/modules/churn").get_data(as_text=True)  # its purchase model: on by default
    assert re.search(r'<input type="checkbox" id="setting-model" name="model" value="true"', page)
    assert "Default: On." in page and "Default: true." not in page


def test_loyalty_settings_saved_through_the_form_are_what_the_api_answers(owner, admin_page):
    response = post(admin_page, "/settings/modules/loyalty", {
        "points_per_unit": "0.1", "tier_multipliers.core": "3", "tier_multipliers.important": "",
        "first_purchase_bonus": "50", "birthday_bonus": "", "expiry_months": "12",
        "campaigns.0.name": "Spring", "campaigns.0.starts": "2026-03-01", "campaigns.0.ends": "2026-03-31",
        "campaigns.0.multiplier": "2", "campaigns.0.bonus": "",
        "campaigns.1.name": "", "campaigns.1.starts": "", "campaigns.1.ends": ""})
    assert response.status_code == 302
    assert settings_of(owner, "loyalty") == {
        "points_per_unit": "0.1000", "tier_multipliers": {"core": "3.00"}, "first_purchase_bonus": 50,
        "birthday_bonus": 0, "expiry_months": 12, "campaigns": [
            {"name": "Spring", "starts": "2026-03-01", "ends": "2026-03-31", "multiplier": "2.00", "bonus": 0}]}
    page = admin_page.get("/settings/modules/loyalty").get_data(as_text=True)
    assert 'name="campaigns.0.name" value="Spring"' in page and 'name="campaigns.1.name" value=""' in page


def test_invalid_loyalty_settings_show_the_schemas_field_errors_and_write_nothing(owner, admin_page):
    before = settings_of(owner, "loyalty")
    response = post(admin_page, "/settings/modules/loyalty", {
        "points_per_unit": "abc", "expiry_months": "500", "tier_multipliers.core": "11",
        "campaigns.0.name": "Backwards", "campaigns.0.starts": "2026-03-31", "campaigns.0.ends": "2026-03-01"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="setting-points_per_unit-error">Not a valid number', page)
    assert re.search(r'id="setting-expiry_months-error">Must be greater than or equal to 0 and less than or equal '
                     r'to 120', page)
    assert 'id="setting-tier_multipliers-core-error"' in page
    assert "A campaign ends on or after the day it starts." in page
    assert 'name="expiry_months" value="500"' in page  # what was typed stays
    assert settings_of(owner, "loyalty") == before


def test_the_birthdays_example_gets_a_form_with_its_choices_and_refuses_a_bad_value(owner, admin_page):
    page = admin_page.get("/settings/modules/birthdays").get_data(as_text=True)
    assert re.search(r'<select id="setting-channel" name="channel"', page)
    assert '<option value="sms" selected>SMS</option>' in page and '<option value="wechat">WeChat</option>' in page
    assert 'name="days_ahead" value="7" step="1" min="0" max="60"' in page
    assert post(admin_page, "/settings/modules/birthdays", {"days_ahead": "3", "channel": "wechat"}).status_code == 302
    assert settings_of(owner, "birthdays") == {"days_ahead": 3, "channel": "wechat"}
    bad = post(admin_page, "/settings/modules/birthdays", {"days_ahead": "61", "channel": "pigeon"})
    assert bad.status_code == 422
    assert 'id="setting-channel-error">Must be one of: sms, email, wechat.' in bad.get_data(as_text=True)
    assert settings_of(owner, "birthdays") == {"days_ahead": 3, "channel": "wechat"}


def test_a_module_is_switched_on_and_off_from_the_modules_page(owner, admin_page):
    page = admin_page.get("/settings/modules").get_data(as_text=True)
    assert "Loyalty points" in page and "Points for every purchase" in page
    assert post(admin_page, "/settings/modules/loyalty/switch", {"enabled": "true"}).status_code == 302
    assert owner.get("/api/v1/modules/loyalty").json["enabled"] is True
    assert "Loyalty points is on." in admin_page.get("/settings/modules").get_data(as_text=True)
    assert post(admin_page, "/settings/modules/loyalty/switch", {"enabled": "false"}).status_code == 302
    assert owner.get("/api/v1/modules/loyalty").json["enabled"] is False
    assert admin_page.get("/settings/modules/nothing").status_code == 404
    assert post(admin_page, "/settings/modules/birthdays/switch", {"enabled": "true"}).status_code == 302
    assert 'href="/birthdays/' in admin_page.get("/settings/").get_data(as_text=True)  # its menu entry


class Base:
    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="base", title="Base")


class Addon:
    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="addon", title="Add-on", requires=("base",))


class Grumpy:
    @hookimpl
    def saas_module(self):
        return ModuleInfo(name="grumpy", title="Grumpy")

    @hookimpl
    def saas_module_enabled(self, tenant, settings):
        raise RuntimeError("not today")


def test_a_module_that_requires_another_or_refuses_is_a_409_and_stays_off(database, app):
    plugin_app = make_app(database, plugins=[("base", Base()), ("addon", Addon()), ("grumpy", Grumpy())])
    owner = sign_up_workspace(plugin_app.test_client())
    browser = owner.signed_in()
    needs = post(browser, "/settings/modules/addon/switch", {"enabled": "true"})
    assert needs.status_code == 409 and "请先启用 &#39;base&#39;。" in needs.get_data(as_text=True)  # a Chinese workspace
    refused = post(browser, "/settings/modules/grumpy/switch", {"enabled": "true"})
    assert refused.status_code == 409 and "not today" in refused.get_data(as_text=True)
    assert post(browser, "/settings/modules/base/switch", {"enabled": "true"}).status_code == 302
    assert post(browser, "/settings/modules/addon/switch", {"enabled": "true"}).status_code == 302
    off = post(browser, "/settings/modules/base/switch", {"enabled": "false"})
    assert off.status_code == 409 and "请先停用 &#39;addon&#39;。" in off.get_data(as_text=True)
    states = {m["name"]: m["enabled"] for m in owner.get("/api/v1/modules").json["items"]}
    assert states == {"addon": True, "base": True, "grumpy": False}
    assert "此模块没有设置项。" in browser.get("/settings/modules/base").get_data(as_text=True)  # a Chinese workspace


def test_the_audit_log_lists_changes_and_filters_them(owner, admin_page):
    customer = owner.customer(name="Filtered")
    owner.customer(name="Other")
    post(admin_page, "/settings/workspace", {"name": "Audited", "settings.currency": "CNY"})
    page = admin_page.get("/settings/audit").get_data(as_text=True)
    assert page.count('<tr>\n      <th scope="row">') >= 2
    one = admin_page.get(f"/settings/audit?object_type=customers&object_id={customer['id']}").get_data(as_text=True)
    assert customer["id"] in one and one.count('<tr>\n      <th scope="row">') == 1
    too_long = admin_page.get("/settings/audit?object_type=" + "x" * 51)
    assert too_long.status_code == 422 and 'id="object_type-error"' in too_long.get_data(as_text=True)


def test_the_module_errors_page_lists_what_a_module_raised(database, app):
    plugin_app = make_app(database, plugins=[("grumpy", Grumpy())])
    owner = sign_up_workspace(plugin_app.test_client())
    browser = owner.signed_in()
    assert post(browser, "/settings/modules/grumpy/switch", {"enabled": "true"}).status_code == 409
    page = browser.get("/settings/module-errors").get_data(as_text=True)
    assert "saas_module_enabled" in page and "not today" in page


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def test_a_webhook_endpoint_is_registered_with_its_secret_shown_once_and_changed(owner, admin_page, receiver):
    made = post(admin_page, "/settings/webhooks", {"url": receiver.url("/hook"), "description": "shop",
                                                   "event_types": ["customer.created"], "enabled": "true"})
    assert made.status_code == 201
    secret = re.search(r'class="secret-value">(whsec_[^<]+)<', made.get_data(as_text=True)).group(1)
    [endpoint] = owner.get("/api/v1/webhooks").json["items"]
    assert (endpoint["description"], endpoint["event_types"], endpoint["enabled"]) == ("shop", ["customer.created"], True)
    path = f"/settings/webhooks/{endpoint['id']}"
    assert secret not in admin_page.get(path).get_data(as_text=True)
    changed = post(admin_page, path, {"url": receiver.url("/other"), "description": "", "event_types": ["*"]})
    assert changed.status_code == 302
    endpoint = owner.get(f"/api/v1/webhooks/{endpoint['id']}").json
    assert (endpoint["url"], endpoint["description"], endpoint["event_types"], endpoint["enabled"]) == (
        receiver.url("/other"), None, ["*"], False)
    assert post(admin_page, f"{path}/switch", {"enabled": "true"}).status_code == 302
    assert owner.get(f"/api/v1/webhooks/{endpoint['id']}").json["enabled"] is True
    rotated = post(admin_page, f"{path}/rotate-secret")
    assert rotated.status_code == 200
    new_secret = re.search(r'class="secret-value">(whsec_[^<]+)<', rotated.get_data(as_text=True)).group(1)
    assert new_secret != secret


def test_a_bad_webhook_endpoint_shows_field_errors_and_registers_nothing(owner, admin_page):
    for body, field in (({"url": ""}, "url"), ({"url": "ftp://example.com/x"}, "url"),
                        ({"url": "https://example.com/hook", "event_types": ["no.such"]}, "event_types")):
        response = post(admin_page, "/settings/webhooks", body)
        assert response.status_code == 422, body
        assert f'id="{field}-error"' in response.get_data(as_text=True), body
    assert owner.get("/api/v1/webhooks").json["items"] == []


def test_the_delivery_log_shows_deliveries_and_redelivers(owner, admin_page, receiver):
    receiver.answer("/hook", Answer(status=500))
    endpoint = owner.post("/api/v1/webhooks", json={"url": receiver.url("/hook")}).json
    owner.customer()
    path = f"/settings/webhooks/{endpoint['id']}"
    page = admin_page.get(path).get_data(as_text=True)
    assert "customer.created" in page and "HTTP 500" in page and "Pending" in page
    [item] = owner.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json["items"]
    receiver.answer("/hook", Answer(status=200))
    assert post(admin_page, f"{path}/deliveries/{item['id']}/redeliver").status_code == 302
    [item] = owner.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json["items"]
    assert item["status"] == "succeeded"
    assert "customer.created" in admin_page.get(f"{path}?status=succeeded").get_data(as_text=True)
    assert "Nothing delivered yet." in admin_page.get(f"{path}?status=failed").get_data(as_text=True)
    assert admin_page.get(f"{path}?status=lost").status_code == 422
    assert post(admin_page, f"{path}/switch", {"enabled": "false"}).status_code == 302
    refused = post(admin_page, f"{path}/deliveries/{item['id']}/redeliver")
    assert refused.status_code == 409 and "switch it on first" in refused.get_data(as_text=True)


def test_another_workspaces_webhook_endpoint_is_a_404_page(admin_page, sign_up, receiver):
    other = sign_up(**ENGLISH)
    theirs = other.post("/api/v1/webhooks", json={"url": receiver.url("/hook")}).json
    path = f"/settings/webhooks/{theirs['id']}"
    assert admin_page.get(path).status_code == 404
    for action in ("", "/switch", "/rotate-secret"):
        assert post(admin_page, path + action, {"url": "https://example.com", "enabled": "false"}).status_code == 404
    assert other.get(f"/api/v1/webhooks/{theirs['id']}").json["enabled"] is True


def test_a_webhook_endpoint_is_deleted_with_its_delivery_log_after_a_confirmation_page(owner, admin_page, receiver):
    endpoint = owner.post("/api/v1/webhooks", json={"url": receiver.url("/hook")}).json
    owner.customer()
    path = f"/settings/webhooks/{endpoint['id']}"
    assert f'href="{path}/delete"' in admin_page.get(path).get_data(as_text=True)
    asked = admin_page.get(f"{path}/delete")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f'action="{path}/delete"' in page and endpoint["url"] in page
    assert owner.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json["items"]  # asking deletes nothing
    deleted = post(admin_page, f"{path}/delete")
    assert deleted.status_code == 303 and deleted.headers["Location"] == "/settings/webhooks"
    assert "is deleted" in admin_page.get("/settings/webhooks").get_data(as_text=True)
    assert owner.get(f"/api/v1/webhooks/{endpoint['id']}").status_code == 404
    assert owner.get("/api/v1/webhooks").json["items"] == [] and admin_page.get(path).status_code == 404
    owner.customer()
    assert len(receiver.at("/hook")) == 1  # nothing more is sent to it


def test_a_delivery_s_page_shows_its_body_the_headers_without_secrets_each_attempt_and_redelivers(owner, admin_page,
                                                                                                  receiver):
    receiver.answer("/hook", Answer(status=500))
    endpoint = owner.post("/api/v1/webhooks", json={"url": receiver.url("/hook")}).json
    customer = owner.customer(name="王芳")
    [item] = owner.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json["items"]
    path = f"/settings/webhooks/{endpoint['id']}/deliveries/{item['id']}"
    assert f'href="{path}"' in admin_page.get(f"/settings/webhooks/{endpoint['id']}").get_data(as_text=True)
    page = admin_page.get(path).get_data(as_text=True)
    [sent] = receiver.at("/hook")
    assert customer["id"] in page and "王芳" in page and "customer.created" in page  # the body, readable
    assert f"<code>webhook-id</code></th><td><code>{item['id']}</code>" in page
    assert f"<code>{sent.headers['webhook-timestamp']}</code>" in page and "<code>user-agent</code>" in page
    assert endpoint["secret"] not in page and sent.headers["webhook-signature"] not in page
    assert "not shown" in page and "HTTP 500" in page and " ms</td>" in page
    receiver.answer("/hook", Answer(status=200))
    again = post(admin_page, f"{path}/redeliver", {"back": "delivery"})
    assert again.status_code == 302 and again.headers["Location"] == path
    page = admin_page.get(path).get_data(as_text=True)
    assert page.index("HTTP 200") < page.index("HTTP 500") and "Succeeded" in page  # newest first
    assert post(admin_page, f"/settings/webhooks/{endpoint['id']}/switch", {"enabled": "false"}).status_code == 302
    refused = post(admin_page, f"{path}/redeliver", {"back": "delivery"})
    assert refused.status_code == 409 and "switch it on first" in refused.get_data(as_text=True)
    assert "Request body" in refused.get_data(as_text=True)  # the delivery's page again, with the reason


def test_only_admins_open_a_delivery_or_delete_an_endpoint_and_another_workspace_s_are_404_pages(owner, admin_page,
                                                                                                 sign_up, receiver):
    endpoint = owner.post("/api/v1/webhooks", json={"url": receiver.url("/hook")}).json
    owner.customer()
    [item] = owner.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json["items"]
    path = f"/settings/webhooks/{endpoint['id']}"
    manager = member_signed_in(owner, "manager")
    assert manager.get(f"{path}/deliveries/{item['id']}").status_code == 403
    assert manager.get(f"{path}/delete").status_code == 403
    refused = manager.post(f"{path}/delete", data={"csrf_token": token(manager, "/profile")})
    assert refused.status_code == 403 and owner.get(f"/api/v1/webhooks/{endpoint['id']}").status_code == 200
    other = sign_up(**ENGLISH)
    theirs = other.signed_in()
    for url in (f"{path}/deliveries/{item['id']}", f"{path}/delete"):
        missing = theirs.get(url)
        assert missing.status_code == 404 and "This page does not exist" in missing.get_data(as_text=True), url
    assert post(theirs, f"{path}/delete").status_code == 404
    mine = owner.post("/api/v1/webhooks", json={"url": receiver.url("/other")}).json
    assert admin_page.get(f"/settings/webhooks/{mine['id']}/deliveries/{item['id']}").status_code == 404  # not its own
    assert owner.get(f"/api/v1/webhooks/{endpoint['id']}").status_code == 200


def test_the_menu_marks_settings_current_on_the_pages_below_it(owner, admin_page, receiver):
    endpoint = owner.post("/api/v1/webhooks", json={"url": receiver.url("/hook")}).json
    owner.customer()
    [item] = owner.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").json["items"]
    for path in ("/settings/", f"/settings/webhooks/{endpoint['id']}",
                 f"/settings/webhooks/{endpoint['id']}/deliveries/{item['id']}", "/settings/modules/loyalty"):
        page = admin_page.get(path).get_data(as_text=True)
        assert re.findall(r'aria-current="page">([^<]+)<', page) == ["Settings"], path


def buy(owner, amount: str) -> None:
    customer = owner.customer()
    days_ago = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=10)).isoformat()
    response = owner.post("/api/v1/purchases", json={
        "customer_id": customer["id"], "amount": amount, "purchased_at": days_ago, "product": "tea"})
    assert response.status_code == 201, response.json


def tier_counts(page: str, column: int) -> dict[str, int]:
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([\d,]+)</td>(?:<td class="tier-\w+">([\d,]+)</td>)?', page)
    return {label: int(cells[column - 1].replace(",", "")) for label, *cells in rows}


def test_the_classification_preview_counts_each_tier_under_the_typed_rules_and_saves_nothing(owner, admin_page):
    for amount in ("150000", "50000", "12000", "500"):
        buy(owner, amount)
    rules = {"core": "100000", "important": "30000", "basic": "10000", "window_months": "12",
             "new_days": "90", "dormant_days": "180", "churned_days": "365"}
    page = admin_page.get("/settings/classification").get_data(as_text=True)
    assert tier_counts(page, 1) == {"Core": 1, "Important": 1, "Basic": 1, "General": 1, "Potential": 0}
    preview = post(admin_page, "/settings/classification", {**rules, "core": "40000", "action": "preview"})
    assert preview.status_code == 200
    assert tier_counts(preview.get_data(as_text=True), 2) == {
        "Core": 2, "Important": 0, "Basic": 1, "General": 1, "Potential": 0}
    assert owner.get("/api/v1/classification/rules").json["core"] == "100000.00"
    saved = post(admin_page, "/settings/classification", {**rules, "core": "40000", "action": "save"})
    assert saved.status_code == 302
    assert owner.get("/api/v1/classification/rules").json["core"] == "40000.00"
    assert post(admin_page, "/settings/classification/recompute").status_code == 302


def test_classification_rules_out_of_order_show_field_errors_and_save_nothing(owner, admin_page):
    before = owner.get("/api/v1/classification/rules").json
    for body, field in (({"core": "100", "important": "30000", "basic": "10000"}, "core"),
                        ({"core": "abc", "important": "30000", "basic": "10000"}, "core"),
                        ({"core": "100000", "important": "30000", "basic": "10000", "window_months": "0"},
                         "window_months")):
        response = post(admin_page, "/settings/classification", {**body, "action": "save"})
        assert response.status_code == 422, body
        assert f'id="{field}-error"' in response.get_data(as_text=True), body
    assert owner.get("/api/v1/classification/rules").json == before


def test_the_classification_page_speaks_chinese_in_a_chinese_workspace(sign_up):
    browser = sign_up().signed_in()
    page = browser.get("/settings/classification").get_data(as_text=True)
    assert 'lang="zh-CN"' in page and "核心客户" in page and "客户分类规则" in page


def statements_for(count_queries, browser, path: str) -> int:
    browser.get(path)  # once before: what a first request does once (a key's last use...) is not the page's
    with count_queries() as counted:
        assert browser.get(path).status_code == 200
    return counted()


@pytest.mark.parametrize("path, add_one", [
    ("/settings/members", lambda owner, i: owner.post("/api/v1/members", json={
        "email": f"m{i}@{owner.tenant['slug']}.example", "password": PASSWORD, "role": "agent"})),
    ("/settings/api-keys", lambda owner, i: owner.post("/api/v1/api-keys", json={"name": f"key {i}"})),
    ("/settings/audit", lambda owner, i: owner.post("/api/v1/customers", json={"name": f"customer {i}"})),
    ("/settings/webhooks", lambda owner, i: owner.post("/api/v1/webhooks", json={"url": f"http://127.0.0.1:9/{i}"})),
    ("/settings/custom-fields", lambda owner, i: owner.post("/api/v1/custom-fields", json={
        "key": f"field_{i}", "label": f"Field {i}", "type": "choice", "choices": ["a", "b"]})),
])
def test_a_settings_list_issues_as_many_statements_for_50_rows_as_for_5(owner, admin_page, count_queries,
                                                                        path, add_one):
    for i in range(5):
        assert add_one(owner, i).status_code == 201
    at_five = statements_for(count_queries, admin_page, path)
    for i in range(5, 50):
        assert add_one(owner, i).status_code == 201
    page = admin_page.get(path).get_data(as_text=True)
    assert page.count('<th scope="row">') >= 50
    assert statements_for(count_queries, admin_page, path) == at_five


def test_a_webhook_delivery_log_issues_as_many_statements_for_50_deliveries_as_for_5(owner, admin_page,
                                                                                     count_queries, receiver):
    endpoint = owner.post("/api/v1/webhooks", json={"url": receiver.url("/hook")}).json
    path = f"/settings/webhooks/{endpoint['id']}"
    for _ in range(5):
        owner.customer()
    at_five = statements_for(count_queries, admin_page, path)
    for _ in range(45):
        owner.customer()
    assert admin_page.get(path).get_data(as_text=True).count("customer.created") >= 50
    assert statements_for(count_queries, admin_page, path) == at_five
