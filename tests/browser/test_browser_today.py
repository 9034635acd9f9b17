"""My day and notifications in a real browser: a person sees their to-do items on /today and the
unread count in the header, opens the notifications, marks one read and the count goes; in English
and Chinese, without a script error or a failed asset."""

from __future__ import annotations

import datetime as dt

import pytest

from saas.core.accounts import Role
from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in, url
from tests.test_web_notifications import send
from tests.test_web_today import expiring_customer

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]


def with_work(app, company):
    assert company.put("/api/v1/modules/loyalty", json={"enabled": True}).status_code == 200
    expiring_customer(app, company, "王女士", dt.timedelta(days=2))
    expiring_customer(app, company, "李先生", dt.timedelta(days=9))
    send(app, company, [Role.owner], "Import finished: 42 customers", body="3 rows were refused.", link="/today")
    send(app, company, [Role.owner], "Reward waiting: 龙井 gift box", link="/today")
    return company


def test_a_person_sees_their_day_and_reads_a_notification_and_the_count_goes(app, page, live_server, sign_up,
                                                                              problems):
    company = with_work(app, sign_up(settings=ENGLISH))
    sign_in(page, company.user["email"], company.password)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="My day").click()
    expect(page.get_by_role("heading", name="My day", level=1)).to_be_visible()
    rows = page.locator("table.today tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("100 points of 王女士 expire")
    expect(page.locator(".notifications-link .unread-count")).to_have_text("2 unread")
    screenshot(page, "today-en")

    with page.expect_navigation(wait_until="load"):
        page.locator(".notifications-link").click()
    expect(page).to_have_url(url(live_server, "/notifications"))
    expect(page.locator("li.notification.unread")).to_have_count(2)
    screenshot(page, "notifications-en")
    with page.expect_navigation(wait_until="load"):
        page.locator("li.notification", has_text="Reward waiting").get_by_role("button", name="Mark read").click()
    expect(page.locator("li.notification.unread")).to_have_count(1)
    expect(page.locator(".notifications-link .unread-count")).to_have_text("1 unread")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("li.notification.unread")).to_have_count(0)
    expect(page.locator(".notifications-link .unread-count")).to_have_count(0)
    assert problems == []


def test_a_chinese_workspace_sees_its_day_and_notifications_in_chinese(app, page, live_server, sign_up, problems):
    company = with_work(app, sign_up())  # the default locale: zh_CN
    sign_in(page, company.user["email"], company.password)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="我的一天").click()
    expect(page.get_by_role("heading", name="我的一天", level=1)).to_be_visible()
    expect(page.locator("table.today tbody tr").first).to_contain_text("王女士的 100 积分即将过期")
    screenshot(page, "today-zh")
    with page.expect_navigation(wait_until="load"):
        page.locator(".notifications-link").click()
    expect(page.get_by_role("heading", name="通知", level=1)).to_be_visible()
    expect(page.locator(".notifications-link .unread-count")).to_have_text("2 条未读")
    screenshot(page, "notifications-zh")
    assert problems == []
