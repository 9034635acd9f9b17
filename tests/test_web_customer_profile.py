"""The customer profile page (``/customers/<id>``), its actions, and creating a customer
(``/customers/new``): each through the same schema and core function as the API."""

from __future__ import annotations

import datetime as dt

import pytest

from saas.testing import CSRF_INPUT
from tests.browser.conftest import ENGLISH

PASSWORD = "a long enough password"


def signed_in_as(app, email: str):
    browser = app.test_client()
    token = CSRF_INPUT.search(browser.get("/login").get_data(as_text=True)).group(1)
    assert browser.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return browser


def member(app, company, role: str):
    email = f"{role}@{company.tenant['slug']}.example"
    response = company.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role})
    assert response.status_code == 201, response.json
    return signed_in_as(app, email)


def token_of(browser, path: str = "/") -> str:
    return CSRF_INPUT.search(browser.get(path).get_data(as_text=True)).group(1)


def post(browser, path: str, **data):
    return browser.post(path, data={"csrf_token": token_of(browser), **data})


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def company(sign_up):
    return sign_up(settings=ENGLISH)


@pytest.fixture
def owner(company):
    return company.signed_in()


def read(company, customer_id) -> dict:
    return company.get(f"/api/v1/customers/{customer_id}").json


def timeline(company, customer_id) -> list:
    return company.get(f"/api/v1/customers/{customer_id}/timeline").json["items"]


# -- the profile -------------------------------------------------------------------------------------

def test_the_profile_shows_contact_data_custom_fields_tier_stage_figures_tags_and_the_timeline(company, owner):
    assert company.post("/api/v1/custom-fields", json={"key": "grade", "label": "Grade", "type": "choice",
                                                       "choices": ["A", "B"]}).status_code == 201
    customer = company.customer(name="Wang Fang", email="wang@example.com", phone="138 0013 8000",
                                tags=["tea", "vip"], custom_fields={"grade": "B"}, owner_id=company.user["id"])
    company.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "Longjing 500g",
                                            "amount": "120000.00", "purchased_at": "2026-11-20T08:00:00+00:00"})
    company.post("/api/v1/interactions", json={"customer_id": customer["id"], "channel": "phone",
                                               "subject": "Asked for the autumn list", "occurred_at": "2026-11-25T08:00:00+00:00"})

    page = owner.get(f"/customers/{customer['id']}")

    assert page.status_code == 200
    html = text(page)
    assert "<h1 id=\"customer-name\">Wang Fang</h1>" in html
    assert "wang@example.com" in html and "+8613800138000" in html
    assert "<dt>Grade</dt>" in html and "<dd>B</dd>" in html
    assert f"<dt>Account manager</dt><dd>{company.user['email']}</dd>" in html or \
        f"<dt>Account manager</dt><dd>{company.user['name']}</dd>" in html
    assert 'class="badge tier-core">Core</span>' in html
    assert "spend in the last 12 months 120,000.00 &gt;= 100,000.00 (core)" in html
    assert "Recency, frequency and monetary value" in html and "CN¥120,000.00" in html
    assert '<span class="tag">tea</span>' in html and '<span class="tag">vip</span>' in html
    assert "Longjing 500g" in html and "Asked for the autumn list" in html
    assert html.index("Asked for the autumn list") < html.index("Longjing 500g")  # newest first
    assert 'action="/customers/%s/purchases' % customer["id"] in html  # the owner may write


def test_the_profile_speaks_chinese_in_a_default_workspace(sign_up):
    company = sign_up()
    customer = company.customer(name="王芳")
    company.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "龙井", "amount": "40000.00",
                                            "purchased_at": dt.datetime.now(dt.timezone.utc).isoformat()})
    browser = company.signed_in()
    html = text(browser.get(f"/customers/{customer['id']}"))
    assert '<html lang="zh-CN">' in html
    assert "重要客户" in html and "新客户" in html and "记录购买" in html and "联系资料" in html
    refused = post(browser, "/customers/new", name="李", phone="12")
    assert refused.status_code == 422 and "按工作区的电话地区，这不是有效的电话号码。" in text(refused)
    refused = post(browser, "/customers/new", name="")
    assert refused.status_code == 422 and 'id="name-error">必填。' in text(refused)


