"""The deletion and export pages: an owner exports the workspace and deletes the workspace under /settings/ by typing its slug; a person
deletes their own account on /profile, refused while they are a workspace's last owner; both in
English and Chinese."""

from __future__ import annotations

import io
import re
import zipfile

from saas.testing import CSRF_INPUT

PASSWORD = "a long enough password"


def csrf(browser, path: str) -> str:
    return CSRF_INPUT.search(browser.get(path).get_data(as_text=True)).group(1)


def member(owner, role: str, email: str | None = None):
    email = email or f"{role}-{owner.tenant['slug']}@example.com"
    response = owner.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role})
    assert response.status_code == 201, response.json
    browser = owner.client.application.test_client()
    signed = browser.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(browser, "/login")})
    assert signed.status_code == 302
    return browser


def test_an_owner_deletes_the_workspace_by_typing_its_slug(sign_up):
    owner = sign_up(settings={"locale": "en"})
    owner.customer()
    browser = owner.signed_in()
    page = browser.get("/settings/delete-workspace")
    assert page.status_code == 200
    assert owner.tenant["slug"] in page.get_data(as_text=True)
    assert 'href="/settings/delete-workspace"' in browser.get("/settings/").get_data(as_text=True)
    token = csrf(browser, "/settings/delete-workspace")

    wrong = browser.post("/settings/delete-workspace", data={"csrf_token": token, "confirm": "not-it"})
    assert wrong.status_code == 422
    assert "Type the workspace&#39;s slug" in wrong.get_data(as_text=True)
    assert owner.get("/api/v1/tenant").json["status"] == "active"

    done = browser.post("/settings/delete-workspace", data={"csrf_token": token, "confirm": owner.tenant["slug"]})
    assert done.status_code == 303
    assert owner.get("/api/v1/customers").status_code == 401
    assert browser.get("/customers").status_code in (302, 404)
    assert browser.get("/settings/").status_code in (302, 404)


def test_the_deletion_page_is_for_owners_alone(sign_up):
    owner = sign_up(settings={"locale": "en"})
    admin = member(owner, "admin")
    assert admin.get("/settings/delete-workspace").status_code == 403
    assert 'href="/settings/delete-workspace"' not in admin.get("/settings/").get_data(as_text=True)
    refused = admin.post("/settings/delete-workspace",
                         data={"csrf_token": csrf(admin, "/settings/"), "confirm": owner.tenant["slug"]})
    assert refused.status_code == 403
    assert owner.get("/api/v1/tenant").json["status"] == "active"


def test_the_deletion_page_and_its_error_are_in_chinese(sign_up):
    owner = sign_up(settings={"locale": "zh_CN"})
    browser = owner.signed_in()
    page = browser.get("/settings/delete-workspace").get_data(as_text=True)
    assert "删除工作区" in page and "请输入工作区标识" in page
    wrong = browser.post("/settings/delete-workspace",
                         data={"csrf_token": csrf(browser, "/settings/delete-workspace"), "confirm": "x"})
    assert wrong.status_code == 422
    assert f"请输入工作区标识 {owner.tenant['slug']} 以确认。" in wrong.get_data(as_text=True)


def test_a_person_deletes_their_account_on_the_profile_page_unless_they_are_the_last_owner(sign_up):
    owner = sign_up(settings={"locale": "en"})
    agent = member(owner, "agent")
    assert "Delete your account" in agent.get("/profile").get_data(as_text=True)
    wrong = agent.post("/profile/delete", data={"csrf_token": csrf(agent, "/profile"), "password": "not it at all"})
    assert wrong.status_code == 422
    gone = agent.post("/profile/delete", data={"csrf_token": csrf(agent, "/profile"), "password": PASSWORD})
    assert gone.status_code == 303
    emails = [m["email"] for m in owner.get("/api/v1/members").json["items"]]
    assert f"agent-{owner.tenant['slug']}@example.com" not in emails
    assert agent.get("/profile").status_code == 302  # signed out

    browser = owner.signed_in()
    refused = browser.post("/profile/delete", data={"csrf_token": csrf(browser, "/profile"), "password": owner.password})
    assert refused.status_code == 409
    assert "last owner of" in refused.get_data(as_text=True)
    assert owner.get("/api/v1/tenant").status_code == 200


def test_an_owner_exports_the_workspace_on_its_page_and_downloads_the_archive_once(sign_up):
    owner = sign_up(settings={"locale": "en"})
    owner.customer()
    browser = owner.signed_in()
    assert 'href="/settings/export"' in browser.get("/settings/").get_data(as_text=True)
    assert "No export yet." in browser.get("/settings/export").get_data(as_text=True)
    asked = browser.post("/settings/export", data={"csrf_token": csrf(browser, "/settings/export")})
    assert asked.status_code == 303
    page = browser.get("/settings/export").get_data(as_text=True)
    link = re.search(r'href="(/settings/export/[0-9a-f-]+/archive)"', page).group(1)
    archive = browser.get(link)
    assert archive.status_code == 200 and archive.headers["Content-Type"] == "application/zip"
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert browser.get(link).status_code == 410
    assert "Downloaded" in browser.get("/settings/export").get_data(as_text=True)


def test_the_export_page_is_for_owners_alone_and_in_chinese(sign_up):
    owner = sign_up(settings={"locale": "zh_CN"})
    admin = member(owner, "admin")
    assert admin.get("/settings/export").status_code == 403
    assert admin.post("/settings/export", data={"csrf_token": csrf(admin, "/settings/")}).status_code == 403
    assert owner.get("/api/v1/tenant/exports/00000000-0000-0000-0000-000000000000").status_code == 404
    page = owner.signed_in().get("/settings/export").get_data(as_text=True)
    assert "导出工作区" in page and "尚无导出。" in page
