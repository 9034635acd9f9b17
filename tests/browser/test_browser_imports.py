"""The import wizard end to end in Chromium, with the spreadsheet a Chinese shop would have: a
GB18030-encoded CSV of customers with Chinese names. And the data pages, in both languages."""

from __future__ import annotations

import pytest

from saas.core.imports import importer
from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in, url
from tests.test_imports import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]


SHEET = [
    ["姓名", "电话", "邮箱", "地区", "会员等级"],
    ["王芳", "138 0013 8000", "wang.fang@example.com", "浙江", "金卡"],
    ["李伟", "(0571) 8765-4321", "", "浙江", "银卡"],
    ["赵敏", "12345", "zhao@example.com", "北京", ""],  # a phone that cannot be one: the bad cell
    ["孙丽", "+86 139 0013 9000", "sun@example.com", "上海", "金卡"],
]


def test_a_gb18030_sheet_is_uploaded_mapped_checked_and_imported_with_live_progress(
        app, page, live_server, sign_up, problems, monkeypatch):
    company = sign_up(settings=ENGLISH)
    sign_in(page, company.user["email"], company.password)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("link", name="Import a file").click()
    expect(page).to_have_url(url(live_server, "/imports/new"))

    page.get_by_label("File (CSV or XLSX)").set_input_files(
        {"name": "老客户.csv", "mimeType": "text/csv", "buffer": csv_bytes(SHEET, "gb18030")})
    page.get_by_label("Encoding of a CSV").select_option("gb18030")
    screenshot(page, "import-upload")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Upload and map the columns").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Map the columns")
    expect(page.get_by_label("姓名")).to_have_value("name")  # guessed from the Chinese headers
    expect(page.get_by_label("电话")).to_have_value("phone")
    expect(page.get_by_label("会员等级")).to_have_value("")  # not guessed: skipped unless mapped
    page.get_by_label("会员等级").select_option("notes")
    screenshot(page, "import-mapping")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Check every row (dry run)").click()

    expect(page.locator(".run-status")).to_have_text("Checked (dry run)")
    bad = page.get_by_role("table", name="Cells that cannot be taken (the header is row 1)").get_by_role("row")
    expect(bad).to_have_count(2)  # the header row and the one bad cell
    expect(bad.nth(1).get_by_role("cell").nth(0)).to_have_text("4")  # row, column, value, problem
    expect(bad.nth(1).get_by_role("cell").nth(1)).to_have_text("电话")
    expect(bad.nth(1).get_by_role("cell").nth(2)).to_have_text("12345")
    expect(bad.nth(1).get_by_role("cell").nth(3)).not_to_be_empty()
    screenshot(page, "import-dry-run")
    assert company.get("/api/v1/customers").json["items"] == []

    monkeypatch.setattr(importer, "queue", lambda run: None)  # a worker that has not taken it yet
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Import the good rows").click()
    expect(page.locator(".run-status")).to_have_text("Waiting")
    expect(page.locator("progress.import-progress")).to_be_visible()
    screenshot(page, "import-progress")
    with app.app_context():  # the worker takes it; the page sees it through its polling, without a reload
        importer.run_import(str(company.id), page.url.rsplit("/", 1)[1])
    expect(page.locator(".run-status")).to_have_text("Done")
    expect(page.locator("progress.import-progress")).to_have_count(0)
    expect(page.get_by_role("link", name="Download the rejected rows")).to_be_visible()
    screenshot(page, "import-done")

    customers = {c["name"]: c for c in company.get("/api/v1/customers").json["items"]}
    assert sorted(customers) == ["孙丽", "李伟", "王芳"]
    assert (customers["王芳"]["phone"], customers["王芳"]["notes"]) == ("+8613800138000", "金卡")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    expect(page.get_by_role("table").get_by_role("link", name="老客户.csv")).to_have_count(2)
    assert problems == []


def test_the_data_pages_speak_chinese_and_the_segment_count_follows_the_form(page, live_server, sign_up, problems):
    chinese = sign_up()  # a workspace speaks Chinese by default
    chinese.customer(name="王芳", phone="13800138000")
    chinese.customer(name="王芳", phone="+86 138 0013 8000", email="wang@example.com")
    chinese.post("/api/v1/segments", json={"name": "核心客户", "filter": {"tiers": ["core"]}})
    sign_in(page, chinese.user["email"], chinese.password)
    for path, heading, name in (("/data-quality", "数据质量", "data-quality-zh"), ("/segments", "客户细分", "segments-zh"),
                                ("/imports/new", "导入文件", "import-upload-zh"),
                                ("/segments/new", "新建客户细分", "segment-form-zh")):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        screenshot(page, name)
    expect(page.locator("#segment-count")).to_have_text("当前符合的客户： 2")  # no condition yet: everyone
    page.get_by_role("group", name="类型").get_by_label("企业（B2B）").check()
    expect(page.locator("#segment-count")).to_have_text("当前符合的客户： 0")  # the live count answered the change
    assert problems == []


def test_a_segment_is_saved_with_its_live_count_and_listed(page, live_server, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    company.customer(name="Zhou Min", tags=["VIP"])
    company.customer(name="Li Lei")
    sign_in(page, company.user["email"], company.password)
    page.goto("/segments/new")
    page.get_by_label("Name", exact=True).fill("VIP")
    expect(page.locator("#segment-count")).to_have_text("Customers who match now: 2")
    page.get_by_label("Tags").fill("VIP")
    page.get_by_label("Tags").blur()
    expect(page.locator("#segment-count")).to_have_text("Customers who match now: 1")
    screenshot(page, "segment-form")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Save the segment").click()
    expect(page).to_have_url(url(live_server, "/segments"))
    expect(page.get_by_role("row", name="VIP")).to_contain_text("1")
    screenshot(page, "segments")
    page.goto("/data-quality")
    screenshot(page, "data-quality")
    assert problems == []


def test_normalising_the_contact_data_is_queued_from_the_data_page_and_its_figures_follow(
        app, page, live_server, sign_up, problems):
    from tests.test_data_quality import raw_customers

    company = sign_up(settings=ENGLISH)
    raw_customers(app, company, {"name": "Old Record", "phone": "138 0013 8000"})  # as an old spreadsheet had it
    sign_in(page, company.user["email"], company.password)
    page.goto("/data-quality")
    expect(page.get_by_role("row", name="Not in normal form")).to_contain_text("1")
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Normalise every e-mail and phone").click()
    expect(page.get_by_text("is being rewritten in its normal form, in the background")).to_be_visible()
    expect(page.get_by_role("row", name="Not in normal form")).to_contain_text("0")  # the job ran in-process
    screenshot(page, "data-quality-normalised")
    assert problems == []
