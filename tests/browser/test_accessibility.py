"""Accessibility in a real browser: axe-core finds no serious or critical violation on the main pages,
in English and in Chinese, and the main controls work from the keyboard (issue 15, point 9).

axe-core is vendored for the tests (``tests/browser/vendor/``) and added to every page as the
context's init script: DevTools evaluates it in each new document, and the pages'
Content-Security-Policy (no inline script) does not apply to it, so the pages are checked under
the policy they are served with (``page.evaluate(source)`` works too, but sends the source again
for every page). The workspace is the demo one (``tenants.demo``: staff, tags, purchases, interactions, a year of classification) with every
installed module on. Moderate and minor violations do not fail; ``-s`` prints them.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from saas.core.accounts import Role
from saas.testing import Workspace
from tenants import demo
from tests.browser.conftest import ENGLISH, expect, screenshot, sign_in
from tests.browser.test_browser_customer_list import shop
from tests.test_imports import csv_bytes
from tests.test_web_notifications import send

pytestmark = [pytest.mark.browser, pytest.mark.sqlite]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
FAILING = ("serious", "critical")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({rule: v.id, impact: v.impact, help: v.helpUrl,
                                      targets: v.nodes.map(n => n.target.join(" "))}));
}"""
SHEET = [["姓名", "电话", "邮箱"], ["王芳", "138 0013 8000", "wang.fang@example.com"], ["赵敏", "12345", ""]]


def axe_violations(page) -> list[dict]:
    """axe's violations on the page as it is now, folded parts opened (each: rule, impact, help URL,
    target selectors). The page's context must have ``AXE`` as an init script."""
    page.wait_for_load_state("load")
    page.evaluate("() => document.querySelectorAll('details').forEach(details => { details.open = true; })")
    return page.evaluate(RUN_AXE)


