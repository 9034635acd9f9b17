"""What the complaints module puts beside its own pages: the profile panel, the dashboard's
cards, the weekly digest to managers through the mail adapter (once a week, in each reader's
language), and the e-mail that asks the customer "was this resolved?". A controllable clock."""

from __future__ import annotations

import pytest

from tests.test_complaints import MONDAY_10, Clock, open_case, step
from tests.test_complaints_escalation import member, run
from tests.test_web_accounts import mails  # noqa: F401  the fixture


@pytest.fixture
def now(monkeypatch):
    from plugins.complaints import clock

    moved = Clock(MONDAY_10)
    monkeypatch.setattr(clock, "now", moved)
    return moved


def test_the_profile_panel_counts_open_cases_and_missed_clocks_and_links_to_a_new_case(tenant_a, tenant_b, now):
    tenant_a.enable("complaints")
    customer = tenant_a.customer()
    first = open_case(tenant_a, customer)
    now.move(hours=2)
    step(tenant_a, first, "resolve", resolution="Refunded")  # its response late
    open_case(tenant_a, customer, category="price")
    panels = tenant_a.get(f"/api/v1/customers/{customer['id']}/panels").json["items"]
    [panel] = [p for p in panels if p["key"] == "complaints"]
    rows = {row[0] if isinstance(row, list) else row["label"]: row[1] if isinstance(row, list) else row["value"]
            for row in panel["rows"]}
    assert rows["Open complaints"] == "1" and rows["Missed clocks in 90 days"] == "1"
    assert rows["Latest complaint"].startswith("Price, New")
    assert panel["link"] == f"/complaints/new?customer_id={customer['id']}"
    other = tenant_b.customer()
    assert "complaints" not in {p["key"] for p in tenant_b.get(f"/api/v1/customers/{other['id']}/panels").json["items"]}


def test_the_cards_count_open_and_late_cases_and_this_month_s_compliance(tenant_a, now):
    tenant_a.enable("complaints")
    late, met = open_case(tenant_a), open_case(tenant_a)
    step(tenant_a, met, "resolve", resolution="Refunded")
    now.move(hours=2)
    cards = {c["key"]: c for c in tenant_a.get("/api/v1/reports/cards").json["items"] if c["module"] == "complaints"}
    assert cards["open"]["value"] == 1 and cards["late"]["value"] == 1
    assert (cards["compliance"]["value"], cards["compliance"]["unit"]) == (0.75, "percent")  # met: 3 of met's; late's response breached
    assert late["id"]


def test_the_weekly_digest_goes_to_the_managers_once_in_their_language(tenant_a, now, mails):  # noqa: F811
    from plugins.complaints import digest

    tenant_a.enable("complaints")
    manager = member(tenant_a, "manager", None)
    agent = member(tenant_a, "agent", None)
    case = open_case(tenant_a)
    step(tenant_a, case, "resolve", resolution="Refunded", cause="courier")
    now.move(days=7)  # the next Monday: last week is the case's
    assert run(tenant_a, digest.send_weekly) == 2  # the owner and the manager
    assert run(tenant_a, digest.send_weekly) == 0  # once a week
    sent = [m for m in mails() if "2026-W49" in m]  # not the new members' welcome
    assert len(sent) == 2
    assert any(manager["email"] in m for m in sent) and not any(agent["email"] in m for m in sent)
    assert all("- courier: 1" in m and "- 物流配送: 1" in m for m in sent)
    assert all("每周投诉回顾" in m for m in sent)  # the workspace's language (zh_CN); the cause as written
    tenant_a.enable("complaints", {"digest": False})
    now.move(days=7)
    assert run(tenant_a, digest.send_weekly) == 0


def test_a_resolved_case_asks_the_customer_by_e_mail_with_the_one_click_link(tenant_a, now, mails):  # noqa: F811
    tenant_a.enable("complaints")
    customer = tenant_a.customer(email="wang@example.com")
    resolved = step(tenant_a, open_case(tenant_a, customer), "resolve", resolution="Sent a new one")
    [sent] = mails()
    assert "wang@example.com" in sent and resolved["confirmation_url"] in sent
    step(tenant_a, open_case(tenant_a), "resolve", resolution="Refunded")  # no e-mail: staff ask
    assert len(mails()) == 1


def test_each_step_is_on_the_customer_s_timeline_and_a_merge_moves_the_cases(tenant_a, now):
    tenant_a.enable("complaints")
    customer, twin = tenant_a.customer(), tenant_a.customer()
    case = open_case(tenant_a, customer)
    now.move(minutes=5)
    step(tenant_a, case, "acknowledge", note="Called back")
    timeline = tenant_a.get(f"/api/v1/customers/{customer['id']}/timeline").json["items"]
    mine = [item["entry"] for item in timeline if item["type"] == "complaints.step"]
    assert [item["title"] for item in mine] == ["Complaint acknowledged (Delivery)", "Complaint opened (Delivery)"]
    assert mine[0]["body"] == "Called back" and mine[0]["link"] == f"/complaints/{case['id']}"
    other = open_case(tenant_a, twin, category="price")
    merged = tenant_a.post(f"/api/v1/customers/{customer['id']}/merge", json={"merged_id": twin["id"]})
    assert merged.status_code == 200, merged.json
    assert tenant_a.get(f"/api/v1/complaints/{other['id']}").json["customer_id"] == customer["id"]
    assert len(tenant_a.get(f"/api/v1/complaints?customer_id={customer['id']}").json["items"]) == 2