def test_another_workspace_s_customer_is_a_404_page_and_its_actions_write_nothing(company, owner, sign_up):
    other = sign_up(settings=ENGLISH)
    theirs = other.customer(name="Not yours")
    page = owner.get(f"/customers/{theirs['id']}")
    assert page.status_code == 404 and "This page does not exist" in text(page)
    assert owner.get(f"/customers/{theirs['id']}/edit").status_code == 404
    assert post(owner, f"/customers/{theirs['id']}/interactions", channel="phone", subject="x",
                occurred_at="2026-11-01T10:00").status_code == 404
    assert post(owner, f"/customers/{theirs['id']}/delete").status_code == 404
    assert read(other, theirs["id"])["deleted_at"] is None and timeline(other, theirs["id"]) == []
    mine = company.customer(name="Mine")
    refused = post(owner, f"/customers/{mine['id']}/merge", merged_id=theirs["id"], version="1")
    assert refused.status_code == 404 and read(other, theirs["id"])["merged_into_id"] is None


def test_someone_not_signed_in_is_sent_to_sign_in(company, client):
    customer = company.customer()
    response = client.get(f"/customers/{customer['id']}")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_sql_statements_of_a_profile_do_not_grow_with_its_timeline(app, company, owner, count_queries):
    company.put("/api/v1/modules/loyalty", json={"enabled": True})

    def customer_with(entries: int) -> str:
        customer = company.customer()
        for number in range(entries):
            if number % 2:
                company.post("/api/v1/interactions", json={"customer_id": customer["id"], "channel": "visit",
                                                           "subject": f"visit {number}", "occurred_at": "2026-10-01T08:00:00+00:00"})
            else:
                company.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": f"tea {number}",
                                                        "amount": "100.00", "purchased_at": "2026-10-01T08:00:00+00:00"})
        return customer["id"]

    few, many = customer_with(5), customer_with(50)
    owner.get(f"/customers/{few}")  # warm the caches a first request fills
    counts = {}
    for name, customer_id in (("few", few), ("many", many)):
        with count_queries() as statements:
            page = owner.get(f"/customers/{customer_id}")
        assert page.status_code == 200
        counts[name] = statements()
    assert text(page).count('class="entry ') == 50
    assert counts["few"] == counts["many"]


def test_older_timeline_entries_come_as_a_fragment_for_htmx_and_as_the_page_without_it(company, owner):
    customer = company.customer()
    for number in range(52):
        company.post("/api/v1/interactions", json={"customer_id": customer["id"], "channel": "chat",
                                                   "subject": f"chat {number:02}",
                                                   "occurred_at": f"2026-10-01T08:{number:02}:00+00:00"})
    first = text(owner.get(f"/customers/{customer['id']}"))
    assert "chat 51" in first and "chat 01" not in first
    more = first.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    fragment = text(owner.get(more, headers={"HX-Request": "true"}))
    assert "chat 01" in fragment and "chat 00" in fragment and "chat 51" not in fragment and "<html" not in fragment
    assert "chat 01" in text(owner.get(more)) and "<html" in text(owner.get(more))


# -- creating ----------------------------------------------------------------------------------------

def test_creating_a_customer_normalises_phone_and_e_mail_and_takes_custom_fields(company, owner):
    company.post("/api/v1/custom-fields", json={"key": "shop_size", "label": "Shop size", "type": "number"})
    company.post("/api/v1/custom-fields", json={"key": "franchise", "label": "Franchise", "type": "boolean"})
    form = text(owner.get("/customers/new"))
    assert '<label for="custom_fields-shop_size">Shop size</label>' in form and 'for="email">E-mail</label>' in form

    response = post(owner, "/customers/new", name="Li Wei", email=" Li.Wei@Example.COM ", phone="138 0013 8000",
                    tags="tea, vip", **{"custom_fields.shop_size": "120", "custom_fields.franchise": "on",
                                        "preferences.contact_time": "mornings"})

    assert response.status_code == 303
    customer_id = response.headers["Location"].rsplit("/", 1)[1]
    saved = read(company, customer_id)
    assert (saved["name"], saved["email"], saved["phone"]) == ("Li Wei", "li.wei@example.com", "+8613800138000")
    assert saved["tags"] == ["tea", "vip"] and saved["custom_fields"] == {"shop_size": "120", "franchise": True}
    assert saved["preferences"] == {"contact_time": "mornings"}
    assert "Customer Li Wei added." in text(owner.get(response.headers["Location"]))


