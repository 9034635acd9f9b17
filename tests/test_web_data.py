"""The data pages: the import wizard, the data-quality page and segments, per role and per workspace."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid

import pytest
from openpyxl import load_workbook

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.imports import ImportKind, ImportProblem, ImportRun, ImportStatus
from saas.core.imports import importer
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow
from saas.testing import CSRF_INPUT
from tests.test_data_quality import raw_customers
from tests.test_imports import CUSTOMERS, csv_bytes, xlsx_bytes

ENGLISH = {"settings": {"locale": "en"}}
PASSWORD = "a long enough password"


@pytest.fixture
def shop(sign_up):
    return sign_up("shop", **ENGLISH)


def token_of(browser, path: str = "/imports") -> str:
    return CSRF_INPUT.search(browser.get(path).get_data(as_text=True)).group(1)


def member(app, tenant, role: str):
    """A member of ``tenant`` with ``role``, signed in through the login form."""
    email = f"{role}@{tenant.tenant['slug']}.example"
    assert tenant.post("/api/v1/members", json={"email": email, "password": PASSWORD, "role": role}).status_code == 201
    browser = app.test_client()
    token = token_of(browser, "/login")
    assert browser.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return browser


def upload(browser, content: bytes, *, name="customers.csv", kind="customers", encoding=""):
    return browser.post("/imports/new", data={
        "csrf_token": token_of(browser), "kind": kind, "encoding": encoding,
        "file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def mapping_form(html: str) -> dict:
    """The mapping form's fields as the browser would send them (each select's chosen option)."""
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    for name, options in re.findall(r'<select id="(column-\d+)" name="column-\d+">(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        fields[name] = chosen.group(1) if chosen else ""
    return fields


def map_action(html: str) -> str:
    return re.search(r'action="(/imports/new/[0-9a-f-]+)"', html).group(1)


def staged_files(app, tenant) -> list:
    with app.test_request_context(), tenant_context(tenant.id):
        folder = importer.folder()
        return sorted(folder.iterdir()) if folder.exists() else []


# -- the import wizard -----------------------------------------------------------------------------

def test_the_wizard_guesses_the_mapping_reports_every_bad_cell_then_imports_the_good_rows(app, shop):
    browser = shop.signed_in()
    mapped = upload(browser, csv_bytes(CUSTOMERS, "gb18030"), encoding="gb18030")
    html = mapped.get_data(as_text=True)
    assert mapped.status_code == 200 and "Map the columns" in html
    fields = mapping_form(html)
    assert (fields["column-1"], fields["column-3"], fields["encoding"]) == ("name", "phone", "gb18030")  # 姓名, 电话
    checked = browser.post(map_action(html), data={**fields, "dry_run": "true"})
    assert checked.status_code == 303
    report = browser.get(checked.headers["Location"]).get_data(as_text=True)
    assert "Checked (dry run)" in report and "Import the good rows" in report
    assert re.search(r"<td class=\"number\">4</td><td>电话</td><td>12345</td><td>[^<]+</td>", report)  # row, column, value
    assert "<td>邮箱</td><td>zhao@@example.com</td>" in report and "<td>姓名</td><td></td>" in report
    assert shop.get("/api/v1/customers").json["items"] == []  # a dry run writes nothing
    run_id = checked.headers["Location"].rsplit("/", 1)[1]
    done = browser.post(f"/imports/{run_id}/run", data={"csrf_token": token_of(browser)})
    assert done.status_code == 303
    page = browser.get(done.headers["Location"]).get_data(as_text=True)
    assert ">Done<" in page and "hx-trigger" not in page  # in-process, the job ran after the request
    assert sorted(c["name"] for c in shop.get("/api/v1/customers").json["items"]) == ["孙丽", "李伟", "王芳"]
    rejects = browser.get(done.headers["Location"] + "/rejects")
    table = list(csv.reader(io.StringIO(rejects.get_data(as_text=True).lstrip("\ufeff"))))
    assert rejects.mimetype == "text/csv" and [line[0] for line in table] == ["row", "4", "5"]
    assert staged_files(app, shop) and all(uuid.UUID(p.name) for p in staged_files(app, shop))  # the runs' files
    for run in staged_files(app, shop):
        run.unlink()  # as the daily clean-up does IMPORT_KEEP_DAYS after the import
    gone = browser.get(done.headers["Location"] + "/rejects")
    assert gone.status_code == 410 and "no longer kept" in gone.get_data(as_text=True)
    assert "<td>电话</td><td>12345</td>" in gone.get_data(as_text=True)  # the problems are still listed
    listing = browser.get("/imports").get_data(as_text=True)
    assert listing.count("customers.csv</a>") == 2 and "<caption>" in listing and 'scope="col"' in listing


def test_an_xlsx_of_customers_then_a_csv_of_their_purchases_go_through_the_wizard(shop):
    browser = shop.signed_in()

    def imported(content: bytes, name: str, kind: str) -> str:
        html = upload(browser, content, name=name, kind=kind).get_data(as_text=True)
        done = browser.post(map_action(html), data={**mapping_form(html), "dry_run": "false"})
        assert done.status_code == 303
        return browser.get(done.headers["Location"]).get_data(as_text=True)

    page = imported(xlsx_bytes(CUSTOMERS), "customers.xlsx", "customers")
    assert "xlsx" in page and ">Done<" in page and "<dd>3</dd>" in page
    orders = [["订单号", "客户编号", "产品", "金额", "日期"], ["SO-1", "C-1", "明前龙井", "¥120,000.00", "2026-11-01"],
              ["SO-2", "C-404", "白茶", "100", "2026-10-02"]]
    page = imported(csv_bytes(orders), "orders.csv", "purchases")
    assert "Purchases" in page and ">Done<" in page and "import the customers first" in page
    wang = next(c for c in shop.get("/api/v1/customers").json["items"] if c["name"] == "王芳")
    assert wang["tier"] == "core"


def test_a_file_that_is_not_a_spreadsheet_is_refused_on_the_form_and_nothing_is_kept(app, shop):
    browser = shop.signed_in()
    refused = upload(browser, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, name="photo.png")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'class="field-error" id="file-error"' in html
    assert upload(browser, csv_bytes(CUSTOMERS), kind="contacts").status_code == 422  # the API's kinds only
    nul = upload(browser, csv_bytes(CUSTOMERS), name="a\x00b.csv")  # PostgreSQL cannot store it
    assert nul.status_code == 422 and "cannot contain a NUL" in nul.get_data(as_text=True)
    assert shop.get("/api/v1/imports").json["items"] == [] and staged_files(app, shop) == []


def test_a_mapping_to_an_unknown_field_is_shown_with_its_error_and_nothing_is_imported(app, shop):
    browser = shop.signed_in()
    html = upload(browser, csv_bytes(CUSTOMERS)).get_data(as_text=True)
    fields = mapping_form(html)
    refused = browser.post(map_action(html), data={**fields, "column-1": "password", "dry_run": "false"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "is not a field of customers" in page and "No column for: name" in page
    unmapped = browser.post(map_action(html), data={key: value for key, value in fields.items()
                                                    if not key.startswith("column-")})
    assert unmapped.status_code == 422  # nothing mapped is refused, not guessed again behind the person's back
    assert shop.get("/api/v1/imports").json["items"] == [] and shop.get("/api/v1/customers").json["items"] == []
    assert browser.post(map_action(html), data={**fields, "dry_run": "false"}).status_code == 303  # still there


def test_the_progress_fragment_polls_while_the_run_waits_and_stops_by_itself_when_it_is_done(app, shop, monkeypatch):
    monkeypatch.setattr(importer, "queue", lambda run: None)  # as if a worker had not taken it yet
    browser = shop.signed_in()
    html = upload(browser, csv_bytes(CUSTOMERS)).get_data(as_text=True)
    location = browser.post(map_action(html), data={**mapping_form(html), "dry_run": "false"}).headers["Location"]
    waiting = browser.get(location + "/progress").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in waiting and f'hx-get="{location}/progress"' in waiting and "<progress" in waiting
    assert "Waiting" in browser.get(location).get_data(as_text=True)
    with app.app_context():
        importer.run_import(str(shop.id), location.rsplit("/", 1)[1])
    done = browser.get(location + "/progress").get_data(as_text=True)
    assert "hx-trigger" not in done and ">Done<" in done and "<dd>3</dd>" in done


def test_the_import_list_runs_the_same_statements_for_5_and_for_50_runs(app, shop, count_queries):
    browser = shop.signed_in()

    def statements_with(runs: int) -> int:
        with app.app_context(), tenant_context(shop.id):
            db.session.add_all(ImportRun(kind=ImportKind.customers, filename=f"f{n}.csv", status=ImportStatus.done)
                               for n in range(runs - db.session.query(ImportRun).count()))
            db.session.commit()
        browser.get("/imports")  # what a first visit does once (the session's bookkeeping) is not counted
        with count_queries() as statements:
            page = browser.get("/imports").get_data(as_text=True)
        assert page.count(".csv</a>") == runs
        return statements()

    assert statements_with(5) == statements_with(50)


# -- roles and workspaces --------------------------------------------------------------------------

def test_a_viewer_sees_the_data_pages_but_none_of_their_changes(app, shop):
    segment = shop.post("/api/v1/segments", json={"name": "VIP", "filter": {"tags": ["VIP"]}}).json
    customer = shop.customer(name="A", phone="13800138000")
    shop.customer(name="B", phone="13800138000")
    viewer = member(app, shop, "viewer")
    for path in ("/imports", "/segments", "/data-quality"):
        page = viewer.get(path)
        assert page.status_code == 200, path
        assert 'method="post"' not in page.get_data(as_text=True).split('<main id="main">')[1], path
    assert viewer.get(f"/segments/{segment['id']}/export.csv").status_code == 200  # reading is theirs
    token = token_of(viewer)
    for path, data in (("/imports/new", {}), ("/segments/new", {"name": "x"}), (f"/segments/{segment['id']}/delete", {}),
                       ("/data-quality/normalise", {}),
                       ("/data-quality/merge", {"survivor_id": customer["id"], "merged_id": customer["id"]})):
        assert viewer.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    assert viewer.get("/imports/new").status_code == 403
    assert [s["name"] for s in shop.get("/api/v1/segments").json["items"]] == ["VIP"]
    agent = member(app, shop, "agent")
    assert agent.get("/imports/new").status_code == 200 and agent.get("/segments/new").status_code == 200


def test_another_workspace_s_import_run_and_segment_are_404_pages(app, shop, sign_up):
    other = sign_up("other", **ENGLISH)
    browser = other.signed_in()
    html = upload(browser, csv_bytes(CUSTOMERS)).get_data(as_text=True)
    theirs = browser.post(map_action(html), data={**mapping_form(html), "dry_run": "true"}).headers["Location"]
    segment = other.post("/api/v1/segments", json={"name": "Theirs", "filter": {}}).json["id"]
    mine = shop.signed_in()
    token = token_of(mine)
    for path in (theirs, theirs + "/progress", theirs + "/rejects", f"/segments/{segment}/edit",
                 f"/segments/{segment}/export.xlsx"):
        missing = mine.get(path)
        assert missing.status_code == 404 and "This page does not exist" in missing.get_data(as_text=True), path
    assert mine.post(theirs + "/run", data={"csrf_token": token}).status_code == 404
    assert mine.post(f"/segments/{segment}/delete", data={"csrf_token": token}).status_code == 404
    assert mine.post(map_action(html), data={**mapping_form(html), "csrf_token": token}).status_code == 404
    assert len(other.get("/api/v1/segments").json["items"]) == 1 and other.get("/api/v1/customers").json["items"] == []


# -- segments --------------------------------------------------------------------------------------

def test_a_segment_is_made_with_a_live_count_listed_with_its_count_edited_and_deleted(shop):
    shop.customer(name="Ann", tags=["VIP"], kind="company", owner_id=shop.user["id"])
    shop.customer(name="Bo", tags=["VIP"])
    shop.customer(name="Cy")
    browser = shop.signed_in()
    token = token_of(browser, "/segments/new")
    form = {"csrf_token": token, "name": "VIP", "description": "Our best", "tags": "VIP, 批发"}
    live = browser.post("/segments/count", data=form).get_data(as_text=True)
    assert 'id="segment-count"' in live and "<strong>2</strong>" in live
    assert "<strong>1</strong>" in browser.post("/segments/count", data={**form, "kinds": "company"}).get_data(as_text=True)
    assert "<strong>1</strong>" in browser.post("/segments/count", data={**form, "owner_ids": shop.user["id"]}).get_data(
        as_text=True)
    made = browser.post("/segments/new", data=form)
    assert made.status_code == 303
    [segment] = shop.get("/api/v1/segments").json["items"]
    assert (segment["filter"]["tags"], segment["count"], segment["description"]) == (["VIP", "批发"], 2, "Our best")
    listing = browser.get("/segments").get_data(as_text=True)
    assert re.search(r'<th scope="row">VIP</th>\s*<td>Our best</td>\s*<td class="number">2</td>', listing)
    assert shop.post("/api/v1/custom-fields", json={"key": "channel", "label": "Sales channel", "type": "text"}).status_code == 201
    shop.patch(f"/api/v1/segments/{segment['id']}", json={"filter": {
        "tags": ["VIP"], "scores": {"m_score": [1, 5]}, "custom_fields": {"channel": "retail"}}})
    edit = browser.get(f"/segments/{segment['id']}/edit").get_data(as_text=True)
    assert 'value="VIP"' in edit and 'name="custom-channel" value="retail"' in edit
    assert f'<option value="{shop.user["id"]}">' in edit
    assert 'id="m_score_min" name="m_score_min">\n          <option value="">—</option>\n          <option value="1" selected>' in edit
    assert browser.post(f"/segments/{segment['id']}/edit",
                        data={**form, "name": "VIP companies", "kinds": "company", "r_score_min": "4",
                              "custom-channel": "retail"}).status_code == 303
    changed = shop.get(f"/api/v1/segments/{segment['id']}").json
    assert (changed["name"], changed["filter"]["kinds"], changed["filter"]["scores"], changed["filter"]["custom_fields"]) == (
        "VIP companies", ["company"], {"r_score": [4, 5]}, {"channel": "retail"})
    assert browser.post(f"/segments/{segment['id']}/delete", data={"csrf_token": token}).status_code == 303
    assert shop.get("/api/v1/segments").json["items"] == []


def test_custom_field_conditions_are_edited_on_the_segment_form_with_the_live_count(shop):
    for field in ({"key": "channel", "label": "Sales channel", "type": "text"},
                  {"key": "vip", "label": "VIP card", "type": "boolean"},
                  {"key": "grade", "label": "Grade", "type": "choice", "choices": ["A", "B"]},
                  {"key": "since", "label": "Member since", "type": "date"}):
        assert shop.post("/api/v1/custom-fields", json=field).status_code == 201
    shop.customer(name="Ann", custom_fields={"channel": "retail", "vip": True, "grade": "A", "since": "2025-03-01"})
    shop.customer(name="Bo", custom_fields={"channel": "online", "vip": False, "grade": "B"})
    shop.customer(name="Cy")
    browser = shop.signed_in()
    blank = browser.get("/segments/new").get_data(as_text=True)
    assert '<label for="custom-vip">VIP card</label>' in blank and '<option value="B">B</option>' in blank
    assert 'type="date" id="custom-since"' in blank
    form = {"csrf_token": token_of(browser, "/segments/new"), "name": "Cards"}

    def held(**conditions) -> str:
        fragment = browser.post("/segments/count", data={**form, **conditions}).get_data(as_text=True)
        found = re.search(r"<strong>(\d+)</strong>", fragment)
        return found.group(1) if found else fragment

    assert held() == "3" and held(**{"custom-channel": "retail"}) == "1" and held(**{"custom-channel": "shop"}) == "0"
    assert held(**{"custom-vip": "true"}) == "1" and held(**{"custom-vip": "false"}) == "1"
    assert held(**{"custom-grade": "B"}) == "1" and held(**{"custom-since": "2025-03-01", "custom-grade": "A"}) == "1"
    assert "Fix the conditions" in held(**{"custom-vip": "maybe"})
    refused = browser.post("/segments/new", data={**form, "custom-vip": "maybe"})
    assert refused.status_code == 422 and "vip: true or false" in refused.get_data(as_text=True)
    assert 'id="custom_fields-error"' in refused.get_data(as_text=True)
    assert shop.get("/api/v1/segments").json["items"] == []
    assert browser.post("/segments/new", data={**form, "custom-vip": "true", "custom-grade": "A"}).status_code == 303
    [segment] = shop.get("/api/v1/segments").json["items"]
    assert (segment["filter"]["custom_fields"], segment["count"]) == ({"vip": True, "grade": "A"}, 1)
    edit = browser.get(f"/segments/{segment['id']}/edit").get_data(as_text=True)
    assert '<option value="true" selected>' in edit and '<option value="A" selected>' in edit
    assert "<strong>1</strong>" in edit
    grade = next(d for d in shop.get("/api/v1/custom-fields").json["items"] if d["key"] == "grade")
    assert shop.delete(f"/api/v1/custom-fields/{grade['id']}").status_code == 204
    edit = browser.get(f"/segments/{segment['id']}/edit").get_data(as_text=True)
    assert "no longer has (grade)" in edit and "<strong>1</strong>" in edit
    assert browser.post(f"/segments/{segment['id']}/edit", data={**form, "custom-vip": "true"}).status_code == 303
    assert shop.get(f"/api/v1/segments/{segment['id']}").json["filter"]["custom_fields"] == {"vip": True}


def test_a_bad_segment_filter_shows_field_errors_and_saves_nothing(shop):
    shop.post("/api/v1/segments", json={"name": "Taken", "filter": {}})
    browser = shop.signed_in()
    token = token_of(browser, "/segments/new")
    for bad, marked in (({"name": "Big", "spend_min": "500", "spend_max": "100"}, "spend_max-error"),
                        ({"name": "Big", "spend_min": "lots"}, "spend_min-error"),
                        ({"name": "Big", "tiers": "gold"}, "tiers-error"),
                        ({"name": "Big", "owner_ids": "someone"}, "owner_ids-error"),
                        ({"name": "Big", "f_score_min": "4", "f_score_max": "2"}, "scores-error"),
                        ({"name": "Big", "f_score_min": "9"}, "scores-error"),
                        ({"name": ""}, "name-error"),
                        ({"name": "Taken"}, "name-error"),
                        ({"name": "Big\x00"}, "name-error"),
                        ({"name": "Big", "tags": "V\x00IP"}, "tags-error")):
        refused = browser.post("/segments/new", data={"csrf_token": token, **bad})
        assert refused.status_code == 422 and f'id="{marked}"' in refused.get_data(as_text=True), bad
    for bad in ({"spend_min": "lots"}, {"regions": "浙\x00江"}):
        live = browser.post("/segments/count", data={"csrf_token": token, **bad})
        assert live.status_code == 200 and "Fix the conditions" in live.get_data(as_text=True), bad
    assert [s["name"] for s in shop.get("/api/v1/segments").json["items"]] == ["Taken"]


def test_a_segment_exports_its_customers_as_csv_and_xlsx(shop):
    shop.customer(name="王芳", tags=["VIP"])
    shop.customer(name="Cy")
    segment = shop.post("/api/v1/segments", json={"name": "VIP", "filter": {"tags": ["VIP"]}}).json
    browser = shop.signed_in()
    as_csv = browser.get(f"/segments/{segment['id']}/export.csv")
    rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True).lstrip("\ufeff"))))
    assert as_csv.mimetype == "text/csv" and len(rows) == 2 and "王芳" in rows[1]
    as_xlsx = browser.get(f"/segments/{segment['id']}/export.xlsx")
    sheet = load_workbook(io.BytesIO(as_xlsx.data)).active
    assert sheet.max_row == 2 and "王芳" in next(sheet.iter_rows(min_row=2, values_only=True))


def test_the_segment_list_runs_the_same_statements_for_5_and_for_50_segments(shop, count_queries):
    browser = shop.signed_in()

    def statements_with(segments: int) -> int:
        have = len(shop.get("/api/v1/segments?limit=100").json["items"])
        for n in range(have, segments):
            assert shop.post("/api/v1/segments", json={"name": f"S{n:02}", "filter": {"tiers": ["core"]}}).status_code == 201
        browser.get("/segments")
        with count_queries() as statements:
            page = browser.get("/segments").get_data(as_text=True)
        assert page.count('<th scope="row">S') == segments
        return statements()

    assert statements_with(5) == statements_with(50)


# -- data quality ----------------------------------------------------------------------------------

def test_the_data_quality_page_shows_the_score_the_pairs_side_by_side_and_merges_one(shop):
    older = shop.customer(name="王芳", phone="138 0013 8000")
    later = shop.customer(name="王芳 (2)", phone="13800138000", email="wang@example.com")
    assert shop.post("/api/v1/purchases", json={"customer_id": later["id"], "product": "龙井", "amount": "500.00",
                                                "purchased_at": "2026-01-05T10:00:00Z"}).status_code == 201
    browser = shop.signed_in()
    page = browser.get("/data-quality").get_data(as_text=True)
    assert "data accuracy" in page and "Target 98%" in page and "same phone" in page
    assert page.count("Keep this one, merge the other into it") == 2 and "wang@example.com" in page
    merged = browser.post("/data-quality/merge", data=merge_form(page, keep=older["id"]))
    assert merged.status_code == 303
    after = browser.get("/data-quality").get_data(as_text=True)
    assert "Merged into 王芳" in after and "No likely duplicates." in after
    survivor = shop.get(f"/api/v1/customers/{older['id']}").json
    assert survivor["email"] == "wang@example.com"
    assert len(shop.get(f"/api/v1/purchases?customer_id={older['id']}").json["items"]) == 1
    assert shop.get(f"/api/v1/customers/{later['id']}").status_code == 404


def merge_form(page: str, *, keep: str) -> dict:
    """The fields of the button that keeps ``keep`` and merges the other record of its pair into it."""
    for form in re.findall(r'<form method="post" action="/data-quality/merge">(.*?)</form>', page, re.S):
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
        if fields["survivor_id"] == keep:
            return fields
    raise AssertionError(f"no button keeps {keep}")


def test_a_stale_data_quality_page_shows_the_conflict_instead_of_merging_over_a_change(shop):
    older = shop.customer(name="王芳", phone="13800138000")
    later = shop.customer(name="王芳 (2)", phone="13800138000")
    browser = shop.signed_in()
    page = browser.get("/data-quality").get_data(as_text=True)
    keep_older, keep_later = merge_form(page, keep=older["id"]), merge_form(page, keep=later["id"])
    assert (keep_older["survivor_version"], keep_older["merged_version"]) == ("1", "1")
    assert shop.patch(f"/api/v1/customers/{later['id']}", json={"email": "wang@example.com"}).status_code == 200
    for stale in (keep_older, keep_later):  # the merged record changed; then the kept one
        refused = browser.post("/data-quality/merge", data=stale)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 409 and "nothing was merged" in html and "wang@example.com" in html
    assert shop.get(f"/api/v1/customers/{later['id']}").json["email"] == "wang@example.com"  # both still there
    assert shop.get(f"/api/v1/customers/{older['id']}").json.get("merged_into_id") is None
    fresh = merge_form(html, keep=older["id"])
    assert fresh["merged_version"] == "2" and browser.post("/data-quality/merge", data=fresh).status_code == 303
    assert shop.get(f"/api/v1/customers/{later['id']}").status_code == 404
    missing = {**fresh, "merged_version": ""}
    assert browser.post("/data-quality/merge", data=missing).status_code == 422


def test_the_data_quality_page_compares_nothing_and_shows_the_pairs_the_scan_stored(shop, monkeypatch):
    from saas.core.data_quality import scan

    shop.customer(name="王芳", phone="13800138000")
    shop.customer(name="王芳 (2)", phone="13800138000")  # each new customer queues a scan, run after the request
    browser = shop.signed_in()

    def compared(*args, **kwargs):
        raise AssertionError("the request compared records")

    for name in ("find_pairs", "similar_names", "refresh_keys"):
        monkeypatch.setattr(scan, name, compared)
    page = browser.get("/data-quality").get_data(as_text=True)
    assert page.count('class="pair"') == 1 and "Found by the scan of" in page
    answer = shop.get("/api/v1/data-quality").json
    assert answer["duplicate_pairs"] == 1 and answer["customers"] == 2 and answer["computed_at"]


def test_normalising_rewrites_the_phones_and_bad_input_is_a_field_error(app, shop):
    raw_customers(app, shop, {"name": "Ann", "phone": "138 0013 8000"})  # as an old spreadsheet had it
    browser = shop.signed_in()
    token = token_of(browser, "/data-quality")
    assert shop.get("/api/v1/data-quality").json["unnormalised"]["phone"] == 1
    assert browser.post("/data-quality/normalise", data={"csrf_token": token}).status_code == 303  # a job, run after it
    assert shop.get("/api/v1/data-quality").json["unnormalised"]["phone"] == 0
    assert "is being rewritten in its normal form, in the background" in browser.get("/data-quality").get_data(as_text=True)
    bad = browser.get("/data-quality?min_score=7")
    assert bad.status_code == 422 and 'id="min-score-error"' in bad.get_data(as_text=True)
    refused = browser.post("/data-quality/merge", data={"csrf_token": token, "survivor_id": "x", "merged_id": ""})
    assert refused.status_code == 422


def test_the_data_pages_speak_chinese_in_a_default_workspace(sign_up):
    workspace = sign_up("chinese")
    workspace.customer(name="王芳", phone="13800138000")
    browser = workspace.signed_in()
    assert "信息管理准确率" in browser.get("/data-quality").get_data(as_text=True)
    assert "导入文件" in browser.get("/imports/new").get_data(as_text=True)
    assert "客户细分" in browser.get("/segments").get_data(as_text=True)


def test_the_data_quality_page_runs_the_same_statements_for_5_and_for_50_customers(app, shop, count_queries):
    browser = shop.signed_in()

    def statements_with(customers: int) -> int:
        with app.app_context(), tenant_context(shop.id):
            have = db.session.query(Customer).count()
        raw_customers(app, shop, *({"name": f"客户{n:02}", "phone": f"1380013{n % 20:04}"} for n in range(have, customers)))
        browser.get("/data-quality")
        with count_queries() as statements:
            page = browser.get("/data-quality").get_data(as_text=True)
        assert page.count('class="pair"') == (0 if customers < 21 else 30)  # each phone after the 20th twice
        return statements()

    assert statements_with(5) == statements_with(50)


def test_an_upload_may_be_as_large_as_the_api_takes_not_only_as_large_as_a_form(app, shop):
    browser = shop.signed_in()
    rows = [CUSTOMERS[0]] + [[f"C-{n}", f"客户{n}", "", "", "", "浙江", "", ""] for n in range(70_000)]
    content = csv_bytes(rows)
    assert len(content) > app.config["MAX_CONTENT_LENGTH"]
    assert upload(browser, content).status_code == 200  # the mapping step
    app.config["IMPORT_MAX_BYTES"], limit = len(content) - 1, app.config["IMPORT_MAX_BYTES"]
    try:
        assert upload(browser, content).status_code == 413
    finally:
        app.config["IMPORT_MAX_BYTES"] = limit
        for staged in staged_files(app, shop):
            staged.unlink()  # 2 MB that the instance folder need not keep


# -- deleting an import, the size limit, the menu --------------------------------------------------

def checked_run(browser) -> str:
    """A dry run of CUSTOMERS (two rows rejected), done in-process; its page's path."""
    html = upload(browser, csv_bytes(CUSTOMERS)).get_data(as_text=True)
    return browser.post(map_action(html), data={**mapping_form(html), "dry_run": "true"}).headers["Location"]


