"""The settings pages in a real browser: an admin changes a module's settings through the form
generated from its schema, a viewer cannot reach the admin pages, and an owner deletes the
workspace by typing its slug."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in, url

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]
PASSWORD = "a long enough password"


def member(company, role: str) -> str:
    email = f"{role}@{company.tenant['slug']}.example"
    response = company.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role})
    assert response.status_code == 201, response.json
    return email


def test_an_admin_changes_the_loyalty_settings_through_the_generated_form(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    sign_in(page, member(company, "admin"), PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    screenshot(page, "settings-overview")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Modules").click()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Switch on Loyalty points").click()
    expect(page.get_by_role("alert")).to_have_text("Loyalty points is on.")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Settings of Loyalty points").click()
    expect(page).to_have_url(url(live_server, "/settings/modules/loyalty"))
    expect(page.get_by_label("Expiry months")).to_have_value("24")

    page.get_by_label("Expiry months").fill("500")
    page.get_by_label("Points per unit").fill("0.5")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Save").click()
    assert posted.value.status == 422
    page.wait_for_load_state("load")
    expect(page.get_by_label("Expiry months")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#setting-expiry_months-error")).to_contain_text("less than or equal to 120")
    screenshot(page, "settings-module-invalid")
    assert company.get("/api/v1/modules/loyalty").json["settings"]["expiry_months"] == 24

    page.get_by_label("Expiry months").fill("12")
    page.get_by_label("Name").first.fill("Double Eleven")
    page.get_by_label("Starts").first.fill("2026-11-11")
    page.get_by_label("Ends").first.fill("2026-11-11")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text("The settings of Loyalty points are saved.")
    settings = company.get("/api/v1/modules/loyalty").json["settings"]
    assert (settings["expiry_months"], settings["points_per_unit"]) == (12, "0.5000")
    assert [c["name"] for c in settings["campaigns"]] == ["Double Eleven"]
    screenshot(page, "settings-module")

    with page.expect_navigation(wait_until="load"):
        page.get_by_label("Language").select_option("zh_CN")
        page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("会员积分 的设置")  # the module's own catalogue names it
    screenshot(page, "settings-module-zh")
    page.goto("/settings/members")
    expect(page.get_by_role("table").locator("caption")).to_have_text("在本工作区工作的人")
    screenshot(page, "settings-members-zh")
    assert problems == []


def test_a_viewer_sees_no_settings_and_cannot_open_the_admin_pages(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    sign_in(page, member(company, "viewer"), PASSWORD)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)
    for path in ("/settings/", "/settings/modules/loyalty", "/settings/api-keys", "/settings/webhooks"):
        response = page.goto(path)
        assert response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("You may not open this page")
    screenshot(page, "settings-viewer-403")
    assert problems == []


def test_an_owner_deletes_the_workspace_by_typing_its_slug_and_its_key_stops(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    company.customer(name="Soon gone")
    slug = company.tenant["slug"]
    sign_in(page, f"owner@{slug}.example", PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Delete the workspace").click()
    confirm = page.get_by_label(f"Type the workspace's slug, {slug}, to confirm")

    confirm.fill("not-the-slug")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Delete the workspace").click()
    assert posted.value.status == 422
    page.wait_for_load_state("load")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    screenshot(page, "settings-delete-workspace-refused")
    assert company.get("/api/v1/customers").status_code == 200  # nothing deleted yet

    page.get_by_label(f"Type the workspace's slug, {slug}, to confirm").fill(slug)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Delete the workspace").click()
    assert company.get("/api/v1/customers").status_code == 401
    page.goto("/customers")
    expect(page.get_by_role("heading", name="Customers")).to_have_count(0)