def test_bad_input_to_the_new_customer_form_shows_each_field_s_error_with_422_and_writes_nothing(company, owner):
    company.post("/api/v1/custom-fields", json={"key": "shop_size", "label": "Shop size", "type": "number"})
    cases = [
        ({"name": "", "email": "not an e-mail"}, {"name": "Required.", "email": "Not a valid e-mail address."}),
        ({"name": "A", "phone": "12"}, {"phone": "Not a valid phone number"}),
        ({"name": "A", "email": "a@@b"}, {"email": "Not a valid e-mail address."}),
        ({"name": "A", "custom_fields.shop_size": "big"}, {"custom_fields-shop_size": "Not a valid number."}),
        ({"name": "A", "birthday": "yesterday"}, {"birthday": "Not a valid date."}),
        ({"name": "A", "owner_id": "someone"}, {"owner_id": "Not a valid id."}),
        ({"name": "A", "owner_id": "01a2373b-3e0c-75b9-999e-8ad01f167843"}, {"owner_id": "Not a member of this workspace."}),
    ]
    for data, expected in cases:
        response = post(owner, "/customers/new", **data)
        assert response.status_code == 422, data
        html = text(response)
        for field, message in expected.items():
            assert f'id="{field}-error">{message}' in html, (field, html)
        assert 'value="A"' in html or data["name"] == ""  # what was typed stays in the form
    taken = company.customer(external_id="ERP-1")
    duplicate = post(owner, "/customers/new", name="B", external_id="ERP-1")
    assert duplicate.status_code == 409 and 'id="external_id-error">Already used by another customer.' in text(duplicate)
    assert [c["id"] for c in company.get("/api/v1/customers").json["items"]] == [taken["id"]]


# -- the actions -------------------------------------------------------------------------------------

def test_logging_an_interaction_and_recording_a_purchase_change_the_timeline_and_the_tier(company, owner):
    customer = company.customer(name="Zhao")
    path = f"/customers/{customer['id']}"
    logged = post(owner, f"{path}/interactions", channel="visit", direction="outbound", subject="Tasting at the shop",
                  occurred_at="2026-11-30T10:00", notes="Liked the Longjing")
    assert logged.status_code == 303 and logged.headers["Location"] == path
    assert read(company, customer["id"])["tier"] == "potential"

    bought = post(owner, f"{path}/purchases", product="Longjing 2kg", amount="150000", purchased_at="2026-11-30T11:00",
                  external_ref="SHOP-7")
    assert bought.status_code == 303
    assert read(company, customer["id"])["tier"] == "core"
    entries = timeline(company, customer["id"])
    assert [e["type"] for e in entries] == ["purchase", "interaction"]
    assert entries[0]["purchase"]["purchased_at"] == "2026-11-30T03:00:00+00:00"  # read in the workspace's zone
    assert entries[1]["interaction"]["staff_id"] == company.user["id"]
    html = text(owner.get(path))
    assert "Purchase recorded." in html and 'class="badge tier-core">Core' in html

    again = post(owner, f"{path}/purchases", product="Longjing 2kg", amount="150000", purchased_at="2026-11-30T11:00",
                 external_ref="SHOP-7")
    assert again.status_code == 409 and "This order was recorded before." in text(again)
    assert len(timeline(company, customer["id"])) == 2


def test_bad_input_to_the_profile_s_forms_re_renders_them_with_422_and_writes_nothing(company, owner):
    customer = company.customer()
    path = f"/customers/{customer['id']}"
    purchase = company.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "tea",
                                                       "amount": "100.00", "purchased_at": "2026-10-01T08:00:00+00:00"}).json
    for action, data, field in (
        ("interactions", {"channel": "pigeon", "subject": "", "occurred_at": "soon"}, "interaction-channel"),
        ("interactions", {"channel": "phone", "subject": "", "occurred_at": "2026-11-01T10:00"}, "subject"),
        ("purchases", {"product": "tea", "amount": "-5", "purchased_at": "2026-11-01T10:00"}, "amount"),
        ("purchases", {"product": "", "amount": "lots", "purchased_at": ""}, "product"),
        ("purchases", {"product": "tea", "amount": "5", "purchased_at": "0001-01-01T00:00"}, "purchased_at"),
        (f"purchases/{purchase['id']}/refund", {"amount": "500"}, "amount"),
        (f"purchases/{purchase['id']}/refund", {"amount": "abc"}, "amount"),
        ("merge", {"merged_id": "not-an-id", "version": str(customer["version"])}, "merged_id"),
    ):
        response = post(owner, f"{path}/{action}", **data)
        assert response.status_code == 422, (action, data, text(response)[:300])
        assert f'id="{field.split("-")[-1]}-error"' in text(response) or f'id="{field}-error"' in text(response), action
    assert timeline(company, customer["id"])[0]["purchase"]["refunded_amount"] == "0.00"
    assert len(timeline(company, customer["id"])) == 1