def problem_rows(app, tenant, import_id: str) -> int:
    with app.app_context(), tenant_context(tenant.id):
        return db.session.query(ImportProblem).filter_by(import_id=uuid.UUID(import_id)).count()


def test_an_import_is_deleted_from_its_page_with_its_file_and_rejects_and_what_it_imported_stays(app, shop):
    browser = shop.signed_in()
    done = browser.post(f"{checked_run(browser)}/run", data={"csrf_token": token_of(browser)}).headers["Location"]
    run_id = done.rsplit("/", 1)[1]
    page = browser.get(done).get_data(as_text=True)
    assert f'action="/imports/{run_id}/delete"' in page and "confirm-delete" in page and "data.js" in page
    assert problem_rows(app, shop, run_id) > 0 and len(staged_files(app, shop)) == 2
    deleted = browser.post(f"/imports/{run_id}/delete", data={"csrf_token": token_of(browser)})
    assert deleted.status_code == 303 and deleted.headers["Location"] == "/imports"
    assert "is deleted" in browser.get("/imports").get_data(as_text=True)
    assert browser.get(done).status_code == 404 and problem_rows(app, shop, run_id) == 0
    assert [p.name for p in staged_files(app, shop)] != [run_id] and len(staged_files(app, shop)) == 1  # the dry run's
    assert len(shop.get("/api/v1/customers").json["items"]) == 3  # the customers it imported stay