class Scan:
    """Runs axe on page after page in one language and keeps what it found, to fail once with the list."""

    def __init__(self, page):
        self.page = page
        self.lang = "en"
        self.failures: list[str] = []
        self.pages = 0

    def check(self, label: str) -> None:
        expect(self.page.locator("html")).to_have_attribute("lang", self.lang)
        self.pages += 1
        screenshot(self.page, f"a11y-{self.lang}-{self.pages:02}-" + re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-"))
        for violation in axe_violations(self.page):
            line = (f"{self.lang} {label} ({self.page.url}): {violation['impact']} {violation['rule']} "
                    f"{violation['targets'][:5]} {violation['help']}")
            if violation["impact"] in FAILING:
                self.failures.append(line)
            else:
                print("not failing:", line)

    def visit(self, path: str, label: str | None = None) -> None:
        response = self.page.goto(path)
        assert response.status < 400, (path, response.status)
        self.check(label or path)


@pytest.fixture
def demo_shop(app, client):
    """The demo workspace (small), every installed module on, and something on every page."""
    with app.app_context():
        credentials = demo.seed(customers=24)
    shop = Workspace(client, credentials["api_key"], {}, {"email": credentials["email"]}, credentials["password"])
    shop.tenant = shop.get("/api/v1/tenant").json
    modules = [module["name"] for module in shop.get("/api/v1/modules").json["items"]]
    for module in modules:
        shop.enable(module)
    now = dt.datetime.now(dt.timezone.utc)
    backfill = {"from": (now - dt.timedelta(days=730)).isoformat(), "to": now.isoformat()}
    assert shop.post("/api/v1/loyalty/backfill", json=backfill).status_code == 202, "points for the demo's purchases"
    assert shop.post("/api/v1/loyalty/rewards", json={"name": "龙井礼盒", "points_cost": 500}).status_code == 201
    assert shop.post("/api/v1/custom-fields", json={"key": "grade", "label": "会员等级", "type": "choice",
                                                    "choices": ["金卡", "银卡"]}).status_code == 201
    segment = shop.post("/api/v1/segments", json={"name": "核心客户", "filter": {"tiers": ["core"]}})
    assert segment.status_code == 201, segment.json
    webhook = shop.post("/api/v1/webhooks", json={"url": "https://hooks.example.com/retain",
                                                  "enabled": False})  # never called
    assert webhook.status_code == 201, webhook.json
    send(app, shop, [Role.owner], "导入完成：42 位客户", body="3 行被拒绝。", link="/today")
    customers = shop.get("/api/v1/customers?sort=-created_at&limit=1").json["items"]
    tasks = shop.get("/api/v1/churn/tasks?limit=1").json["items"]  # the churn demo's win-back work
    assert tasks, "the demo's warnings opened win-back tasks"
    survey = next(s for s in shop.get("/api/v1/surveys").json["items"] if s["state"] == "active")  # the demo's
    cases = shop.get("/api/v1/complaints/queue").json["items"]  # the complaints demo's open cases
    assert cases, "the demo has open complaints"
    visits = shop.get("/api/v1/visits?status=planned&limit=1").json["items"]  # the visits demo's plan
    assert visits, "the demo planned visits"
    return {"shop": shop, "modules": modules, "customer": customers[0]["id"], "segment": segment.json["id"],
            "webhook": webhook.json["id"], "task": tasks[0]["id"], "survey": survey["id"], "case": cases[0]["id"],
            "visit": visits[0]["id"]}


def choose_language(page, locale: str) -> None:
    """The header's language switch (kept in the profile of someone signed in, else in the session)."""
    page.locator("#language").select_option(locale)
    with page.expect_navigation(wait_until="load"):
        page.locator("form.language button").click()


def submit(page, button: str) -> None:
    with page.expect_navigation(wait_until="load"):
        page.locator(f"main {button}").click()


def scan_the_public_pages(scan: Scan) -> None:
    for path in ("/signup", "/login", "/password/forgot"):
        scan.visit(path)


def scan_the_member_pages(scan: Scan, data: dict) -> None:
    page = scan.page
    customer, segment, webhook = data["customer"], data["segment"], data["webhook"]
    for path in ("/", "/today", "/customers", f"/customers/{customer}", f"/customers/{customer}/edit",
                 "/customers/new", "/imports", "/data-quality", "/segments", "/segments/new",
                 f"/segments/{segment}/edit", "/settings/", "/settings/workspace", "/settings/members",
                 "/settings/api-keys", "/settings/webhooks", f"/settings/webhooks/{webhook}", "/settings/modules",
                 *(f"/settings/modules/{module}" for module in data["modules"]), "/settings/classification",
                 "/settings/audit", "/settings/module-errors", "/notifications", "/profile", "/customers/tags",
                 "/purchases", "/interactions", "/settings/custom-fields", "/settings/inbound",
                 f"/settings/webhooks/{webhook}/delete", "/settings/delete-workspace", "/settings/export", "/loyalty/rewards", "/loyalty/rewards/new",
                 f"/loyalty/customers/{customer}", "/loyalty/admin", "/loyalty/admin/rebuild", "/churn/tasks",
                 f"/churn/tasks/{data['task']}", "/churn/backtest", "/churn/kpis", "/surveys/new",
                 *(f"/surveys/{data['survey']}{tail}" for tail in ("", "/edit", "/results", "/answers")),
                 f"/complaints/{data['case']}", "/complaints/new", "/complaints/review",
                 "/visits/?view=week", "/visits/?view=overdue", f"/visits/{data['visit']}", "/visits/team",
                 "/visits/cadences", "/visits/cadences?rule=FREQ%3DWEEKLY%3BBYDAY%3D-1FR", "/visits/kpis", "/visits/calendar",
                 f"/visits/customers/{customer}/cadence"):
        scan.visit(path)
    for path in page.locator("nav.side ul.modules a").evaluate_all("links => links.map(a => a.pathname)"):
        scan.visit(path)  # the modules' own pages

    page.goto("/customers/new")
    page.locator("main [name=email]").fill("not an e-mail")
    submit(page, "form button[type=submit]")
    expect(page.locator("main [aria-invalid=true]").first).to_be_visible()
    scan.check("/customers/new with field errors")

    scan.visit("/imports/new")
    page.locator("#file").set_input_files({"name": "老客户.csv", "mimeType": "text/csv",
                                           "buffer": csv_bytes(SHEET, "utf-8")})
    submit(page, "form button[type=submit]")
    expect(page.locator("#column-0")).to_have_value("name")
    scan.check("the import's mapping step")
    submit(page, "button[value=true]")
    expect(page.locator(".run-status")).to_be_visible()
    scan.check("the import's dry run")


def test_axe_finds_no_serious_or_critical_violation_on_the_main_pages_in_english_and_chinese(
        page, demo_shop, problems):
    page.context.add_init_script(AXE)
    scan = Scan(page)
    page.goto("/login")
    scan_the_public_pages(scan)
    choose_language(page, "zh_CN")
    scan.lang = "zh-CN"
    scan_the_public_pages(scan)

    page.goto("/login")
    page.locator("#email").fill(demo_shop["shop"].user["email"])
    page.locator("#password").fill(demo_shop["shop"].password)
    submit(page, "form button[type=submit]")
    scan_the_member_pages(scan, demo_shop)  # the workspace's language: Chinese
    choose_language(page, "en")
    scan.lang = "en"
    scan_the_member_pages(scan, demo_shop)

    assert scan.failures == [], "\n".join([f"{len(scan.failures)} serious or critical violations:", *scan.failures])
    assert scan.pages > 60 and problems == []


# A focused element that does not match :focus has the focus in one of its built-in parts (a date
# input's calendar button), which the browser rings itself.
FOCUSED = """() => {
  const element = document.activeElement, style = getComputedStyle(element);
  const ring = !element.matches(":focus") || style.boxShadow !== "none"
               || (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0);
  return {key: element.id || element.name || element.tagName.toLowerCase(), tag: element.tagName.toLowerCase(),
          text: (element.innerText || element.value || "").trim().slice(0, 40), ring: ring};
}"""


def tab_through(page, path: str, presses: int) -> list[dict]:
    """What Tab focuses on the freshly loaded page, press after press (with its focus style)."""
    page.goto(path)
    focused = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused.append(page.evaluate(FOCUSED))
    return focused


def test_tab_reaches_the_customer_list_s_search_filters_and_bulk_actions_with_a_focus_ring_and_keys_tag_a_row(
        page, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    shop(company)
    sign_in(page, company.user["email"], company.password)
    focused = tab_through(page, "/customers", 60)
    assert focused[0]["text"] == "Skip to the content"
    keys = [element["key"] for element in focused]
    for control in ("language", "customer-q", "tier", "lifecycle_stage", "bulk-tag", "bulk-owner", "action"):
        assert control in keys, (control, keys)
    assert keys.index("language") < keys.index("customer-q") < keys.index("bulk-tag")
    assert [element for element in focused if not element["ring"]] == []

    page.goto("/customers")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the content")).to_be_in_viewport()
    page.keyboard.press("Enter")  # the skip link: the next Tab is in the content, past the header and menu
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")

    page.locator("#customer-q").focus()
    page.keyboard.type("West Lake")
    page.keyboard.press("Enter")
    expect(page.locator("table.customers tbody tr")).to_have_count(1)
    page.get_by_role("checkbox", name="West Lake Tea House").focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name="West Lake Tea House")).to_be_checked()
    page.locator("#bulk-tag").focus()
    page.keyboard.press("End")  # a closed select changes with the keys: the last tag, "tea"...
    page.keyboard.press("Home")  # ...and back to the first, "gift"
    expect(page.locator("#bulk-tag")).to_have_value("gift")
    page.keyboard.press("Tab")
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")  # "Add the tag"
    expect(page.get_by_role("alert")).to_have_text("Added the tag “gift” to the ticked customers (1).")
    assert company.get("/api/v1/customers?tag=gift").json["items"][0]["name"] == "West Lake Tea House"
    # Enter in the search box is a change and a submit: the second request replaces the first (hx-sync),
    # so the results are swapped in once and the tick given after them stays.
    assert [problem for problem in problems if not problem.endswith("net::ERR_ABORTED")] == []


def test_tab_reaches_every_field_of_the_new_customer_form_with_a_focus_ring_and_keys_switch_the_language(
        page, sign_up, problems):
    company = sign_up(settings=ENGLISH)
    sign_in(page, company.user["email"], company.password)
    focused = tab_through(page, "/customers/new", 80)
    fields = page.locator("main form :is(input, select, textarea):not([type=hidden])").evaluate_all(
        "fields => fields.map(field => field.id || field.name)")
    keys = [element["key"] for element in focused]
    assert [field for field in fields if field not in keys] == []
    assert [element for element in focused if not element["ring"]] == []

    page.locator("#language").focus()
    page.keyboard.press("ArrowDown")  # English to 中文
    page.keyboard.press("Tab")
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("新建客户")
    assert problems == []
