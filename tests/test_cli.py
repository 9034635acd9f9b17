"""Operator commands: ``flask tenants create|list`` and ``flask users create``."""

from __future__ import annotations

import re
import uuid

import pytest

PASSWORD = "a long enough password"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY_LINE = re.compile(r"^API key \(shown once\): (rtn_\S+)$", re.MULTILINE)


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args, **kw):
        return runner.invoke(args=list(args), **kw)

    return invoke


def create_tenant(cli, slug="acme", email=None, password=PASSWORD, name="Acme Tea"):
    return cli("tenants", "create", "--slug", slug, "--name", name,
               "--owner-email", email or f"boss@{slug}.example", "--owner-password", password)


def assert_clean_failure(result, message: str) -> None:
    """A non-zero exit with ``message`` for the operator and no Python traceback."""
    assert result.exit_code != 0, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), result.exception


def slugs_listed(cli) -> list[str]:
    result = cli("tenants", "list")
    assert result.exit_code == 0, result.output
    return [line.split("\t")[0] for line in result.output.splitlines() if line]


def sign_in(app, email: str, password: str = PASSWORD):
    browser = app.test_client()
    token = CSRF_INPUT.search(browser.get("/login").get_data(as_text=True)).group(1)
    response = browser.post("/login", data={"email": email, "password": password, "csrf_token": token})
    return browser, token, response


# flask tenants create -----------------------------------------------------------------------