def test_a_running_import_is_not_deleted_from_the_page_nor_through_the_api(app, shop, monkeypatch):
    monkeypatch.setattr(importer, "queue", lambda run: None)  # as if a worker had not taken it yet
    browser = shop.signed_in()
    waiting = checked_run(browser)
    run_id = waiting.rsplit("/", 1)[1]
    assert "/delete" not in browser.get(waiting).get_data(as_text=True)
    refused = browser.post(f"{waiting}/delete", data={"csrf_token": token_of(browser)})
    assert refused.status_code == 409 and "still running" in refused.get_data(as_text=True)
    assert shop.delete(f"/api/v1/imports/{run_id}").status_code == 409
    assert shop.get(f"/api/v1/imports/{run_id}").json["status"] == "queued" and staged_files(app, shop)


def test_an_import_stalled_past_the_job_s_time_limit_can_be_deleted(app, shop, monkeypatch):
    monkeypatch.setattr(importer, "queue", lambda run: None)  # never taken by a worker (Redis was down)
    browser = shop.signed_in()
    run_id = checked_run(browser).rsplit("/", 1)[1]
    with app.app_context(), tenant_context(shop.id):
        run = importer.get(uuid.UUID(run_id))
        run.updated_at = utcnow() - dt.timedelta(seconds=importer.TIMEOUT + 60)
        db.session.commit()
    assert f'action="/imports/{run_id}/delete"' in browser.get(f"/imports/{run_id}").get_data(as_text=True)
    assert shop.delete(f"/api/v1/imports/{run_id}").status_code == 204
    assert shop.get(f"/api/v1/imports/{run_id}").status_code == 404


