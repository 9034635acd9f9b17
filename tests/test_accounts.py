"""Signing a company up, the workspace's settings, its members and its API keys.

The tests of invalid input (``backend_independent``) run once, on SQLite: the request is refused
before any SQL runs. Everything else runs on both databases.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import sqlalchemy as sa

from saas.core.accounts import Tenant, User
from saas.core.db import db
from saas.core.outbox import OutboxEvent
from saas.core.tenancy import tenant_context
from tests.conftest import Caller

PASSWORD = "a long enough password"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# Helpers ------------------------------------------------------------------------------------


def signup_body(slug: str = "acme", **extra) -> dict:
    return {"company_name": "Acme Tea", "slug": slug, "admin_email": f"boss@{slug}.example",
            "admin_password": PASSWORD, **extra}


def row_counts(app) -> tuple[int, int]:
    """How many tenants and users exist (both tables are global, so no tenant is needed)."""
    with app.app_context():
        tenants = db.session.scalar(sa.select(sa.func.count()).select_from(Tenant))
        users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        db.session.rollback()
    return tenants, users


def password_hash_of(app, email: str) -> str:
    with app.app_context():
        value = db.session.scalar(sa.select(User.password_hash).where(User.email == email))
        db.session.rollback()
    return value


def assert_error(response, status: int, code: str | None = None, field: str | None = None) -> dict:
    """The response is ``status`` with the one JSON error shape; returns the error object."""
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code
    if field is not None:
        assert field in error["fields"], error
    return error


class SessionClient(Caller):
    """A browser-like client signed in through the ``/login`` form; writes carry the CSRF header."""

    def __init__(self, app, email: str, password: str = PASSWORD):
        self.client = app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        self.token = CSRF_INPUT.search(page).group(1)
        self.headers = {"X-CSRFToken": self.token}
        response = self.client.post("/login", data={"email": email, "password": password,
                                                      "csrf_token": self.token})
        assert response.status_code == 302, response.get_data(as_text=True)


def add_member(tenant, role: str, email: str | None = None, **extra) -> dict:
    email = email or f"{role}-{uuid.uuid4().hex[:6]}@{tenant.tenant['slug']}.example"
    response = tenant.post("/api/v1/members", json={"email": email, "role": role, "password": PASSWORD, **extra})
    assert response.status_code == 201, response.json
    return response.json


def members_by_email(tenant) -> dict[str, dict]:
    response = tenant.get("/api/v1/members")
    assert response.status_code == 200, response.json
    return {m["email"]: m for m in response.json["items"]}


def owner_membership(tenant) -> dict:
    return members_by_email(tenant)[tenant.user["email"]]


def new_key(tenant, scopes: list[str] | None, name: str = "integration") -> dict:
    body = {"name": name} if scopes is None else {"name": name, "scopes": scopes}
    response = tenant.post("/api/v1/api-keys", json=body)
    assert response.status_code == 201, response.json
    return response.json


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


# Sign-up ------------------------------------------------------------------------------------


def test_signing_up_answers_201_with_the_workspace_its_owner_and_a_first_api_key(client):
    response = client.post("/api/v1/tenants", json=signup_body("acme", admin_name="Li Wei"))

    assert response.status_code == 201, response.json
    data = response.json
    assert set(data) == {"tenant", "user", "api_key"}
    tenant, user = data["tenant"], data["user"]
    assert isinstance(tenant["id"], str) and uuid.UUID(tenant["id"])
    assert isinstance(user["id"], str) and uuid.UUID(user["id"])
    assert (tenant["slug"], tenant["name"], tenant["status"]) == ("acme", "Acme Tea", "active")
    assert tenant["settings"] == {"currency": "CNY", "timezone": "Asia/Shanghai", "locale": "zh_CN",
                                  "phone_region": "CN"}
    assert user == {"id": user["id"], "email": "boss@acme.example", "name": "Li Wei"}
    assert "admin_password" not in str(data) and PASSWORD not in str(data)
    assert data["api_key"].startswith("rtn_")


def test_the_first_api_key_speaks_for_the_new_workspace_as_its_owner_member(client):
    data = client.post("/api/v1/tenants", json=signup_body("acme")).json

    me = client.get("/api/v1/tenant", headers=bearer(data["api_key"]))
    members = client.get("/api/v1/members", headers=bearer(data["api_key"]))

    assert me.status_code == 200 and me.json["id"] == data["tenant"]["id"]
    assert [(m["user_id"], m["email"], m["role"]) for m in members.json["items"]] == [
        (data["user"]["id"], "boss@acme.example", "owner")]


def test_sign_up_accepts_settings_of_its_own(client):
    settings = {"currency": "USD", "timezone": "America/New_York", "locale": "en", "phone_region": "US"}
    response = client.post("/api/v1/tenants", json=signup_body("acme", settings=settings))

    assert response.status_code == 201, response.json
    assert response.json["tenant"]["settings"] == settings


def test_the_password_is_stored_as_an_argon2id_hash(app, client):
    client.post("/api/v1/tenants", json=signup_body("acme"))

    stored = password_hash_of(app, "boss@acme.example")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_the_email_is_stored_in_lower_case_so_one_address_is_one_account(client):
    response = client.post("/api/v1/tenants", json=signup_body("acme", admin_email="Boss@ACME.Example"))

    assert response.status_code == 201, response.json
    assert response.json["user"]["email"] == "boss@acme.example"
    again = client.post("/api/v1/tenants", json=signup_body("acme-two", admin_email="BOSS@acme.example",
                                                             admin_password="some other long password"))
    assert again.status_code == 409


@pytest.mark.backend_independent
@pytest.mark.parametrize("change, field", [
    pytest.param({"slug": "Acme_Tea"}, "slug", id="slug with upper case and underscore"),
    pytest.param({"slug": "-acme"}, "slug", id="slug starting with a dash"),
    pytest.param({"slug": "acme-"}, "slug", id="slug ending with a dash"),
    pytest.param({"slug": "ab"}, "slug", id="slug too short"),
    pytest.param({"slug": "a" * 51}, "slug", id="slug too long"),
    pytest.param({"slug": "admin"}, "slug", id="reserved slug admin"),
    pytest.param({"slug": "api"}, "slug", id="reserved slug api"),
    pytest.param({"slug": "login"}, "slug", id="reserved slug login"),
    pytest.param({"admin_password": "short"}, "admin_password", id="password too short"),
    pytest.param({"admin_password": "boss@acme.example"}, "admin_password", id="password equal to email"),
    pytest.param({"admin_email": "not-an-email"}, "admin_email", id="bad email"),
    pytest.param({"company_name": ""}, "company_name", id="empty company name"),
    pytest.param({"plan": "gold"}, "plan", id="unknown field"),
    pytest.param({"settings": {"currency": "XYZ"}}, "settings", id="unknown currency"),
    pytest.param({"settings": {"timezone": "Mars/Olympus"}}, "settings", id="unknown time zone"),
    pytest.param({"settings": {"timezone": "Asia"}}, "settings", id="time zone that is a tzdata folder"),
    pytest.param({"settings": {"locale": "fr"}}, "settings", id="unsupported locale"),
])
def test_an_invalid_sign_up_answers_422_with_the_field_and_writes_nothing(app, client, change, field):
    before = row_counts(app)

    response = client.post("/api/v1/tenants", json={**signup_body("acme"), **change})

    assert_error(response, 422, code="invalid", field=field)
    assert row_counts(app) == before


@pytest.mark.backend_independent
@pytest.mark.parametrize("missing", ["company_name", "slug", "admin_email", "admin_password"])
def test_a_sign_up_without_a_required_field_answers_422_naming_it(app, client, missing):
    body = signup_body("acme")
    del body[missing]

    response = client.post("/api/v1/tenants", json=body)

    assert_error(response, 422, code="invalid", field=missing)
    assert row_counts(app) == (0, 0)


@pytest.mark.backend_independent
def test_a_sign_up_with_malformed_json_answers_400_and_writes_nothing(app, client):
    response = client.post("/api/v1/tenants", data='{"slug": "acme",', content_type="application/json")

    assert_error(response, 400, code="bad_request")
    assert row_counts(app) == (0, 0)


def test_a_taken_slug_answers_409_and_writes_nothing(app, client):
    client.post("/api/v1/tenants", json=signup_body("acme"))
    before = row_counts(app)

    response = client.post("/api/v1/tenants", json=signup_body("acme", admin_email="other@example.com"))

    assert_error(response, 409, code="conflict", field="slug")
    assert row_counts(app) == before


def test_a_registered_email_with_the_wrong_password_cannot_sign_up_another_company(app, client):
    client.post("/api/v1/tenants", json=signup_body("acme"))
    before = row_counts(app)

    response = client.post("/api/v1/tenants", json=signup_body(
        "beta", admin_email="boss@acme.example", admin_password="not the right password"))

    assert_error(response, 409, code="conflict", field="admin_email")
    assert row_counts(app) == before


def test_a_registered_email_with_its_password_signs_up_a_second_company_and_owns_both(app, client):
    first = client.post("/api/v1/tenants", json=signup_body("acme")).json

    response = client.post("/api/v1/tenants", json=signup_body("beta", admin_email="boss@acme.example"))

    assert response.status_code == 201, response.json
    second = response.json
    assert second["user"]["id"] == first["user"]["id"]
    assert second["tenant"]["id"] != first["tenant"]["id"]
    assert row_counts(app) == (2, 1)
    for data in (first, second):
        members = client.get("/api/v1/members", headers=bearer(data["api_key"])).json["items"]
        assert [(m["user_id"], m["role"]) for m in members] == [(first["user"]["id"], "owner")]


# The workspace ------------------------------------------------------------------------------


def test_the_tenant_endpoint_shows_the_workspace_of_the_credentials(tenant_a, tenant_b):
    assert tenant_a.get("/api/v1/tenant").json["id"] == tenant_a.tenant["id"]
    assert tenant_b.get("/api/v1/tenant").json["id"] == tenant_b.tenant["id"]


def test_an_admin_renames_the_workspace_and_changes_settings_keeping_the_others(tenant_a):
    response = tenant_a.patch("/api/v1/tenant", json={"name": "Acme Tea Ltd", "settings": {"currency": "USD"}})

    assert response.status_code == 200, response.json
    expected_settings = {"currency": "USD", "timezone": "Asia/Shanghai", "locale": "zh_CN", "phone_region": "CN"}
    assert response.json["name"] == "Acme Tea Ltd"
    assert response.json["settings"] == expected_settings
    again = tenant_a.get("/api/v1/tenant").json
    assert (again["name"], again["settings"]) == ("Acme Tea Ltd", expected_settings)


def test_changing_the_time_zone_and_locale_is_kept(tenant_a):
    response = tenant_a.patch("/api/v1/tenant", json={"settings": {"timezone": "Europe/Berlin", "locale": "en"}})

    assert response.status_code == 200, response.json
    assert tenant_a.get("/api/v1/tenant").json["settings"] == {
        "currency": "CNY", "timezone": "Europe/Berlin", "locale": "en", "phone_region": "CN"}


@pytest.mark.backend_independent
@pytest.mark.parametrize("body", [
    pytest.param({"settings": {"currency": "XYZ"}}, id="unknown currency"),
    pytest.param({"settings": {"currency": "usd"}}, id="lower-case currency"),
    pytest.param({"settings": {"currency": "DOLLAR"}}, id="currency too long"),
    pytest.param({"settings": {"timezone": "Mars/Olympus"}}, id="unknown time zone"),
    pytest.param({"settings": {"timezone": "Asia"}}, id="time zone that is a tzdata folder"),
    pytest.param({"settings": {"timezone": "../../etc/passwd"}}, id="time zone outside tzdata"),
    pytest.param({"settings": {"locale": "fr"}}, id="unsupported locale"),
    pytest.param({"settings": {"colour": "red"}}, id="unknown setting"),
    pytest.param({"name": ""}, id="empty name"),
    pytest.param({"slug": "renamed"}, id="slug is read-only"),
])
def test_an_invalid_workspace_change_answers_422_and_changes_nothing(tenant_a, body):
    before = tenant_a.get("/api/v1/tenant").json

    response = tenant_a.patch("/api/v1/tenant", json=body)

    assert_error(response, 422, code="invalid")
    assert tenant_a.get("/api/v1/tenant").json == before


def test_one_workspace_s_settings_change_leaves_another_alone(tenant_a, tenant_b):
    tenant_a.patch("/api/v1/tenant", json={"settings": {"currency": "EUR"}})

    assert tenant_b.get("/api/v1/tenant").json["settings"]["currency"] == "CNY"


# Members ------------------------------------------------------------------------------------


def test_an_admin_adds_a_new_person_with_a_password_who_can_then_sign_in(app, tenant_a):
    response = tenant_a.post("/api/v1/members", json={
        "email": "mei@acme.example", "name": "Mei", "password": PASSWORD, "role": "agent", "team": "north"})

    assert response.status_code == 201, response.json
    member = response.json
    assert uuid.UUID(member["id"]) and uuid.UUID(member["user_id"])
    assert (member["email"], member["name"], member["role"], member["team"]) == (
        "mei@acme.example", "Mei", "agent", "north")
    assert "password" not in member
    assert password_hash_of(app, "mei@acme.example").startswith("$argon2id$")
    assert set(members_by_email(tenant_a)) == {tenant_a.user["email"], "mei@acme.example"}
    mei = SessionClient(app, "mei@acme.example")
    assert mei.get("/api/v1/tenant").json["id"] == tenant_a.tenant["id"]


def test_a_new_person_without_a_password_is_invited_and_has_no_password_until_they_choose_one(app, tenant_a):
    response = tenant_a.post("/api/v1/members", json={"email": "mei@acme.example", "name": "Mei", "role": "agent"})

    assert response.status_code == 201, response.json
    assert (response.json["status"], response.json["name"]) == ("invited", "Mei")
    assert password_hash_of(app, "mei@acme.example") == ""  # no password matches it: no way in yet
    assert members_by_email(tenant_a)["mei@acme.example"]["status"] == "invited"


@pytest.mark.backend_independent
def test_a_new_person_with_a_weak_password_answers_422(app, tenant_a):
    before = row_counts(app)

    response = tenant_a.post("/api/v1/members", json={"email": "mei@acme.example", "role": "agent",
                                                       "password": "short"})

    assert_error(response, 422, code="invalid", field="password")
    assert row_counts(app) == before


@pytest.mark.backend_independent
@pytest.mark.parametrize("body, field", [
    pytest.param({"email": "mei@acme.example", "role": "boss", "password": PASSWORD}, "role", id="unknown role"),
    pytest.param({"email": "nope", "role": "agent", "password": PASSWORD}, "email", id="bad email"),
    pytest.param({"role": "agent", "password": PASSWORD}, "email", id="no email"),
    pytest.param({"email": "mei@acme.example", "password": PASSWORD}, "role", id="no role"),
])
def test_an_invalid_member_answers_422_naming_the_field(app, tenant_a, body, field):
    before = row_counts(app)

    response = tenant_a.post("/api/v1/members", json=body)

    assert_error(response, 422, code="invalid", field=field)
    assert row_counts(app) == before


def test_an_existing_user_is_added_without_a_password_and_then_belongs_to_both_workspaces(app, tenant_a, tenant_b):
    response = tenant_a.post("/api/v1/members", json={"email": tenant_b.user["email"], "role": "manager"})

    assert response.status_code == 201, response.json
    assert response.json["user_id"] == tenant_b.user["id"]
    assert members_by_email(tenant_a)[tenant_b.user["email"]]["role"] == "manager"
    assert members_by_email(tenant_b)[tenant_b.user["email"]]["role"] == "owner"
    # Their own password still signs them in; being added did not change it.
    person = SessionClient(app, tenant_b.user["email"], tenant_b.password)
    landing = person.get("/").get_data(as_text=True)
    assert tenant_a.tenant["name"] in landing and tenant_b.tenant["name"] in landing


def test_adding_someone_who_is_already_a_member_answers_409(tenant_a):
    member = add_member(tenant_a, "agent")

    response = tenant_a.post("/api/v1/members", json={"email": member["email"], "role": "viewer"})

    assert_error(response, 409, code="conflict", field="email")
    assert members_by_email(tenant_a)[member["email"]]["role"] == "agent"


def test_an_admin_changes_a_member_s_role_and_keeps_the_team(tenant_a):
    member = add_member(tenant_a, "agent", team="north")

    response = tenant_a.patch(f"/api/v1/members/{member['id']}", json={"role": "manager"})

    assert response.status_code == 200, response.json
    assert (response.json["role"], response.json["team"]) == ("manager", "north")
    assert members_by_email(tenant_a)[member["email"]]["role"] == "manager"


def test_an_admin_moves_a_member_to_another_team_and_then_out_of_any(tenant_a):
    member = add_member(tenant_a, "agent", team="north")

    moved = tenant_a.patch(f"/api/v1/members/{member['id']}", json={"team": "south"})
    assert moved.status_code == 200, moved.json
    assert (moved.json["role"], moved.json["team"]) == ("agent", "south")

    cleared = tenant_a.patch(f"/api/v1/members/{member['id']}", json={"team": None})
    assert cleared.status_code == 200, cleared.json
    assert members_by_email(tenant_a)[member["email"]]["team"] is None


def test_a_member_of_another_workspace_answers_404(tenant_a, tenant_b):
    other = add_member(tenant_b, "agent")

    assert_error(tenant_a.patch(f"/api/v1/members/{other['id']}", json={"role": "viewer"}), 404, code="not_found")
    assert_error(tenant_a.delete(f"/api/v1/members/{other['id']}"), 404, code="not_found")
    assert members_by_email(tenant_b)[other["email"]]["role"] == "agent"


def test_an_unknown_member_answers_404(tenant_a):
    assert_error(tenant_a.delete(f"/api/v1/members/{uuid.uuid4()}"), 404, code="not_found")


def test_the_last_owner_can_be_neither_removed_nor_demoted(app, tenant_a):
    owner = SessionClient(app, tenant_a.user["email"], tenant_a.password)
    me = owner_membership(tenant_a)

    assert_error(owner.delete(f"/api/v1/members/{me['id']}"), 409, code="conflict")
    assert_error(owner.patch(f"/api/v1/members/{me['id']}", json={"role": "admin"}), 409, code="conflict")
    assert owner_membership(tenant_a)["role"] == "owner"


def test_an_invited_owner_who_has_not_joined_does_not_let_the_last_active_owner_step_down(app, tenant_a):
    """Until they accept, an invited owner cannot manage or delete the workspace: it still needs
    the active one (the rule account deletion applies too)."""
    owner = SessionClient(app, tenant_a.user["email"], tenant_a.password)
    invited = owner.post("/api/v1/members", json={"email": "later@acme.example", "role": "owner"})
    assert invited.status_code == 201 and invited.json["status"] == "invited", invited.json
    me = owner_membership(tenant_a)

    assert_error(owner.patch(f"/api/v1/members/{me['id']}", json={"role": "admin"}), 409, code="conflict")
    assert_error(owner.delete(f"/api/v1/members/{me['id']}"), 409, code="conflict")
    assert owner_membership(tenant_a)["role"] == "owner"
    assert owner.delete(f"/api/v1/members/{invited.json['id']}").status_code == 204


def test_an_owner_may_step_down_once_there_is_another_owner(app, tenant_a):
    owner = SessionClient(app, tenant_a.user["email"], tenant_a.password)
    response = owner.post("/api/v1/members", json={"email": "second@acme.example", "password": PASSWORD,
                                                   "role": "owner"})
    assert response.status_code == 201, response.json

    demoted = owner.patch(f"/api/v1/members/{owner_membership(tenant_a)['id']}", json={"role": "admin"})

    assert demoted.status_code == 200, demoted.json
    roles = {email: m["role"] for email, m in members_by_email(tenant_a).items()}
    assert roles == {tenant_a.user["email"]: "admin", "second@acme.example": "owner"}


def test_an_owner_removes_another_owner(app, tenant_a):
    owner = SessionClient(app, tenant_a.user["email"], tenant_a.password)
    second = owner.post("/api/v1/members", json={"email": "second@acme.example", "password": PASSWORD,
                                                 "role": "owner"}).json

    response = owner.delete(f"/api/v1/members/{second['id']}")

    assert response.status_code == 204
    assert set(members_by_email(tenant_a)) == {tenant_a.user["email"]}


def test_an_admin_key_cannot_grant_take_or_remove_the_owner_role(tenant_a):
    """An admin-scoped API key acts as an admin, and only owners handle the owner role."""
    agent = add_member(tenant_a, "agent")
    owner = owner_membership(tenant_a)
    before = members_by_email(tenant_a)

    assert_error(tenant_a.post("/api/v1/members", json={"email": "x@acme.example", "password": PASSWORD,
                                                         "role": "owner"}), 403, code="forbidden")
    assert_error(tenant_a.patch(f"/api/v1/members/{agent['id']}", json={"role": "owner"}), 403, code="forbidden")
    assert_error(tenant_a.patch(f"/api/v1/members/{owner['id']}", json={"role": "viewer"}), 403, code="forbidden")
    assert_error(tenant_a.delete(f"/api/v1/members/{owner['id']}"), 403, code="forbidden")
    assert members_by_email(tenant_a) == before


def test_an_admin_member_cannot_grant_the_owner_role_but_can_grant_admin(app, tenant_a):
    admin_member = add_member(tenant_a, "admin")
    agent = add_member(tenant_a, "agent")
    admin = SessionClient(app, admin_member["email"])

    assert_error(admin.patch(f"/api/v1/members/{agent['id']}", json={"role": "owner"}), 403, code="forbidden")
    assert members_by_email(tenant_a)[agent["email"]]["role"] == "agent"
    promoted = admin.patch(f"/api/v1/members/{agent['id']}", json={"role": "admin"})
    assert promoted.status_code == 200, promoted.json
    assert promoted.json["role"] == "admin"


def test_removing_a_member_clears_them_as_account_manager_of_their_customers(app, tenant_a):
    agent = add_member(tenant_a, "agent")
    theirs = tenant_a.customer(owner_id=agent["user_id"])
    others = tenant_a.customer(owner_id=tenant_a.user["id"])

    response = tenant_a.delete(f"/api/v1/members/{agent['id']}")

    assert response.status_code == 204
    assert tenant_a.get(f"/api/v1/customers/{theirs['id']}").json["owner_id"] is None
    assert tenant_a.get(f"/api/v1/customers/{others['id']}").json["owner_id"] == tenant_a.user["id"]
    assert agent["email"] not in members_by_email(tenant_a)
    with app.app_context(), tenant_context(tenant_a.id):  # for the modules to hand their work on
        [removed] = db.session.scalars(sa.select(OutboxEvent.data).where(OutboxEvent.type == "member.removed")).all()
    assert removed == {"user_id": agent["user_id"], "team": None, "customers": 1}


def test_a_removed_member_s_session_no_longer_reaches_the_workspace(app, tenant_a):
    agent = add_member(tenant_a, "agent")
    person = SessionClient(app, agent["email"])
    assert person.get("/api/v1/customers").status_code == 200

    tenant_a.delete(f"/api/v1/members/{agent['id']}")

    assert_error(person.get("/api/v1/customers"), 401, code="unauthorized")


# API keys -----------------------------------------------------------------------------------


def test_a_new_key_is_shown_in_full_only_in_the_answer_that_creates_it(tenant_a):
    created = new_key(tenant_a, ["read", "write"], name="shop")

    assert uuid.UUID(created["id"])
    assert (created["name"], created["scopes"]) == ("shop", ["read", "write"])
    assert created["key"].startswith(f"rtn_{created['prefix']}_")
    assert created["last_used_at"] is None and created["revoked_at"] is None

    listing = tenant_a.get("/api/v1/api-keys")
    assert listing.status_code == 200
    assert created["key"] not in listing.get_data(as_text=True)
    secret = created["key"].removeprefix(f"rtn_{created['prefix']}_")  # may itself hold "_"
    assert secret not in listing.get_data(as_text=True)
    listed = {k["id"]: k for k in listing.json["items"]}
    assert "key" not in listed[created["id"]]
    assert {k: listed[created["id"]][k] for k in ("name", "prefix", "scopes", "last_used_at", "revoked_at")} == {
        "name": "shop", "prefix": created["prefix"], "scopes": ["read", "write"],
        "last_used_at": None, "revoked_at": None}


def test_the_key_list_holds_the_sign_up_key_with_every_scope(tenant_a):
    items = tenant_a.get("/api/v1/api-keys").json["items"]

    assert len(items) == 1
    assert tenant_a.key.startswith(f"rtn_{items[0]['prefix']}_")
    assert items[0]["scopes"] == ["admin", "read", "write"]


def test_a_key_without_scopes_given_is_read_only(tenant_a):
    created = new_key(tenant_a, None)

    assert created["scopes"] == ["read"]


@pytest.mark.backend_independent
@pytest.mark.parametrize("body, field", [
    pytest.param({"name": "x", "scopes": ["superuser"]}, "scopes", id="unknown scope"),
    pytest.param({"name": "x", "scopes": []}, "scopes", id="no scopes"),
    pytest.param({"scopes": ["read"]}, "name", id="no name"),
    pytest.param({"name": "", "scopes": ["read"]}, "name", id="empty name"),
])
def test_an_invalid_key_request_answers_422(tenant_a, body, field):
    response = tenant_a.post("/api/v1/api-keys", json=body)

    assert_error(response, 422, code="invalid", field=field)
    assert len(tenant_a.get("/api/v1/api-keys").json["items"]) == 1


def test_a_key_records_when_it_was_last_used(tenant_a):
    created = new_key(tenant_a, ["read"])
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)

    assert tenant_a.get("/api/v1/customers", headers=bearer(created["key"])).status_code == 200

    listed = {k["id"]: k for k in tenant_a.get("/api/v1/api-keys").json["items"]}
    used = dt.datetime.fromisoformat(listed[created["id"]]["last_used_at"])
    assert before <= used <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)


def test_a_revoked_key_answers_401(tenant_a):
    created = new_key(tenant_a, ["read", "write"])
    assert tenant_a.get("/api/v1/customers", headers=bearer(created["key"])).status_code == 200

    response = tenant_a.delete(f"/api/v1/api-keys/{created['id']}")

    assert response.status_code == 204
    refused = tenant_a.get("/api/v1/customers", headers=bearer(created["key"]))
    assert_error(refused, 401, code="unauthorized")
    assert refused.headers["WWW-Authenticate"].lower().startswith("bearer")
    listed = {k["id"]: k for k in tenant_a.get("/api/v1/api-keys").json["items"]}
    assert listed[created["id"]]["revoked_at"] is not None


def test_revoking_a_key_twice_keeps_the_first_revocation_time(tenant_a):
    created = new_key(tenant_a, ["read"])
    tenant_a.delete(f"/api/v1/api-keys/{created['id']}")
    first = {k["id"]: k for k in tenant_a.get("/api/v1/api-keys").json["items"]}[created["id"]]["revoked_at"]

    assert tenant_a.delete(f"/api/v1/api-keys/{created['id']}").status_code == 204

    again = {k["id"]: k for k in tenant_a.get("/api/v1/api-keys").json["items"]}[created["id"]]["revoked_at"]
    assert again == first


def test_another_workspace_s_key_cannot_be_revoked_or_listed(tenant_a, tenant_b):
    theirs = new_key(tenant_b, ["read"])

    assert_error(tenant_a.delete(f"/api/v1/api-keys/{theirs['id']}"), 404, code="not_found")
    assert theirs["id"] not in {k["id"] for k in tenant_a.get("/api/v1/api-keys").json["items"]}
    assert tenant_b.get("/api/v1/customers", headers=bearer(theirs["key"])).status_code == 200


@pytest.mark.parametrize("key", [
    pytest.param("rtn_000000000000_not-a-real-secret", id="unknown prefix"),
    pytest.param("garbage", id="not a key at all"),
])
def test_an_unknown_key_answers_401(client, tenant_a, key):
    assert_error(client.get("/api/v1/customers", headers=bearer(key)), 401, code="unauthorized")


def test_a_key_with_the_right_prefix_and_a_wrong_secret_answers_401(client, tenant_a):
    prefix = tenant_a.key.split("_")[1]

    assert_error(client.get("/api/v1/customers", headers=bearer(f"rtn_{prefix}_wrong-secret")), 401)


def test_a_read_only_key_reads_but_cannot_write(tenant_a):
    tenant_a.customer(name="Existing")
    read_only = bearer(new_key(tenant_a, ["read"])["key"])

    listed = tenant_a.get("/api/v1/customers", headers=read_only)
    assert listed.status_code == 200 and [c["name"] for c in listed.json["items"]] == ["Existing"]
    assert_error(tenant_a.post("/api/v1/customers", headers=read_only, json={"name": "New"}), 403, code="forbidden")
    assert [c["name"] for c in tenant_a.get("/api/v1/customers").json["items"]] == ["Existing"]


ADMIN_ONLY = [
    ("POST", "/api/v1/members", {"email": "x@acme.example", "role": "agent", "password": PASSWORD}),
    ("GET", "/api/v1/api-keys", None),
    ("POST", "/api/v1/api-keys", {"name": "escalate", "scopes": ["admin"]}),
    ("PATCH", "/api/v1/tenant", {"name": "Taken over"}),
    ("GET", "/api/v1/audit-log", None),
]


@pytest.mark.parametrize("method, path, body", ADMIN_ONLY, ids=[f"{m} {p}" for m, p, _ in ADMIN_ONLY])
def test_a_key_without_the_admin_scope_gets_403_on_admin_endpoints(tenant_a, method, path, body):
    key = bearer(new_key(tenant_a, ["read", "write"])["key"])
    keys_before = len(tenant_a.get("/api/v1/api-keys").json["items"])

    response = tenant_a.open(method, path, headers=key, json=body)

    assert_error(response, 403, code="forbidden")
    assert tenant_a.get("/api/v1/tenant").json["name"] == tenant_a.tenant["name"]
    assert set(members_by_email(tenant_a)) == {tenant_a.user["email"]}
    assert len(tenant_a.get("/api/v1/api-keys").json["items"]) == keys_before


def test_a_key_without_the_admin_scope_cannot_revoke_keys(tenant_a):
    writer = new_key(tenant_a, ["read", "write"])

    response = tenant_a.delete(f"/api/v1/api-keys/{writer['id']}", headers=bearer(writer["key"]))

    assert_error(response, 403, code="forbidden")
    assert tenant_a.get("/api/v1/customers", headers=bearer(writer["key"])).status_code == 200


def test_a_key_without_the_admin_scope_still_reads_the_workspace_and_its_members(tenant_a):
    key = bearer(new_key(tenant_a, ["read"])["key"])

    assert tenant_a.get("/api/v1/tenant", headers=key).json["id"] == tenant_a.tenant["id"]
    assert [m["email"] for m in tenant_a.get("/api/v1/members", headers=key).json["items"]] == [
        tenant_a.user["email"]]


def test_an_admin_key_reads_the_audit_log(tenant_a):
    assert tenant_a.get("/api/v1/audit-log").status_code == 200