def test_a_refund_is_recorded_and_takes_the_purchase_out_of_the_tier(company, owner):
    customer = company.customer()
    purchase = company.post("/api/v1/purchases", json={
        "customer_id": customer["id"], "product": "tea", "amount": "40000.00",
        "purchased_at": dt.datetime.now(dt.timezone.utc).isoformat()}).json
    assert read(company, customer["id"])["tier"] == "important"
    response = post(owner, f"/customers/{customer['id']}/purchases/{purchase['id']}/refund", amount="35000",
                    reason="broken tins")
    assert response.status_code == 303
    refunded = company.get(f"/api/v1/purchases/{purchase['id']}").json
    assert (refunded["refunded_amount"], refunded["refund_reason"]) == ("35000.00", "broken tins")
    assert read(company, customer["id"])["tier"] == "general"
    html = text(owner.get(f"/customers/{customer['id']}"))
    assert "refunded CN¥35,000.00" in html


def test_a_refund_of_another_customer_s_purchase_is_refused(company, owner):
    one, other = company.customer(), company.customer()
    purchase = company.post("/api/v1/purchases", json={"customer_id": other["id"], "product": "tea", "amount": "10.00",
                                                       "purchased_at": "2026-10-01T08:00:00+00:00"}).json
    response = post(owner, f"/customers/{one['id']}/purchases/{purchase['id']}/refund")
    assert response.status_code == 404
    assert company.get(f"/api/v1/purchases/{purchase['id']}").json["refunded_amount"] == "0.00"


def test_merging_a_duplicate_moves_its_history_and_a_stale_version_merges_nothing(company, owner):
    survivor = company.customer(name="Chen Jing", email="chen@example.com")
    duplicate = company.customer(name="Chen J.", phone="138 0013 8000", tags=["wholesale"])
    company.post("/api/v1/interactions", json={"customer_id": duplicate["id"], "channel": "phone", "subject": "hello",
                                               "occurred_at": "2026-11-01T08:00:00+00:00"})
    path = f"/customers/{survivor['id']}"
    stale = post(owner, f"{path}/merge", merged_id=duplicate["id"], version=str(survivor["version"] - 1 or 99))
    assert stale.status_code == 409 and read(company, duplicate["id"])["deleted_at"] is None

    merged = post(owner, f"{path}/merge", merged_id=duplicate["id"], version=str(survivor["version"]))
    assert merged.status_code == 303
    kept = read(company, survivor["id"])
    assert kept["phone"] == "+8613800138000" and kept["tags"] == ["wholesale"]
    assert [e["interaction"]["subject"] for e in timeline(company, survivor["id"])] == ["hello"]
    tombstone = owner.get(f"/customers/{duplicate['id']}")
    assert tombstone.status_code == 200 and f'href="{path}"' in text(tombstone)
    assert "Restore" not in text(tombstone)


def test_deleting_and_restoring_a_customer(company, owner):
    customer = company.customer(name="Sun Li")
    path = f"/customers/{customer['id']}"
    assert post(owner, f"{path}/delete").status_code == 303
    assert company.get(f"/api/v1/customers/{customer['id']}").status_code == 404
    html = text(owner.get(path))
    assert "This customer was deleted on" in html and 'action="%s/restore"' % path in html
    assert f'action="{path}/purchases' not in html  # a deleted customer takes no new activity
    assert post(owner, f"{path}/delete").status_code == 404  # as the API: a deleted customer is not found
    assert post(owner, f"{path}/restore").status_code == 303
    assert read(company, customer["id"])["deleted_at"] is None
    again = post(owner, f"{path}/restore")
    assert again.status_code == 409 and "the customer is not deleted" in text(again)


# -- editing -----------------------------------------------------------------------------------------

def test_editing_saves_the_changes_and_empty_inputs_clear_fields(company, owner):
    customer = company.customer(name="Zhou", company="Old Co", email="zhou@example.com", tags=["a"])
    path = f"/customers/{customer['id']}"
    form = text(owner.get(f"{path}/edit"))
    assert f'name="version" value="{customer["version"]}"' in form and 'value="Old Co"' in form
    response = post(owner, f"{path}/edit", version=str(customer["version"]), name="Zhou Min", kind="company",
                    company="", email="min@example.com", tags="a, b", owner_id=company.user["id"])
    assert response.status_code == 303 and response.headers["Location"] == path
    saved = read(company, customer["id"])
    assert (saved["name"], saved["kind"], saved["company"], saved["email"]) == ("Zhou Min", "company", None,
                                                                                 "min@example.com")
    assert saved["tags"] == ["a", "b"] and saved["version"] == customer["version"] + 1
    assert saved["owner_id"] == company.user["id"]
    assert f'<option value="{company.user["id"]}" selected>' in text(owner.get(f"{path}/edit"))