def test_creating_a_tenant_prints_a_key_that_works_against_the_api(app, cli):
    result = create_tenant(cli)

    assert result.exit_code == 0, result.output
    assert "Created workspace acme" in result.output and "boss@acme.example" in result.output
    key = KEY_LINE.search(result.output).group(1)
    response = app.test_client().get("/api/v1/tenant", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.json
    assert (response.json["slug"], response.json["name"]) == ("acme", "Acme Tea")


def test_the_owner_made_on_the_command_line_signs_in_as_owner(app, cli):
    create_tenant(cli)

    browser, _, response = sign_in(app, "boss@acme.example")

    assert response.status_code == 302
    members = browser.get("/api/v1/members").json["items"]
    assert [(m["email"], m["role"]) for m in members] == [("boss@acme.example", "owner")]


def test_the_owner_password_may_be_typed_at_a_prompt(app, cli):
    result = cli("tenants", "create", "--slug", "acme", "--name", "Acme Tea", "--owner-email", "boss@acme.example",
                 input=f"{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert sign_in(app, "boss@acme.example")[2].status_code == 302


def test_a_duplicate_slug_fails_cleanly_and_creates_nothing_more(cli):
    create_tenant(cli)

    result = create_tenant(cli, email="someone.else@example.com")

    assert_clean_failure(result, "this slug is taken")
    assert "rtn_" not in result.output
    assert slugs_listed(cli) == ["acme"]


@pytest.mark.parametrize("slug, password, message", [
    pytest.param("Not A Slug", PASSWORD, "bad slug", id="bad slug"),
    pytest.param("admin", PASSWORD, "bad slug", id="reserved slug"),
    pytest.param("acme", "short", "weak password", id="weak password"),
])
def test_an_invalid_tenant_fails_cleanly_and_creates_nothing(cli, slug, password, message):
    result = create_tenant(cli, slug=slug, email="boss@acme.example", password=password)

    assert_clean_failure(result, message)
    assert slugs_listed(cli) == []


def test_a_registered_email_with_the_wrong_password_fails_cleanly(cli):
    create_tenant(cli)

    result = create_tenant(cli, slug="beta", email="boss@acme.example", password="some other password")

    assert_clean_failure(result, "this e-mail is registered")
    assert slugs_listed(cli) == ["acme"]


# flask tenants list -------------------------------------------------------------------------


def test_listing_tenants_shows_each_slug_status_id_and_name(cli, tenant_a):
    create_tenant(cli)

    result = cli("tenants", "list")

    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.output.splitlines()]
    assert len(rows) == 2
    by_slug = {row[0]: row for row in rows}
    assert by_slug["tenant-a"] == ["tenant-a", "active", tenant_a.tenant["id"], "Company tenant-a"]
    assert by_slug["acme"][1] == "active" and by_slug["acme"][3] == "Acme Tea"
    assert uuid.UUID(by_slug["acme"][2])


def test_listing_no_tenants_prints_nothing(cli):
    result = cli("tenants", "list")

    assert result.exit_code == 0
    assert result.output == ""


# flask users create -------------------------------------------------------------------------


def test_a_user_created_as_viewer_signs_in_and_can_only_read(app, cli, tenant_a):
    result = cli("users", "create", "--email", "watcher@tenant-a.example", "--password", PASSWORD,
                 "--name", "Watcher", "--tenant", "tenant-a", "--role", "viewer")

    assert result.exit_code == 0, result.output
    assert "watcher@tenant-a.example is now viewer in tenant-a" in result.output
    members = {m["email"]: m for m in tenant_a.get("/api/v1/members").json["items"]}
    assert (members["watcher@tenant-a.example"]["role"], members["watcher@tenant-a.example"]["name"]) == (
        "viewer", "Watcher")
    browser, token, response = sign_in(app, "watcher@tenant-a.example")
    assert response.status_code == 302
    assert browser.get("/api/v1/tenant").json["id"] == tenant_a.tenant["id"]
    assert browser.get("/api/v1/customers").status_code == 200
    assert browser.post("/api/v1/customers", json={"name": "x"}, headers={"X-CSRFToken": token}).status_code == 403


def test_a_user_is_an_agent_in_a_team_unless_told_otherwise(cli, tenant_a):
    result = cli("users", "create", "--email", "sam@tenant-a.example", "--password", PASSWORD,
                 "--tenant", "tenant-a", "--team", "north")

    assert result.exit_code == 0, result.output
    members = {m["email"]: m for m in tenant_a.get("/api/v1/members").json["items"]}
    assert (members["sam@tenant-a.example"]["role"], members["sam@tenant-a.example"]["team"]) == ("agent", "north")


def test_an_existing_user_joins_a_second_workspace(app, cli, tenant_a, tenant_b):
    result = cli("users", "create", "--email", tenant_b.user["email"], "--password", tenant_b.password,
                 "--tenant", "tenant-a", "--role", "manager")

    assert result.exit_code == 0, result.output
    members = {m["email"]: m for m in tenant_a.get("/api/v1/members").json["items"]}
    assert members[tenant_b.user["email"]]["user_id"] == tenant_b.user["id"]
    assert members[tenant_b.user["email"]]["role"] == "manager"


def test_an_unknown_tenant_slug_fails_cleanly_and_creates_no_user(app, cli, tenant_a):
    result = cli("users", "create", "--email", "lost@example.com", "--password", PASSWORD, "--tenant", "nowhere")

    assert_clean_failure(result, "no workspace with slug 'nowhere'")
    assert sign_in(app, "lost@example.com")[2].status_code == 401


def test_adding_a_member_twice_fails_cleanly(cli, tenant_a):
    result = cli("users", "create", "--email", tenant_a.user["email"], "--password", PASSWORD,
                 "--tenant", "tenant-a", "--role", "viewer")

    assert_clean_failure(result, "already a member")
    members = {m["email"]: m for m in tenant_a.get("/api/v1/members").json["items"]}
    assert members[tenant_a.user["email"]]["role"] == "owner"


def test_a_weak_password_for_a_new_user_fails_cleanly(app, cli, tenant_a):
    result = cli("users", "create", "--email", "weak@tenant-a.example", "--password", "short",
                 "--tenant", "tenant-a")

    assert_clean_failure(result, "weak password")
    assert [m["email"] for m in tenant_a.get("/api/v1/members").json["items"]] == [tenant_a.user["email"]]


def test_an_unknown_role_is_a_usage_error(cli, tenant_a):
    result = cli("users", "create", "--email", "x@tenant-a.example", "--password", PASSWORD,
                 "--tenant", "tenant-a", "--role", "emperor")

    assert result.exit_code == 2
    assert "emperor" in result.output and "Traceback" not in result.output