def test_deleting_an_import_takes_the_write_scope_and_another_workspace_s_is_a_404(app, shop, sign_up):
    run = checked_run(shop.signed_in())
    viewer = member(app, shop, "viewer")
    assert "/delete" not in viewer.get(run).get_data(as_text=True)
    assert viewer.post(f"{run}/delete", data={"csrf_token": token_of(viewer)}).status_code == 403
    other = sign_up("other", **ENGLISH).signed_in()
    missing = other.post(f"{run}/delete", data={"csrf_token": token_of(other)})
    assert missing.status_code == 404 and "This page does not exist" in missing.get_data(as_text=True)
    agent = member(app, shop, "agent")  # DELETE /api/v1/imports/{id} takes write: agents may, as on the API
    assert agent.post(f"{run}/delete", data={"csrf_token": token_of(agent)}).status_code == 303


def test_an_upload_over_the_limit_is_a_field_error_on_the_upload_form_and_nothing_is_kept(app, shop, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 2 * 1024 * 1024)
    browser = shop.signed_in()
    refused = upload(browser, csv_bytes(CUSTOMERS) + b"#" * (2 * 1024 * 1024))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 413 and 'id="file-error"' in html and "larger than the 2 MB" in html
    assert 'enctype="multipart/form-data"' in html and "That is too large" not in html  # the form, not the error page
    assert staged_files(app, shop) == [] and shop.get("/api/v1/imports").json["items"] == []
    viewer = member(app, shop, "viewer")
    assert upload(viewer, csv_bytes(CUSTOMERS) + b"#" * (2 * 1024 * 1024)).status_code == 403


def test_the_tests_keep_uploads_in_a_folder_of_their_own_not_in_the_instance_folder(app, shop):
    with app.test_request_context(), tenant_context(shop.id):
        folder = importer.folder()
    assert not folder.is_relative_to(app.instance_path)


def test_the_menu_marks_imports_current_on_an_import_s_pages_and_only_there(shop):
    browser = shop.signed_in()
    run = checked_run(browser)
    for path in ("/imports", run, "/imports/new"):
        page = browser.get(path).get_data(as_text=True)
        assert re.findall(r'aria-current="page">([^<]+)<', page) == ["Imports"], path
    assert re.findall(r'aria-current="page">([^<]+)<', browser.get("/").get_data(as_text=True)) == ["Dashboard"]
    tags = browser.get("/customers/tags").get_data(as_text=True)  # under /customers, but an entry of its own
    assert re.findall(r'aria-current="page">([^<]+)<', tags) == ["Tags"]
