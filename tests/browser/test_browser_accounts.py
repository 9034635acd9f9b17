"""Accounts in the browser: a company signs up and lands signed in; a forgotten password is set
anew through the link the mail adapter wrote to the log; the profile in English and Chinese."""

from __future__ import annotations

import logging
import re

import pytest

from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in, url

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]

RESET_LINK = re.compile(r"http://127\.0\.0\.1:\d+(/password/reset/\S+)")


def test_a_company_signs_up_in_the_browser_and_lands_signed_in(page, live_server, problems):
    page.goto("/")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("main").get_by_role("link", name="Sign up").click()
    expect(page).to_have_title("Sign up · Retain")
    expect(page.get_by_label("Language of the workspace")).to_have_value("en")  # the page's language

    page.get_by_label("Company name").fill("Hangzhou Longjing Trading")
    page.get_by_label("Workspace address").fill("Longjing")  # upper case: refused, with the reason
    page.get_by_label("Your name").fill("Lin Wei")
    page.get_by_label("E-mail").fill("lin@longjing.example")
    page.get_by_label("Password").fill("a long enough password")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_label("Workspace address")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#slug-errors")).to_have_text("3-50 lower-case letters, digits and dashes; not reserved.")
    expect(page.get_by_label("Company name")).to_have_value("Hangzhou Longjing Trading")
    screenshot(page, "signup-errors")

    page.get_by_label("Workspace address").fill("longjing")
    page.get_by_label("Password").fill("a long enough password")  # a password field is never sent back
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(url(live_server, "/"))
    expect(page.locator(".workspace")).to_have_text("Hangzhou Longjing Trading")
    expect(page.locator(".current-workspace")).to_have_text("Hangzhou Longjing Trading")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, "signup-landed")
    assert problems == []


def test_a_forgotten_password_is_set_anew_through_the_mailed_link(page, live_server, sign_up, problems, caplog):
    caplog.set_level(logging.INFO, logger="saas.core.mail")
    company = sign_up(settings=ENGLISH)
    page.goto("/login")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(company.user["email"])
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    screenshot(page, "password-sent")

    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "saas.core.mail")
    page.goto(RESET_LINK.search(logged).group(1))
    page.get_by_label("New password", exact=True).fill("a brand new password")
    page.get_by_label("New password again").fill("a brand new password")
    screenshot(page, "password-reset")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Set the password").click()
    expect(page).to_have_url(url(live_server, "/login"))
    expect(page.get_by_role("alert")).to_have_text("Your password is set. Sign in with it.")

    sign_in(page, company.user["email"], "a brand new password")
    expect(page).to_have_url(url(live_server, "/"))
    expect(page.locator(".workspace")).to_have_text(company.tenant["name"])
    assert problems == []


def test_the_profile_switches_the_pages_to_chinese(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    sign_in(page, company.user["email"], company.password)
    page.wait_for_load_state("networkidle")  # the dashboard's icon and charts, which leaving would abort
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name=company.user["email"]).click()
    expect(page).to_have_title("Your profile · Retain")
    screenshot(page, "profile")

    main = page.get_by_role("main")  # the header has a language switch of its own
    main.get_by_label("Name", exact=True).fill("林伟")
    main.get_by_label("Language", exact=True).select_option("zh_CN")
    main.get_by_label("Time zone").select_option("Asia/Shanghai")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("个人资料")
    expect(page.get_by_role("alert")).to_have_text("个人资料已保存。")
    expect(page.get_by_role("link", name="林伟")).to_be_visible()
    expect(page.get_by_label("时区")).to_have_value("Asia/Shanghai")
    screenshot(page, "profile-zh")
    assert problems == []


def test_a_person_in_two_workspaces_switches_from_the_header_of_any_page(page, live_server, sign_up, problems):
    first, second = sign_up(settings=ENGLISH), sign_up(settings=ENGLISH)
    second.post("/api/v1/members", json={"email": first.user["email"], "role": "agent"})
    sign_in(page, first.user["email"], first.password)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Accept").click()
    page.wait_for_load_state("networkidle")  # the dashboard's icon and charts, which leaving would abort
    page.goto("/profile")

    switch = page.get_by_role("banner").get_by_label("Workspace")
    expect(switch).to_have_value(first.tenant["id"])
    switch.select_option(second.tenant["id"])
    screenshot(page, "workspace-switch")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("banner").get_by_role("button", name="Switch").click()

    expect(page).to_have_url(url(live_server, "/"))
    expect(page.locator(".workspace")).to_have_text(second.tenant["name"])
    expect(page.get_by_role("banner").get_by_label("Workspace")).to_have_value(second.tenant["id"])
    assert problems == []


def test_a_person_invited_without_a_password_joins_through_the_mailed_link(page, live_server, sign_up, problems,
                                                                         caplog):
    caplog.set_level(logging.INFO, logger="saas.core.mail")
    company = sign_up(settings=ENGLISH)
    invited = company.post("/api/v1/members", json={"email": "mei@longjing.example", "role": "agent"})
    assert invited.status_code == 201 and invited.json["status"] == "invited"

    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "saas.core.mail")
    page.goto(re.search(r"(/invitations/join/\S+)", logged).group(1))
    expect(page).to_have_title(f"Join {company.tenant['name']} · Retain")
    page.get_by_label("Your name").fill("Mei")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Password again").fill("a long enough password")
    screenshot(page, "invitation-join")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Join the workspace").click()

    expect(page).to_have_url(url(live_server, "/"))
    expect(page.locator(".workspace")).to_have_text(company.tenant["name"])
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert problems == []
