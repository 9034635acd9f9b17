"""The visits module's pages in a real browser: a rep opens their agenda from the menu, logs a
visit's outcome in place (the form swapped into the row by htmx, a refused skip showing its field
error in place, then the visit logged and its status changed without a reload), moves another one
to a later day from its page, reads the cadences in words, gets a calendar URL, and a manager sees
the team and the KPI chart; the same pages in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in
from tests.test_web_visits import visit

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]


def test_a_rep_logs_the_day_s_visits_from_the_agenda_and_a_manager_reads_the_figures(app, page, sign_up, problems):
    company = sign_up(settings={**ENGLISH, "timezone": "Asia/Shanghai"})
    company.enable("visits")
    tea_house = company.customer(name="West Lake Tea House", owner_id=company.user["id"])
    lingyin = company.customer(name="Lingyin Teahouse", owner_id=company.user["id"])
    visit_id = visit(app, company, tea_house, 0, channel="visit", purpose="visit")  # due today, as planned
    other_id = visit(app, company, lingyin, 0, channel="phone", purpose="call", due_minute=870)
    visit(app, company, lingyin, -3, channel="phone", purpose="call")  # overdue
    sign_in(page, company.user["email"], company.password)

    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Return visits").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Return visits: Today")
    screenshot(page, "visits-agenda")
    page.get_by_role("link", name="Log the outcome of the visit to West Lake Tea House").click()
    form = page.locator(f"#visit-{visit_id}-log form")
    expect(form).to_be_visible()  # htmx swapped the form into the row
    form.get_by_label("Skip it").check()
    form.get_by_role("button", name="Log the visit").click()
    expect(page.locator(f"#v{visit_id}-reason-error")).to_have_text("Say why.")  # 422, in place
    screenshot(page, "visits-agenda-refused")
    form = page.locator(f"#visit-{visit_id}-log form")
    form.get_by_label("Done").check()
    form.get_by_label("Notes").fill("Tasted the new Longjing")
    form.get_by_label("Next step").fill("Send 50 g of samples")
    form.get_by_role("button", name="Log the visit").click()
    expect(page.locator(f"#visit-{visit_id}-log [role=status]")).to_contain_text("The visit is logged: Done.")
    expect(page.locator(f"#visit-{visit_id}-status")).to_have_text("Done")  # the row's status, out of band
    expect(page.locator(f"#visit-{visit_id}-action")).to_have_text("See the visit")  # nothing left to log
    screenshot(page, "visits-agenda-logged")
    timeline = company.get(f"/api/v1/interactions?customer_id={tea_house['id']}").json["items"]
    assert "Tasted the new Longjing" in timeline[0]["notes"]

    page.goto(f"/visits/{other_id}", wait_until="load")  # its own page, as without JavaScript
    later = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    page.get_by_label("Move to another day").check()
    page.get_by_label("New day").fill(later)
    page.get_by_label("Reason").fill("Away this week")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Log the visit").click()
    expect(page.get_by_role("alert")).to_have_text("The visit is logged: Rescheduled.")
    screenshot(page, "visits-visit")

    page.goto("/visits/cadences", wait_until="load")
    expect(page.locator("tr[data-cadence='important.call'] .rule-sentence")).to_have_text(
        "Every 2 weeks, counted from Jan 5, 2026")
    page.get_by_label("Recurrence rule").fill("FREQ=MONTHLY;BYDAY=-1FR")
    expect(page.locator("#rule-sentence")).to_contain_text("Every month, on the last Friday")  # as it is typed
    screenshot(page, "visits-cadences")
    page.goto(f"/visits/customers/{tea_house['id']}/cadence", wait_until="load")
    page.get_by_label("Recurrence rule").fill("FREQ=WEEKLY;BYDAY=SA")
    page.get_by_label("Channel").select_option("phone")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save its cadence").click()
    expect(page.locator("#own-cadence")).to_contain_text("Every week, on Saturday")
    screenshot(page, "visits-own-cadence")

    page.goto("/visits/calendar", wait_until="load")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Get a calendar URL").click()
    feed = page.locator("#feed-url").text_content()
    assert "/visits/feed/" in feed and page.request.get(feed).status == 200
    screenshot(page, "visits-calendar")

    page.goto("/visits/team", wait_until="load")
    expect(page.get_by_role("heading", level=1)).to_have_text("The team's visits")
    screenshot(page, "visits-team")
    page.goto("/visits/kpis", wait_until="load")
    expect(page.locator("[data-chart=trend] svg")).to_be_visible()  # ECharts drew it
    expect(page.locator("[data-chart=tiers] svg")).to_be_visible()
    screenshot(page, "visits-kpis")
    page.goto(f"/customers/{tea_house['id']}", wait_until="load")
    expect(page.get_by_text("Tasted the new Longjing").first).to_be_visible()
    screenshot(page, "visits-profile")

    page.get_by_label("Language").select_option("zh_CN")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    screenshot(page, "visits-profile-zh")
    for path, heading, name in (("/visits/?view=week", "定期回访：本周", "visits-agenda-zh"),
                                (f"/visits/{other_id}", "回访：Lingyin Teahouse", "visits-visit-zh"),
                                ("/visits/team", "团队回访", "visits-team-zh"),
                                ("/visits/cadences", "回访计划", "visits-cadences-zh"),
                                ("/visits/calendar", "日历订阅", "visits-calendar-zh"),
                                ("/visits/kpis", "回访数据", "visits-kpis-zh")):
        page.goto(path, wait_until="load")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        screenshot(page, name)
    expect(page.locator("[data-chart=trend] svg")).to_be_visible()
    assert problems == []
