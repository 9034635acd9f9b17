"""Importing customers and purchases from CSV and XLSX: dry runs, bad cells, rejects, re-imports,
encodings and files that cannot be read (each test runs on SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from openpyxl import Workbook

from tests.conftest import make_app

CUSTOMERS = [
    ["客户编号", "姓名", "公司", "电话", "邮箱", "地区", "标签", "生日"],
    ["C-1", "王芳", "西湖茶庄", "138 0013 8000", "Wang.Fang@Example.com", "浙江", "VIP、批发", "1980/05/04"],
    ["C-2", "李伟", "", "(0571) 8765-4321", "", "浙江", "", ""],
    ["C-3", "赵敏", "", "12345", "zhao@@example.com", "北京", "", "yesterday"],  # three bad cells
    ["", "", "无名公司", "", "", "", "", ""],  # no name
    ["C-5", "孙丽", "", "+86 139 0013 9000", "sun@example.com", "上海", "VIP", "1990-01-31"],
]


def csv_bytes(rows, encoding="utf-8", **kw) -> bytes:
    out = io.StringIO()
    csv.writer(out, **kw).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, *, formula_at=None, merge=None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if formula_at:
        sheet[formula_at] = "=1+1"
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(tenant, content: bytes, *, kind="customers", name="customers.csv", **form):
    data = {"kind": kind, "file": (io.BytesIO(content), name),
            **{k: json.dumps(v) if k == "mapping" else str(v).lower() for k, v in form.items()}}
    return tenant.post("/api/v1/imports", data=data, content_type="multipart/form-data")


def imported(tenant, content: bytes, **kw) -> dict:
    response = upload(tenant, content, **kw)
    assert response.status_code == 202, response.json
    run = tenant.get(f"/api/v1/imports/{response.json['id']}").json  # in-process: the job ran already
    assert run["status"] in ("done", "checked"), run
    return run


def customers_of(tenant) -> dict[str, dict]:
    return {c["name"]: c for c in tenant.get("/api/v1/customers?limit=200").json["items"]}


def test_a_dry_run_reports_every_bad_cell_and_writes_nothing(tenant_a):
    run = imported(tenant_a, csv_bytes(CUSTOMERS, "gb18030"), dry_run=True)
    assert (run["status"], run["file_format"], run["rows_total"], run["rejected"]) == ("checked", "csv/gb18030", 5, 2)
    assert (run["created"], run["updated"], run["unchanged"]) == (3, 0, 0)
    problems = tenant_a.get(f"/api/v1/imports/{run['id']}/problems").json["items"]
    assert [(p["row"], p["column"]) for p in problems] == [(4, "生日"), (4, "电话"), (4, "邮箱"), (5, "姓名")]
    assert problems[1]["value"] == "12345" and "phone" in problems[1]["reason"]
    assert customers_of(tenant_a) == {}


def test_an_import_writes_the_good_rows_hands_back_the_rejects_and_changes_nothing_the_second_time(app, tenant_a):
    content = csv_bytes(CUSTOMERS, "gb18030")
    run = imported(tenant_a, content)
    assert (run["status"], run["created"], run["rejected"], run["rows_done"]) == ("done", 3, 2, 3)
    people = customers_of(tenant_a)
    assert sorted(people) == ["孙丽", "李伟", "王芳"]
    wang = people["王芳"]
    assert (wang["external_id"], wang["phone"], wang["email"], wang["tags"], wang["birthday"]) == (
        "C-1", "+8613800138000", "wang.fang@example.com", ["VIP", "批发"], "1980-05-04")
    assert people["李伟"]["phone"] == "+8657187654321" and people["李伟"]["company"] is None

    rejects = tenant_a.get(f"/api/v1/imports/{run['id']}/rejects")
    assert rejects.status_code == 200 and rejects.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(rejects.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0] == ["row", *CUSTOMERS[0], "problems"]
    assert [row[0] for row in table[1:]] == ["4", "5"] and table[1][2] == "赵敏"
    assert "电话:" in table[1][-1] and "姓名: Required." == table[2][-1]

    again = imported(tenant_a, content)
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 3, 2)
    assert customers_of(tenant_a) == people  # not even a version moved
    changed = [row[:] for row in CUSTOMERS]
    changed[2][5] = "江苏"  # 李伟 moved
    third = imported(tenant_a, csv_bytes(changed, "utf-8"))
    assert (third["created"], third["updated"], third["unchanged"], third["file_format"]) == (0, 1, 2, "csv/utf-8")
    assert customers_of(tenant_a)["李伟"]["region"] == "江苏"


def test_customers_are_matched_by_external_id_then_email_then_phone(tenant_a):
    by_email = tenant_a.customer(name="Email match", email="wang.fang@example.com")
    by_phone = tenant_a.customer(name="Phone match", phone="+86 139 0013 9000")
    run = imported(tenant_a, csv_bytes([CUSTOMERS[0], CUSTOMERS[1], CUSTOMERS[5], CUSTOMERS[5]]))
    assert (run["created"], run["updated"], run["unchanged"]) == (0, 2, 1)  # the repeated row finds the first
    people = {c["id"]: c for c in tenant_a.get("/api/v1/customers").json["items"]}
    assert people[by_email["id"]]["external_id"] == "C-1" and people[by_email["id"]]["name"] == "王芳"
    assert people[by_phone["id"]]["external_id"] == "C-5"


def test_utf8_with_a_bom_semicolons_and_an_explicit_mapping_with_a_custom_field(tenant_a):
    tenant_a.post("/api/v1/custom-fields", json={"key": "vip_since", "label": "VIP since", "type": "date"})
    rows = [["Who", "Tel", "Since"], ["Zhou Jie", "13800138000", "2020-01-02"], ["Wu Lei", "13900139000", "soon"]]
    content = "\ufeff".encode() + csv_bytes(rows, delimiter=";")
    run = imported(tenant_a, content, mapping={"Who": "name", "Tel": "phone", "Since": "custom:vip_since"})
    assert (run["file_format"], run["created"], run["rejected"]) == ("csv/utf-8", 1, 1)
    assert customers_of(tenant_a)["Zhou Jie"]["custom_fields"] == {"vip_since": "2020-01-02"}


def test_xlsx_customers_and_formulas_are_bad_cells(tenant_a):
    content = xlsx_bytes(CUSTOMERS[:3], formula_at="H3")
    run = imported(tenant_a, content, name="customers.xlsx")
    assert (run["file_format"], run["created"], run["rejected"]) == ("xlsx", 1, 1)
    problem = tenant_a.get(f"/api/v1/imports/{run['id']}/problems").json["items"][0]
    assert (problem["row"], problem["column"], problem["value"]) == (3, "生日", "=1+1")
    assert problem["reason"].startswith("A formula")


def test_purchases_find_their_customers_and_move_their_tiers(tenant_a):
    imported(tenant_a, csv_bytes(CUSTOMERS))
    orders = [["订单号", "客户编号", "邮箱", "产品", "金额", "日期"],
              ["SO-1", "C-1", "", "明前龙井", "¥120,000.00", "2026-11-01 10:00"],
              ["SO-2", "", "sun@example.com", "碧螺春", "35000", "2026/10/01"],
              ["SO-3", "C-404", "", "白茶", "100", "2026-10-02"],  # no such customer
              ["SO-4", "C-2", "", "红茶", "-5", "2026-10-03"],  # a negative amount
              ["SO-1", "C-1", "", "明前龙井", "120000", "2026-11-01 10:00"]]  # the same order again
    run = imported(tenant_a, csv_bytes(orders), kind="purchases", name="orders.csv")
    assert (run["created"], run["unchanged"], run["rejected"]) == (2, 1, 2)
    problems = {p["row"]: p for p in tenant_a.get(f"/api/v1/imports/{run['id']}/problems").json["items"]}
    assert problems[4]["column"] == "客户编号" and problems[5]["column"] == "金额"
    people = customers_of(tenant_a)
    assert (people["王芳"]["tier"], people["孙丽"]["tier"], people["李伟"]["tier"]) == ("core", "important", None)
    purchase = tenant_a.get(f"/api/v1/purchases?customer_id={people['王芳']['id']}").json["items"][0]
    assert purchase["purchased_at"] == "2026-11-01T02:00:00+00:00"  # 10:00 in Asia/Shanghai
    assert imported(tenant_a, csv_bytes(orders), kind="purchases")["created"] == 0


def test_files_that_cannot_be_read_are_refused_whole(tenant_a):
    cases = {
        "empty": (b"", "0 bytes"),
        "header only": (csv_bytes(CUSTOMERS[:1]), "no data rows"),
        "binary": (bytes(range(128, 256)) * 4, "neither UTF-8 nor GB18030"),
        "merged": (xlsx_bytes(CUSTOMERS, merge="A2:B2"), "merged cells"),
        "broken xlsx": (b"PK\x03\x04 not really a zip", "not a readable XLSX"),
        "no name column": (csv_bytes([["phone"], ["13800138000"]]), "No column for: name"),
    }
    for case, (content, says) in cases.items():
        response = upload(tenant_a, content)
        assert response.status_code == 422, (case, response.json)
        assert says in json.dumps(response.json, ensure_ascii=False), (case, response.json)
    assert tenant_a.get("/api/v1/imports").json["items"] == []
    for bad_form in ({"kind": "orders"}, {"mapping": "not json"}):
        data = {"kind": "customers", "file": (io.BytesIO(csv_bytes(CUSTOMERS)), "x.csv"), **bad_form}
        assert tenant_a.post("/api/v1/imports", data=data, content_type="multipart/form-data").status_code == 422
    assert customers_of(tenant_a) == {}


def test_a_file_malformed_past_its_first_rows_fails_in_the_job_and_writes_nothing(tenant_a):
    content = csv_bytes(CUSTOMERS) + b'C-9,"unterminated,,,,,,\n'
    response = upload(tenant_a, content)
    assert response.status_code == 202
    run = tenant_a.get(f"/api/v1/imports/{response.json['id']}").json
    assert run["status"] == "failed" and "malformed" in run["problem"]
    assert customers_of(tenant_a) == {}


def test_another_workspace_s_import_is_a_404(tenant_a, tenant_b):
    run = imported(tenant_a, csv_bytes(CUSTOMERS))
    for path in ("", "/problems", "/rejects"):
        assert tenant_b.get(f"/api/v1/imports/{run['id']}{path}").status_code == 404
    assert tenant_b.delete(f"/api/v1/imports/{run['id']}").status_code == 404
    assert tenant_b.get("/api/v1/imports").json["items"] == []
    assert tenant_a.delete(f"/api/v1/imports/{run['id']}").status_code == 204


def test_a_custom_field_deleted_before_the_job_runs_fails_the_import_cleanly(app, tenant_a, monkeypatch):
    from saas.core import queues

    field = tenant_a.post("/api/v1/custom-fields", json={"key": "grade", "label": "Grade", "type": "text"}).json
    monkeypatch.setattr(queues.InProcessQueue, "enqueue", lambda self, func, *args, **kw: None)  # the job waits
    content = csv_bytes([["name", "grade"], ["Qian", "A"]])
    waiting = upload(tenant_a, content, mapping={"name": "name", "grade": "custom:grade"}).json
    assert tenant_a.delete(f"/api/v1/custom-fields/{field['id']}").status_code == 204
    monkeypatch.undo()
    from saas.core.imports import importer as service

    with app.app_context():
        service.run_import(str(tenant_a.id), waiting["id"])
    run = tenant_a.get(f"/api/v1/imports/{waiting['id']}").json
    assert run["status"] == "failed" and "grade was deleted" in run["problem"]
    assert customers_of(tenant_a) == {}


def test_two_customers_sharing_a_phone_stay_two_and_a_re_import_changes_nothing(tenant_a):
    rows = [["客户编号", "姓名", "电话"], ["K-1", "前台甲", "0571-87654321"], ["K-2", "前台乙", "0571-87654321"]]
    first = imported(tenant_a, csv_bytes(rows))
    assert (first["created"], first["updated"]) == (2, 0)
    again = imported(tenant_a, csv_bytes(rows))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    people = customers_of(tenant_a)
    assert (people["前台甲"]["external_id"], people["前台乙"]["external_id"]) == ("K-1", "K-2")


def test_a_deleted_customer_s_external_id_is_a_bad_cell_not_a_failed_batch(tenant_a):
    gone = tenant_a.customer(name="Gone", external_id="C-1")
    tenant_a.delete(f"/api/v1/customers/{gone['id']}")
    run = imported(tenant_a, csv_bytes([CUSTOMERS[0], CUSTOMERS[1], ["C-7", "钱七", "", "", "", "", "a  b;a b", ""]]))
    assert (run["status"], run["created"], run["rejected"]) == ("done", 1, 1)
    problem = tenant_a.get(f"/api/v1/imports/{run['id']}/problems").json["items"][0]
    assert (problem["row"], problem["column"]) == (2, "客户编号") and "deleted customer" in problem["reason"]
    assert customers_of(tenant_a)["钱七"]["tags"] == ["a b"]  # two spellings of one tag
    assert imported(tenant_a, csv_bytes([CUSTOMERS[0], ["C-7", "钱七", "", "", "", "", "a  b;a b", ""]]))["updated"] == 0


@pytest.mark.redis
def test_on_rq_an_import_whose_last_attempt_fails_says_so(database, redis_server, sign_up, monkeypatch):
    """rq retries a failed import; the attempt after which none is left marks the import failed
    (before, it stayed "checking" for ever)."""
    from rq import Retry

    from saas.core import queues
    from saas.core.imports import importer as service

    rq_app = make_app(database, REDIS_URL=redis_server.url)
    tenant = sign_up()
    tenant.client = rq_app.test_client()
    monkeypatch.setattr(queues, "RETRY", Retry(max=1))  # one retry, at once
    attempts = []

    def broken(run):
        attempts.append(run.status.value)
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(service, "_run", broken)
    waiting = upload(tenant, csv_bytes([["name"], ["Qian"]])).json
    with rq_app.app_context():
        queues.current_queue().work(burst=True)
    run = tenant.get(f"/api/v1/imports/{waiting['id']}").json
    assert attempts == ["queued", "queued"]  # the first failure left it to the retry
    assert run["status"] == "failed" and "unexpected error" in run["problem"]


def test_purchases_without_an_order_number_are_not_recorded_twice_by_a_re_import(tenant_a):
    imported(tenant_a, csv_bytes(CUSTOMERS))
    rows = [["客户编号", "产品", "金额", "币种", "日期"],
            ["C-1", "龙井", "88.00", "", "2026-10-01 09:00"],
            ["C-1", "龙井", "88", "CNY", "2026-10-01 09:00"],  # the same again: two identical orders, both kept
            ["C-1", "龙井", "88.00", "USD", "2026-10-01 09:00"],  # another currency: another purchase
            ["C-2", "龙井", "88.00", "", "2026-10-01 09:00"]]
    first = imported(tenant_a, csv_bytes(rows), kind="purchases")
    assert (first["created"], first["unchanged"]) == (4, 0)
    again = imported(tenant_a, csv_bytes(rows), kind="purchases")
    assert (again["created"], again["unchanged"]) == (0, 4)
    third = imported(tenant_a, csv_bytes([*rows, rows[1]]), kind="purchases")  # one more identical order
    assert (third["created"], third["unchanged"]) == (1, 4)
    people = customers_of(tenant_a)
    assert len(tenant_a.get(f"/api/v1/purchases?customer_id={people['王芳']['id']}").json["items"]) == 4


def test_an_order_number_repeated_for_another_amount_is_a_bad_cell_found_by_the_dry_run(tenant_a):
    imported(tenant_a, csv_bytes(CUSTOMERS))
    rows = [["订单号", "客户编号", "产品", "金额", "日期"],
            ["SO-9", "C-1", "龙井", "88.00", "2026-10-01"],
            ["SO-9", "C-1", "龙井", "99.00", "2026-10-01"],
            ["SO-9", "C-2", "龙井", "88.00", "2026-10-01"]]
    dry = imported(tenant_a, csv_bytes(rows), kind="purchases", dry_run="true")
    assert (dry["created"], dry["rejected"]) == (1, 2)
    problems = tenant_a.get(f"/api/v1/imports/{dry['id']}/problems").json["items"]
    assert [(p["row"], p["column"]) for p in problems] == [(3, "订单号"), (4, "订单号")]
    run = imported(tenant_a, csv_bytes(rows), kind="purchases")
    assert (run["created"], run["rejected"]) == (1, 2)


def test_merged_cells_are_found_in_the_sheet_imported_whatever_its_part_is_named(tenant_a):
    """Workbooks saved by other programs may store their first sheet as ``sheet2.xml``."""
    book = Workbook()
    book.active.title = "客户"
    for row in CUSTOMERS:
        book.active.append(row)
    book.active.merge_cells("A2:B2")
    book.create_sheet("说明").append(["notes only"])
    saved = io.BytesIO()
    book.save(saved)
    swapped = io.BytesIO()
    names = {"xl/worksheets/sheet1.xml": "xl/worksheets/sheet2.xml", "xl/worksheets/sheet2.xml": "xl/worksheets/sheet1.xml"}
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(swapped, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/_rels/workbook.xml.rels":  # the first sheet now points at sheet2.xml
                data = data.replace(b"sheet1.xml", b"sheetX.xml").replace(b"sheet2.xml", b"sheet1.xml").replace(
                    b"sheetX.xml", b"sheet2.xml")
            target.writestr(names.get(item.filename, item.filename), data)
    response = upload(tenant_a, swapped.getvalue(), name="customers.xlsx")
    assert response.status_code == 422, response.json
    assert "merged cells (A2:B2)" in json.dumps(response.json, ensure_ascii=False)


def test_a_latin_1_file_is_refused_with_a_hint_not_imported_as_gibberish(tenant_a):
    """GB18030 decodes almost any bytes; text that is mostly rare characters is not Chinese."""
    latin = csv_bytes([["name", "company"], ["Jürgen Müller", "Bäckerei Löwe"], ["Günter Köhler", "Crème Brûlée"]],
                      encoding="latin-1")
    refused = upload(tenant_a, latin)
    assert refused.status_code == 422 and "Latin-1" in json.dumps(refused.json), refused.json
    late = csv_bytes([["name", "company"], *[["Anna", "Tea"]] * 120_000, ["Jürgen Müller", "Bäckerei Löwe"]],
                     encoding="latin-1")  # past the first MiB: the whole file is looked at
    assert upload(tenant_a, late).status_code == 422
    chinese = csv_bytes([["姓名", "公司"], ["朱镕基", "西湖茶庄"], ["王芳", "龙井村"]], encoding="gb18030")  # 镕: not GB2312
    assert imported(tenant_a, chinese)["created"] == 2
    assert upload(tenant_a, chinese, encoding="utf-8").status_code == 422  # named wrongly: said so
    assert upload(tenant_a, latin, encoding="latin-1").status_code == 422  # not one we read
    named = imported(tenant_a, latin, encoding="gb18030")  # the person's word goes
    assert named["status"] == "done" and named["file_format"] == "csv/gb18030"


def test_uploaded_files_are_deleted_some_days_after_their_import(app, tenant_a):
    """Spreadsheets of customers' personal data are not kept for ever: the daily job deletes a
    finished import's file after IMPORT_KEEP_DAYS; its record and problems stay."""
    import datetime as dt
    import os
    import uuid

    from saas.core.db import db
    from saas.core.imports import ImportRun
    from saas.core.imports import importer as service
    from saas.core.tenancy import tenant_context

    old, recent = imported(tenant_a, csv_bytes(CUSTOMERS)), imported(tenant_a, csv_bytes(CUSTOMERS), dry_run=True)
    with app.app_context(), tenant_context(tenant_a.id):
        run = db.session.get(ImportRun, (tenant_a.id, uuid.UUID(old["id"])))
        run.finished_at -= dt.timedelta(days=31)
        db.session.commit()
        stray_old, stray_new = service.folder() / "left-by-a-crash", service.folder() / "being-uploaded"
        stray_old.write_bytes(b"x")
        stray_new.write_bytes(b"x")
        (service.folder() / "a-folder").mkdir()  # not a file: left alone, and the run goes on
        month_ago = (dt.datetime.now() - dt.timedelta(days=31)).timestamp()
        for path in (stray_old, service.folder() / "a-folder"):
            os.utime(path, (month_ago, month_ago))
    with app.app_context():
        assert service.remove_old_files() == 2
    with app.app_context(), tenant_context(tenant_a.id):
        kept = sorted(p.name for p in service.folder().iterdir())
        assert kept == sorted([recent["id"], "a-folder", "being-uploaded"])
    gone = tenant_a.get(f"/api/v1/imports/{old['id']}/rejects")
    assert gone.status_code == 410 and "deleted 30 days after" in gone.json["error"]["message"]
    assert tenant_a.get(f"/api/v1/imports/{old['id']}/problems").json["items"]  # what was wrong stays known
    assert tenant_a.get(f"/api/v1/imports/{recent['id']}/rejects").status_code == 200
