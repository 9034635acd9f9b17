"""The complaints module's pages: the queue by time left with amber and red clocks, a case with its
workflow buttons and timeline, the new-case form, the weekly cause review, and the customer's
public pages (the complaint form at the workspace's signed link, the one-click "was this
resolved?"); 404 where the module is off or the case is another workspace's, bad input re-rendered
with field errors and nothing written. A controllable clock, never sleeping."""

from __future__ import annotations

import re

import pytest

from saas.testing import CSRF_INPUT
from tests.test_complaints import MONDAY_10, Clock, open_case, step


@pytest.fixture
def now(monkeypatch):
    from plugins.complaints import clock

    moved = Clock(MONDAY_10)
    monkeypatch.setattr(clock, "now", moved)
    return moved


@pytest.fixture
def shop(sign_up):
    tenant = sign_up(settings={"locale": "en"})
    tenant.enable("complaints")
    return tenant


def token_of(page: str) -> str:
    return CSRF_INPUT.search(page).group(1)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_the_queue_shows_the_soonest_due_first_with_amber_and_red_clocks(shop, tenant_b, now):
    late, amber, calm = open_case(shop), open_case(shop), open_case(shop, priority="low")
    now.move(minutes=50)  # late's and amber's responses at 83%
    step(shop, amber, "acknowledge")  # amber: its plan runs, its response met
    now.move(minutes=20)  # late's response breached
    browser = shop.signed_in()
    page = browser.get("/complaints/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    rows = re.findall(r'href="/complaints/([0-9a-f-]{36})"', text)
    assert rows == [late["id"], calm["id"], amber["id"]]  # late's and calm's responses due first, amber's plan later
    assert text.count("clock-red") == 1 and "late" in text and "clock-amber" not in text
    assert "/c/new/" in text  # the workspace's public form link
    now.move(minutes=-15)  # back to 55 minutes: late's response at 92%, amber
    assert "clock-amber" in browser.get("/complaints/").get_data(as_text=True)
    other = tenant_b.signed_in()
    assert other.get("/complaints/").status_code == 404  # the module off there
    tenant_b.enable("complaints")
    assert other.get(f"/complaints/{late['id']}").status_code == 404  # another workspace's


def test_a_case_page_moves_the_workflow_and_a_refused_step_writes_nothing(shop, now):
    case = open_case(shop)
    browser = shop.signed_in()
    page = browser.get(f"/complaints/{case['id']}").get_data(as_text=True)
    assert 'value="acknowledge"' in page and 'value="close"' not in page and "Timeline" in page
    token = token_of(page)
    refused = browser.post(f"/complaints/{case['id']}", data={"action": "agree_plan", "plan": "", "csrf_token": token})
    assert refused.status_code == 422 and "field-error" in refused.get_data(as_text=True)
    assert shop.get(f"/api/v1/complaints/{case['id']}").json["status"] == "new"
    assert browser.post(f"/complaints/{case['id']}", data={"action": "acknowledge"}).status_code == 400  # no CSRF
    moved = browser.post(f"/complaints/{case['id']}", data={"action": "agree_plan", "plan": "A new one tomorrow",
                                                            "csrf_token": token})
    assert moved.status_code == 303
    done = browser.post(f"/complaints/{case['id']}", data={"action": "resolve", "resolution": "Sent a new one",
                                                           "cause": "packaging", "csrf_token": token})
    assert done.status_code == 303
    page = browser.get(f"/complaints/{case['id']}").get_data(as_text=True)
    assert "/c/confirm/" in page and 'value="reopen"' in page and "packaging" in page
    assert shop.get(f"/api/v1/complaints/{case['id']}").json["status"] == "resolved"


def test_the_new_case_form_finds_the_customer_and_opens_a_case(shop, now):
    customer = shop.customer(name="Wang Fang", phone="+8613800138000")
    browser = shop.signed_in()
    page = browser.get("/complaints/new").get_data(as_text=True)
    token = token_of(page)
    found = browser.post("/complaints/new", data={"find": "Wang", "search": "1", "csrf_token": token})
    assert found.status_code == 200 and f'value="{customer["id"]}"' in found.get_data(as_text=True)
    other = shop.customer(name="Li Na")
    literal = browser.post("/complaints/new", data={"find": "_", "search": "1", "csrf_token": token})
    assert f'value="{other["id"]}"' not in literal.get_data(as_text=True)  # "_" is no wildcard
    nul = browser.get("/complaints/new?find=a%00b")
    assert nul.status_code in (200, 422) and "NUL" in nul.get_data(as_text=True)
    refused = browser.post("/complaints/new", data={"customer_id": customer["id"], "category": "delivery",
                                                    "description": " ", "open": "1", "csrf_token": token})
    assert refused.status_code == 422
    assert shop.get("/api/v1/complaints").json["items"] == []
    made = browser.post("/complaints/new", data={"customer_id": customer["id"], "category": "delivery",
                                                 "priority": "high", "channel": "phone",
                                                 "description": "Came two days late", "open": "1", "csrf_token": token})
    assert made.status_code == 303
    [case] = shop.get("/api/v1/complaints").json["items"]
    assert (case["customer_id"], case["priority"], case["channel"]) == (customer["id"], "high", "phone")
    assert made.headers["Location"].endswith(f"/complaints/{case['id']}")


def test_the_weekly_review_counts_categories_causes_compliance_and_satisfaction(shop, now):
    repeat = shop.customer()
    first, second = open_case(shop, repeat), open_case(shop, repeat, category="price")
    step(shop, first, "resolve", resolution="Refunded", cause="courier")  # in time
    step(shop, first, "confirm")
    now.move(hours=3)
    step(shop, second, "resolve", resolution="Discount", cause="courier")  # its response late
    review = shop.get("/api/v1/complaints/review?week=2026-W49")
    assert review.status_code == 200, review.json
    body = review.json
    assert (body["opened"], body["resolved"], body["resolution_rate"]) == (2, 2, 1.0)
    assert body["by_category"] == [{"key": "delivery", "cases": 1}, {"key": "price", "cases": 1}]
    assert body["by_cause"] == [{"key": "courier", "cases": 2}]
    assert body["repeat_complainers"] == [{"customer_id": repeat["id"], "name": repeat["name"], "cases": 2}]
    assert {row["target"]: (row["cases"], row["met"]) for row in body["compliance"]} == {
        "response": (2, 1), "plan": (2, 2), "resolution": (2, 2)}
    assert (body["satisfaction"], body["answered"]) == (1.0, 1)
    assert shop.get("/api/v1/complaints/review?week=2026-W99").status_code == 400
    assert shop.get("/api/v1/complaints/review?week=last").status_code == 400
    page = shop.signed_in().get("/complaints/review?week=2026-W49").get_data(as_text=True)
    assert "2026-W49" in page and "courier" in page and repeat["name"] in page


def test_the_public_form_opens_a_case_for_a_known_or_new_customer_and_refuses_bad_input(shop, client, now):
    known = shop.customer(name="Li Lei", email="lilei@example.com")
    queue = shop.signed_in().get("/complaints/").get_data(as_text=True)
    path = path_of(re.search(r'href="([^"]*/c/new/[^"]+)"', queue).group(1))
    visitor = client.application.test_client()
    form = visitor.get(path)
    assert form.status_code == 200
    token = token_of(form.get_data(as_text=True))
    refused = visitor.post(path, data={"name": "", "category": "weather", "description": "", "csrf_token": token})
    assert refused.status_code == 422 and refused.get_data(as_text=True).count("field-error") == 4
    assert shop.get("/api/v1/complaints").json["items"] == []
    assert visitor.post(path, data={"name": "Li Lei", "email": "LiLei@example.com", "category": "delivery",
                                    "description": "Late", "csrf_token": token}).status_code == 200
    assert visitor.post(path, data={"name": "Han Meimei", "phone": "13900139000", "category": "price",
                                    "description": "Too dear", "csrf_token": token}).status_code == 200
    cases = shop.get("/api/v1/complaints").json["items"]
    assert sorted(c["channel"] for c in cases) == ["web_form", "web_form"]
    assert known["id"] in {c["customer_id"] for c in cases}
    assert "Han Meimei" in {c["customer_name"] for c in cases}
    assert visitor.get(path[:-3] + "xyz").status_code == 404  # a forged link
    shop.disable("complaints")
    assert visitor.get(path).status_code == 404


def test_the_customer_confirms_or_reopens_with_one_click_and_an_old_link_is_gone(shop, client, now):
    case = open_case(shop)
    resolved = step(shop, case, "resolve", resolution="Sent a new one")
    path = path_of(resolved["confirmation_url"])
    visitor = client.application.test_client()
    asked = visitor.get(path)
    assert asked.status_code == 200 and "Sent a new one" in asked.get_data(as_text=True)
    assert shop.get(f"/api/v1/complaints/{case['id']}").json["status"] == "resolved"  # a GET answers nothing
    token = token_of(asked.get_data(as_text=True))
    nul = visitor.post(path, data={"answer": "no", "note": "a\x00b", "csrf_token": token})
    assert nul.status_code == 422 and shop.get(f"/api/v1/complaints/{case['id']}").json["status"] == "resolved"
    assert visitor.post(path, data={"answer": "no", "note": "Still broken", "csrf_token": token}).status_code == 200
    reopened = shop.get(f"/api/v1/complaints/{case['id']}").json
    assert reopened["status"] == "plan_agreed" and reopened["steps"][-1]["actor"] == "customer"  # resolving agreed it
    assert visitor.get(path).status_code == 410  # that resolution's link
    now.move(hours=1)
    again = step(shop, case, "resolve", resolution="Refunded")
    second = path_of(again["confirmation_url"])
    assert second != path
    token = token_of(visitor.get(second).get_data(as_text=True))
    assert visitor.post(second, data={"answer": "yes", "csrf_token": token}).status_code == 200
    confirmed = shop.get(f"/api/v1/complaints/{case['id']}").json
    assert (confirmed["status"], confirmed["satisfied"]) == ("confirmed", True)
    assert visitor.get(second).status_code == 410
    assert visitor.get("/c/confirm/not-a-token").status_code == 404


@pytest.mark.sqlite
def test_the_queue_the_list_and_the_review_read_a_fixed_number_of_statements_whatever_the_cases(
        shop, now, count_queries):
    browser = shop.signed_in()
    paths = ("/complaints/?whose=all", "/api/v1/complaints/queue", "/api/v1/complaints", "/api/v1/complaints/review?week=2026-W49")

    def statements() -> dict:
        found = {}
        for path in paths:
            with count_queries() as n:
                response = (browser if path.startswith("/complaints") else shop).get(path)
                assert response.status_code == 200, path
            found[path] = n()
        return found

    open_case(shop)
    few = statements()
    for priority in ("low", "normal", "high", "urgent") * 3:
        open_case(shop, priority=priority)
    assert statements() == few
