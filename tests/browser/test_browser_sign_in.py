"""Signing in and out through the server-rendered pages, the way a person does it."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in, url

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]


def test_a_person_signs_in_and_sees_the_workspace(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    response = page.goto("/login")
    assert response.status == 200
    expect(page).to_have_title("Sign in · Retain")
    screenshot(page, "login")

    page.get_by_label("E-mail").fill(company.user["email"])
    page.get_by_label("Password").fill(company.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(url(live_server, "/"))
    expect(page.locator(".workspace")).to_have_text(company.tenant["name"])
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text(company.user["email"])).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_have_count(0)
    assert problems == []


def test_a_wrong_password_shows_an_error_and_stays_on_the_login_page(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    page.goto("/login")
    page.get_by_label("E-mail").fill(company.user["email"])
    page.get_by_label("Password").fill("not the password at all")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login")) as posted:
        page.get_by_role("button", name="Sign in").click()
    assert posted.value.status == 401

    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")
    expect(page).to_have_url(url(live_server, "/login"))
    expect(page.get_by_label("E-mail")).to_have_value(company.user["email"])
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto("/")  # still anonymous: the landing page offers to sign in, not a workspace
    expect(page.locator(".workspace")).to_have_count(0)
    expect(page.get_by_role("main").get_by_role("link", name="Sign in")).to_be_visible()
    assert problems == []


def test_signing_out_returns_to_the_login_page_and_forgets_the_workspace(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    sign_in(page, company.user["email"], company.password)
    expect(page.locator(".workspace")).to_have_text(company.tenant["name"])

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(url(live_server, "/login"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("main").get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.locator(".workspace")).to_have_count(0)
    expect(page.get_by_text(company.tenant["name"])).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert problems == []


def test_the_landing_page_leads_an_anonymous_visitor_to_the_sign_in_form(page, live_server, problems):
    response = page.goto("/")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Keep the customers who matter.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    with page.expect_navigation(wait_until="load"):  # its assets too: the goto below would abort them
        page.get_by_role("main").get_by_role("link", name="Sign in").click()

    expect(page).to_have_url(url(live_server, "/login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("E-mail")).to_be_editable()
    expect(page.get_by_label("Password")).to_be_editable()
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()

    page.goto("/")  # the header's link goes to the same form
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("banner").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(url(live_server, "/login"))
    assert problems == []


def test_a_module_page_is_reached_from_the_header_menu_of_a_workspace_that_enabled_it(page, live_server, sign_up,
                                                                                       problems):
    company, other = sign_up(settings=ENGLISH), sign_up(settings=ENGLISH)
    assert company.put("/api/v1/modules/birthdays", json={"enabled": True}).status_code == 200
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    company.customer(name="Zhou Min", birthday=tomorrow.replace(year=1984).isoformat())

    page.goto("/birthdays/")  # not signed in yet: the sign-in form first, then back here
    expect(page).to_have_url(url(live_server, "/login"))
    page.get_by_label("E-mail").fill(company.user["email"])
    page.get_by_label("Password").fill(company.password)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(url(live_server, "/birthdays/"))
    expect(page.get_by_role("cell", name="Zhou Min")).to_be_visible()

    page.goto("/")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Birthdays").click()
    expect(page).to_have_url(url(live_server, "/birthdays/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming birthdays")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(url(live_server, "/login"))

    sign_in(page, other.user["email"], other.password)
    expect(page.locator(".workspace")).to_have_text(other.tenant["name"])
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Birthdays")).to_have_count(0)
    expect(page.get_by_role("heading", name="Modules")).to_have_count(0)
    assert page.goto("/birthdays/").status == 404
    assert problems == []


def test_an_admin_sees_that_a_webhook_endpoint_was_switched_off(page, live_server, sign_up, problems):
    from tests.webhook_receiver import Answer, Receiver

    company = sign_up(settings=ENGLISH)
    with Receiver() as receiver:
        receiver.answer("/gone", Answer(status=410))
        assert company.post("/api/v1/webhooks", json={"url": receiver.url("/gone")}).status_code == 201
        company.customer(name="Sets it off")
    sign_in(page, company.user["email"], company.password)
    notice = page.locator(".webhook-stopped")
    expect(notice).to_contain_text("Retain stopped sending webhooks to")
    expect(notice).to_contain_text("410 Gone")
    assert problems == []