def test_a_stale_edit_shows_what_changed_meanwhile_and_overwrites_nothing(company, owner):
    customer = company.customer(name="Qian", phone="138 0013 8000")
    path = f"/customers/{customer['id']}"
    company.patch(f"/api/v1/customers/{customer['id']}", json={"phone": "139 0013 9000"})  # someone else, meanwhile

    response = post(owner, f"{path}/edit", version=str(customer["version"]), name="Qian Hui", kind="person",
                    phone="+8613800138000")

    assert response.status_code == 409
    html = text(response)
    assert "Someone changed this customer while you were editing it. Nothing was saved." in html
    row = html.split('<th scope="row">Phone</th>')[1].split("</tr>")[0]
    assert "+8613800138000" in row and "+8613900139000" in row
    assert f'name="version" value="{customer["version"] + 1}"' in html  # saving again is a deliberate choice
    assert 'value="Qian Hui"' in html
    saved = read(company, customer["id"])
    assert (saved["name"], saved["phone"]) == ("Qian", "+8613900139000")


def test_bad_input_to_the_edit_form_re_renders_it_with_422_and_writes_nothing(company, owner):
    customer = company.customer(name="Feng")
    response = post(owner, f"/customers/{customer['id']}/edit", version=str(customer["version"]), name="",
                    kind="person", email="nope")
    assert response.status_code == 422
    assert 'id="name-error">Required.' in text(response) and 'id="email-error">Not a valid e-mail address.' in text(response)
    assert read(company, customer["id"])["version"] == customer["version"]


# -- roles -------------------------------------------------------------------------------------------

def test_a_viewer_sees_the_profile_without_actions_and_every_write_is_403(app, company):
    customer = company.customer(name="Viewer's view")
    purchase = company.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "tea", "amount": "10.00",
                                                       "purchased_at": "2026-10-01T08:00:00+00:00"}).json
    viewer = member(app, company, "viewer")
    path = f"/customers/{customer['id']}"
    html = text(viewer.get(path))
    assert "Viewer&#39;s view" in html and "tea" in html
    for action in ("/edit", "/interactions", "/purchases", f"/purchases/{purchase['id']}/refund", "/merge", "/delete",
                   "/restore"):
        assert f'action="{path}{action}' not in html and f'href="{path}{action}' not in html
    assert "New customer" not in html  # the menu offers only what the role may open
    assert viewer.get("/customers/new").status_code == 403
    assert viewer.get(f"{path}/edit").status_code == 403
    for action, data in (("/interactions", {"channel": "phone", "subject": "x", "occurred_at": "2026-11-01T10:00"}),
                         ("/purchases", {"product": "x", "amount": "1", "purchased_at": "2026-11-01T10:00"}),
                         (f"/purchases/{purchase['id']}/refund", {}), ("/delete", {}), ("/restore", {}),
                         ("/edit", {"version": "1", "name": "x", "kind": "person"}),
                         ("/merge", {"merged_id": customer["id"]})):
        assert post(viewer, path + action, **data).status_code == 403, action
    assert post(viewer, "/customers/new", name="x").status_code == 403
    assert len(timeline(company, customer["id"])) == 1 and read(company, customer["id"])["name"] == "Viewer's view"


@pytest.mark.parametrize("role", ["agent", "manager", "admin"])
def test_agents_managers_and_admins_may_act_as_the_api_lets_them(app, company, role):
    browser = member(app, company, role)
    response = post(browser, "/customers/new", name=f"By {role}")
    assert response.status_code == 303
    path = response.headers["Location"]
    html = text(browser.get(path))
    assert f'action="{path}/purchases' in html and f'href="{path}/edit"' in html
    assert post(browser, f"{path}/interactions", channel="phone", subject="hi",
                occurred_at="2026-11-01T10:00").status_code == 303
    assert post(browser, f"{path}/delete").status_code == 303


def test_a_refused_refund_of_an_entry_beyond_the_first_page_still_shows_why(company, owner):
    customer = company.customer()
    old = company.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "old tea", "amount": "10.00",
                                                  "purchased_at": "2025-01-01T08:00:00+00:00"}).json
    for number in range(50):
        company.post("/api/v1/interactions", json={"customer_id": customer["id"], "channel": "chat", "subject": f"c{number}",
                                                   "occurred_at": "2026-10-01T08:00:00+00:00"})
    response = post(owner, f"/customers/{customer['id']}/purchases/{old['id']}/refund", amount="11")
    assert response.status_code == 422 and "old tea" not in text(response)
    assert "Must be above 0 and at most 10.00." in text(response)
