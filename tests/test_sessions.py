"""Signing in through the ``/login`` form, and what a cookie session may do with the API.

CSRF protection is on, as in production: every form post and every cookie-authenticated API
write must carry the token that the server rendered into the page.

The tests of the form, of CSRF and of signing out run once, on SQLite (``backend_independent``):
the password, the cookie and the token decide them. Those that read or write a workspace's data
through a session, or depend on its memberships and roles, run on both databases: on PostgreSQL a
session's membership is read through a row-level-security look-up policy of its own.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from saas.core.accounts import User
from saas.core.db import db

PASSWORD = "a long enough password"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_on(client, path: str = "/login") -> str:
    page = client.get(path)
    assert page.status_code == 200
    match = CSRF_INPUT.search(page.get_data(as_text=True))
    assert match, f"no csrf_token input on {path}"
    return match.group(1)


def post_login(client, email: str, password: str, token: str | None = None):
    token = csrf_token_on(client) if token is None else token
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def signed_in(app, email: str, password: str = PASSWORD):
    """A fresh browser signed in as ``email``; returns it and the CSRF token from the landing page."""
    browser = app.test_client()
    response = post_login(browser, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser, csrf_token_on(browser, "/")


def add_member(tenant, role: str) -> str:
    email = f"{role}@{tenant.tenant['slug']}.example"
    response = tenant.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role})
    assert response.status_code == 201, response.json
    return email


def api_error_code(response) -> str:
    return response.json["error"]["code"]


# The form -----------------------------------------------------------------------------------


@pytest.mark.backend_independent
def test_the_login_page_shows_a_form_with_a_csrf_token(client):
    response = client.get("/login")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'<form[^>]*method="post"[^>]*action="/login"', page)
    assert 'name="email"' in page and 'name="password"' in page
    assert CSRF_INPUT.search(page)


@pytest.mark.backend_independent
def test_a_wrong_password_answers_401_and_signs_nobody_in(client, tenant_a):
    browser = client.application.test_client()

    response = post_login(browser, tenant_a.user["email"], "not the password at all")

    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert browser.get("/api/v1/customers").status_code == 401
    assert tenant_a.user["email"] not in browser.get("/").get_data(as_text=True)


@pytest.mark.backend_independent
def test_an_unknown_email_answers_401_like_a_wrong_password(client, tenant_a):
    browser = client.application.test_client()

    response = post_login(browser, "nobody@tenant-a.example", PASSWORD)

    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)


@pytest.mark.backend_independent
def test_a_malformed_email_answers_400_with_the_form_again(client, tenant_a):
    browser = client.application.test_client()

    response = post_login(browser, "not-an-email", PASSWORD)

    assert response.status_code == 400
    assert CSRF_INPUT.search(response.get_data(as_text=True))
    assert browser.get("/api/v1/customers").status_code == 401


def test_the_right_password_redirects_to_the_landing_page_naming_the_workspace(client, tenant_a):
    browser = client.application.test_client()

    response = post_login(browser, tenant_a.user["email"], tenant_a.password)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    landing = browser.get("/")
    assert landing.status_code == 200
    assert re.search(r'class="workspace">Company tenant-a<', landing.get_data(as_text=True))


@pytest.mark.backend_independent
@pytest.mark.parametrize("target, lands_on", [
    ("/birthdays/?x=1", "/birthdays/?x=1"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example/", "/"),
    ("javascript:alert(1)", "/"),
    ("", "/"),
])
def test_signing_in_returns_to_the_page_asked_for_but_never_to_another_site(client, tenant_a, target, lands_on):
    browser = client.application.test_client()
    token = csrf_token_on(browser)
    response = browser.post("/login", query_string={"next": target},
                            data={"email": tenant_a.user["email"], "password": tenant_a.password, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == lands_on


def test_the_email_s_domain_may_be_typed_in_any_case(client, tenant_a):
    browser = client.application.test_client()

    response = post_login(browser, "owner@TENANT-A.Example", tenant_a.password)

    assert response.status_code == 302


@pytest.mark.backend_independent
def test_a_login_post_without_the_csrf_token_is_refused_with_400(client, tenant_a):
    browser = client.application.test_client()
    browser.get("/login")

    response = browser.post("/login", data={"email": tenant_a.user["email"], "password": tenant_a.password})

    assert response.status_code == 400
    assert browser.get("/api/v1/customers").status_code == 401


@pytest.mark.backend_independent
def test_a_login_post_with_a_forged_csrf_token_is_refused_with_400(client, tenant_a):
    browser = client.application.test_client()

    response = post_login(browser, tenant_a.user["email"], tenant_a.password, token="forged")

    assert response.status_code == 400
    assert browser.get("/api/v1/customers").status_code == 401


# The API with a cookie ----------------------------------------------------------------------


def test_a_signed_in_browser_reads_the_api_with_its_cookie_alone(app, tenant_a):
    tenant_a.customer(name="Known customer")
    browser, _ = signed_in(app, tenant_a.user["email"], tenant_a.password)

    response = browser.get("/api/v1/customers")

    assert response.status_code == 200, response.json
    assert [c["name"] for c in response.json["items"]] == ["Known customer"]
    assert browser.get("/api/v1/tenant").json["id"] == tenant_a.tenant["id"]


@pytest.mark.backend_independent
def test_a_cookie_write_without_the_csrf_header_is_refused_with_400(app, tenant_a):
    browser, _ = signed_in(app, tenant_a.user["email"], tenant_a.password)

    response = browser.post("/api/v1/customers", json={"name": "Sneaky"})

    assert response.status_code == 400
    assert api_error_code(response) == "csrf_failed"
    assert set(response.json["error"]) == {"code", "message", "fields"}
    assert tenant_a.get("/api/v1/customers").json["items"] == []


@pytest.mark.backend_independent
def test_a_cookie_write_with_a_forged_csrf_header_is_refused_with_400(app, tenant_a):
    browser, _ = signed_in(app, tenant_a.user["email"], tenant_a.password)

    response = browser.post("/api/v1/customers", json={"name": "Sneaky"}, headers={"X-CSRFToken": "forged"})

    assert response.status_code == 400
    assert api_error_code(response) == "csrf_failed"
    assert tenant_a.get("/api/v1/customers").json["items"] == []


def test_a_cookie_write_with_the_page_s_csrf_token_succeeds(app, tenant_a):
    browser, token = signed_in(app, tenant_a.user["email"], tenant_a.password)

    response = browser.post("/api/v1/customers", json={"name": "Welcome"}, headers={"X-CSRFToken": token})

    assert response.status_code == 201, response.json
    assert [c["name"] for c in tenant_a.get("/api/v1/customers").json["items"]] == ["Welcome"]


def test_a_session_acts_in_its_own_workspace_only(app, tenant_a, tenant_b):
    tenant_b.customer(name="Someone else's")
    browser, token = signed_in(app, tenant_a.user["email"], tenant_a.password)

    browser.post("/api/v1/customers", json={"name": "Ours"}, headers={"X-CSRFToken": token})

    assert [c["name"] for c in browser.get("/api/v1/customers").json["items"]] == ["Ours"]
    assert [c["name"] for c in tenant_b.get("/api/v1/customers").json["items"]] == ["Someone else's"]


# Roles --------------------------------------------------------------------------------------


def test_a_viewer_reads_but_gets_403_writing_a_customer(app, tenant_a):
    browser, token = signed_in(app, add_member(tenant_a, "viewer"))

    assert browser.get("/api/v1/customers").status_code == 200
    response = browser.post("/api/v1/customers", json={"name": "Nope"}, headers={"X-CSRFToken": token})

    assert response.status_code == 403
    assert api_error_code(response) == "forbidden"
    assert tenant_a.get("/api/v1/customers").json["items"] == []


def test_an_agent_creates_a_customer(app, tenant_a):
    browser, token = signed_in(app, add_member(tenant_a, "agent"))

    response = browser.post("/api/v1/customers", json={"name": "Agent's find"}, headers={"X-CSRFToken": token})

    assert response.status_code == 201, response.json


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/v1/members", {"email": "friend@tenant-a.example", "password": PASSWORD, "role": "admin"}),
    ("GET", "/api/v1/api-keys", None),
    ("POST", "/api/v1/api-keys", {"name": "mine", "scopes": ["admin"]}),
    ("PATCH", "/api/v1/tenant", {"name": "Mine now"}),
    ("GET", "/api/v1/audit-log", None),
])
def test_an_agent_gets_403_on_admin_endpoints(app, tenant_a, method, path, body):
    browser, token = signed_in(app, add_member(tenant_a, "agent"))

    response = browser.open(path, method=method, json=body, headers={"X-CSRFToken": token})

    assert response.status_code == 403
    assert api_error_code(response) == "forbidden"
    members = [m["email"] for m in tenant_a.get("/api/v1/members").json["items"]]
    assert "friend@tenant-a.example" not in members
    assert tenant_a.get("/api/v1/tenant").json["name"] == "Company tenant-a"
    assert len(tenant_a.get("/api/v1/api-keys").json["items"]) == 1


def test_an_admin_member_adds_a_member(app, tenant_a):
    browser, token = signed_in(app, add_member(tenant_a, "admin"))

    response = browser.post("/api/v1/members", headers={"X-CSRFToken": token},
                            json={"email": "friend@tenant-a.example", "password": PASSWORD, "role": "agent"})

    assert response.status_code == 201, response.json


def test_a_role_change_applies_to_an_open_session_at_once(app, tenant_a):
    email = add_member(tenant_a, "agent")
    browser, token = signed_in(app, email)
    member = next(m for m in tenant_a.get("/api/v1/members").json["items"] if m["email"] == email)

    tenant_a.patch(f"/api/v1/members/{member['id']}", json={"role": "viewer"})

    response = browser.post("/api/v1/customers", json={"name": "Late"}, headers={"X-CSRFToken": token})
    assert response.status_code == 403


# Several workspaces -------------------------------------------------------------------------


def test_a_person_in_two_workspaces_switches_between_them(app, tenant_a, tenant_b):
    tenant_a.post("/api/v1/members", json={"email": tenant_b.user["email"], "role": "agent"})
    browser, token = signed_in(app, tenant_b.user["email"], tenant_b.password)
    browser.post(f"/invitations/{tenant_a.tenant['id']}/accept", data={"csrf_token": token})
    assert browser.get("/api/v1/tenant").json["id"] == tenant_b.tenant["id"]

    response = browser.post("/workspace", data={"tenant_id": tenant_a.tenant["id"], "csrf_token": token})

    assert response.status_code == 302
    assert browser.get("/api/v1/tenant").json["id"] == tenant_a.tenant["id"]


def test_another_workspace_cannot_draw_an_existing_account_in_without_its_consent(app, tenant_a, tenant_b):
    invited = tenant_a.post("/api/v1/members", json={"email": tenant_b.user["email"], "role": "agent",
                                                      "name": "renamed", "password": "another long password"})
    assert invited.status_code == 201 and invited.json["status"] == "invited"
    browser, token = signed_in(app, tenant_b.user["email"], tenant_b.password)
    assert browser.get("/api/v1/tenant").json["id"] == tenant_b.tenant["id"]
    browser.post("/workspace", data={"tenant_id": tenant_a.tenant["id"], "csrf_token": token})
    assert browser.get("/api/v1/tenant").json["id"] == tenant_b.tenant["id"]
    browser.post("/language", data={"locale": "en", "csrf_token": token})  # the workspace speaks Chinese
    assert "invited you to join as Agent" in browser.get("/").get_data(as_text=True)  # the role's label, not its code
    browser.post(f"/invitations/{tenant_a.tenant['id']}/decline", data={"csrf_token": token})
    assert [m["email"] for m in tenant_a.get("/api/v1/members").json["items"]] == [tenant_a.user["email"]]
    signed_in(app, tenant_b.user["email"], tenant_b.password)  # the password was not changed


def test_a_person_cannot_switch_to_a_workspace_they_do_not_belong_to(app, tenant_a, tenant_b):
    browser, token = signed_in(app, tenant_a.user["email"], tenant_a.password)

    browser.post("/workspace", data={"tenant_id": tenant_b.tenant["id"], "csrf_token": token})

    assert browser.get("/api/v1/tenant").json["id"] == tenant_a.tenant["id"]


def test_a_person_without_a_workspace_signs_in_but_cannot_use_the_api(app, tenant_a):
    email = add_member(tenant_a, "agent")
    member = next(m for m in tenant_a.get("/api/v1/members").json["items"] if m["email"] == email)
    tenant_a.delete(f"/api/v1/members/{member['id']}")

    browser, _ = signed_in(app, email)

    assert "You do not belong to a workspace yet." in browser.get("/").get_data(as_text=True)
    response = browser.get("/api/v1/customers")
    assert response.status_code == 401
    assert api_error_code(response) == "unauthorized"


# Signing out --------------------------------------------------------------------------------


@pytest.mark.backend_independent
def test_signing_out_ends_the_session(app, tenant_a):
    browser, token = signed_in(app, tenant_a.user["email"], tenant_a.password)
    assert browser.get("/api/v1/customers").status_code == 200

    response = browser.post("/logout", data={"csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    refused = browser.get("/api/v1/customers")
    assert refused.status_code == 401
    assert api_error_code(refused) == "unauthorized"


@pytest.mark.backend_independent
def test_signing_out_without_the_csrf_token_is_refused_and_keeps_the_session(app, tenant_a):
    browser, _ = signed_in(app, tenant_a.user["email"], tenant_a.password)

    response = browser.post("/logout")

    assert response.status_code == 400
    assert browser.get("/api/v1/customers").status_code == 200


@pytest.mark.backend_independent
def test_signing_out_needs_a_post(app, tenant_a):
    browser, _ = signed_in(app, tenant_a.user["email"], tenant_a.password)

    assert browser.get("/logout").status_code == 405
    assert browser.get("/api/v1/customers").status_code == 200


@pytest.mark.backend_independent
def test_a_disabled_account_loses_its_session_at_once(app, tenant_a):
    browser, _ = signed_in(app, tenant_a.user["email"], tenant_a.password)
    assert browser.get("/api/v1/customers").status_code == 200
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == tenant_a.user["email"]).values(is_disabled=True))
        db.session.commit()
    assert browser.get("/api/v1/customers").status_code == 401
