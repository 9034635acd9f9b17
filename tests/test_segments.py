"""Segments: saved filters, their members and counts, the core function plugins use, and exports."""

from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa
from openpyxl import load_workbook

from saas.core.db import db
from saas.core.segments import SegmentFilter, matching, segment_filter
from saas.core.tenancy import tenant_context

NOW = dt.datetime.now(dt.timezone.utc)


def buy(tenant, customer_id: str, amount: str, days_ago: int = 3) -> None:
    response = tenant.post("/api/v1/purchases", json={
        "customer_id": customer_id, "product": "龙井", "amount": amount,
        "purchased_at": (NOW - dt.timedelta(days=days_ago)).isoformat()})
    assert response.status_code == 201, response.json


def shop(tenant) -> dict[str, dict]:
    """Five customers who differ in tier, stage, kind, region, industry, tags and a custom field."""
    tenant.post("/api/v1/custom-fields", json={"key": "channel", "label": "Sales channel", "type": "text"})
    tenant.post("/api/v1/custom-fields", json={"key": "member", "label": "Member", "type": "boolean"})
    made = {
        "hz-core": tenant.customer(name="hz-core", kind="company", region="浙江", industry="tea", tags=["VIP"],
                                   custom_fields={"channel": "wholesale"}),
        "hz-basic": tenant.customer(name="hz-basic", kind="company", region="浙江", industry="hotel"),
        "sh-important": tenant.customer(name="sh-important", region="上海", tags=["VIP", "gift"]),
        "sh-dormant": tenant.customer(name="sh-dormant", region="上海", custom_fields={"channel": "retail",
                                                                                     "member": True}),
        "nobody": tenant.customer(name="nobody"),
    }
    buy(tenant, made["hz-core"]["id"], "150000.00")
    buy(tenant, made["hz-basic"]["id"], "12000.00")
    buy(tenant, made["sh-important"]["id"], "45000.00")
    buy(tenant, made["sh-dormant"]["id"], "45000.00", days_ago=200)
    # the nightly run, now: quintiles are ranked afresh (a purchase only places its own customer)
    assert tenant.post("/api/v1/classification/recompute").json == {"queued": True}
    return made


def names(tenant, path: str) -> list[str]:
    response = tenant.get(path)
    assert response.status_code == 200, response.json
    return sorted(c["name"] for c in response.json["items"])


def save(tenant, name: str, **conditions) -> dict:
    response = tenant.post("/api/v1/segments", json={"name": name, "filter": conditions})
    assert response.status_code == 201, response.json
    return response.json


def test_segments_filter_by_every_kind_of_condition(tenant_a):
    shop(tenant_a)
    cases = {
        "tiers": ({"tiers": ["core", "important"]}, ["hz-core", "sh-important", "sh-dormant"]),
        "stage": ({"stages": ["dormant"]}, ["sh-dormant"]),
        "tier and stage": ({"tiers": ["important"], "stages": ["active", "new"]}, ["sh-important"]),
        "b2b": ({"kinds": ["company"]}, ["hz-basic", "hz-core"]),
        "region": ({"regions": ["浙江"]}, ["hz-basic", "hz-core"]),
        "industry": ({"industries": ["hotel"]}, ["hz-basic"]),
        "tag": ({"tags": ["gift", "nothing"]}, ["sh-important"]),
        "spend": ({"spend_min": "40000", "spend_max": "150000"}, ["sh-important", "sh-dormant"]),
        "custom field": ({"custom_fields": {"channel": "retail"}}, ["sh-dormant"]),
        "yes/no field": ({"custom_fields": {"member": True}}, ["sh-dormant"]),
        "yes/no as text": ({"custom_fields": {"member": "true"}}, ["sh-dormant"]),
        "recency": ({"scores": {"r_score": [1, 1]}}, ["sh-dormant"]),
    }
    for name, (conditions, expected) in cases.items():
        segment = save(tenant_a, name, **conditions)
        assert segment["count"] == len(expected), name
        assert names(tenant_a, f"/api/v1/segments/{segment['id']}/customers") == sorted(expected), name
        assert names(tenant_a, f"/api/v1/customers?segment_id={segment['id']}") == sorted(expected), name
        preview = tenant_a.post("/api/v1/segments/preview", json={"filter": conditions})
        assert preview.json == {"count": len(expected)}, name
    assert [s["name"] for s in tenant_a.get("/api/v1/segments").json["items"]] == sorted(cases)


def test_a_segment_s_members_follow_the_customers(tenant_a):
    made = shop(tenant_a)
    core = save(tenant_a, "core", tiers=["core"])
    buy(tenant_a, made["hz-basic"]["id"], "90000.00")
    assert tenant_a.get(f"/api/v1/segments/{core['id']}").json["count"] == 2
    tenant_a.delete(f"/api/v1/customers/{made['hz-core']['id']}")
    assert names(tenant_a, f"/api/v1/segments/{core['id']}/customers") == ["hz-basic"]


def test_a_page_of_segments_is_counted_in_one_statement_with_the_counts_one_segment_gets(
        app, tenant_a, count_queries):
    made = shop(tenant_a)
    kinds = [dict(tiers=["core"]), dict(tags=["vip"]), dict(regions=["浙江"]), dict(spend_min="20000"),
             dict(tiers=["core", "important"], regions=["浙江"]), dict(kinds=["company"])]

    def listed() -> tuple[int, dict]:
        with app.app_context(), count_queries() as seen:
            items = tenant_a.get("/api/v1/segments?limit=100").json["items"]
        return seen(), {item["name"]: item["count"] for item in items}

    save(tenant_a, "k0", **kinds[0])
    few, _ = listed()
    for n, conditions in enumerate(kinds[1:], 1):
        save(tenant_a, f"k{n}", **conditions)
    many, counted = listed()
    assert many == few
    singles = {item["name"]: tenant_a.get(f"/api/v1/segments/{item['id']}").json["count"]
               for item in tenant_a.get("/api/v1/segments?limit=100").json["items"]}
    assert counted == singles  # one segment is counted alone, by the same conditions
    assert (counted["k0"], counted["k3"]) == (1, 3) and len(made) > max(counted.values())


def test_segments_are_renamed_changed_and_deleted_and_bad_ones_refused(tenant_a):
    segment = save(tenant_a, "VIPs", tags=["VIP"])
    for bad in ({"name": "", "filter": {}}, {"name": "x"}, {"name": "x", "filter": {"tiers": ["gold"]}},
                {"name": "x", "filter": {"spend_min": "10", "spend_max": "5"}},
                {"name": "x", "filter": {"scores": {"r_score": [5, 1]}}},
                {"name": "x", "filter": {"scores": {"z_score": [1, 2]}}},
                {"name": "x", "filter": {"custom_fields": {"no_such_field": "1"}}},
                {"name": "x", "filter": {"spend_min": "1e20"}},
                {"name": "x", "filter": {"custom_fields": {"channel": ["a"]}}}):
        assert tenant_a.post("/api/v1/segments", json=bad).status_code == 422, bad
    assert tenant_a.post("/api/v1/segments", json={"name": "VIPs", "filter": {}}).status_code == 409
    changed = tenant_a.patch(f"/api/v1/segments/{segment['id']}", json={"name": "Core", "filter": {"tiers": ["core"]}})
    assert changed.status_code == 200 and changed.json["filter"]["tiers"] == ["core"]
    assert tenant_a.delete(f"/api/v1/segments/{segment['id']}").status_code == 204
    assert tenant_a.get(f"/api/v1/segments/{segment['id']}").status_code == 404
    assert tenant_a.get(f"/api/v1/customers?segment_id={segment['id']}").status_code == 404


def test_plugins_target_a_segment_through_the_core_function(app, tenant_a, tenant_b):
    made = shop(tenant_a)
    shop(tenant_b)
    segment = save(tenant_a, "zhejiang", regions=["浙江"])
    with app.app_context(), tenant_context(tenant_a.id):
        ids = set(db.session.scalars(matching(segment_filter(__import__("uuid").UUID(segment["id"])))))
        anyone_important = set(db.session.scalars(matching(SegmentFilter(tiers=("important",)))))
    assert {str(i) for i in ids} == {made["hz-core"]["id"], made["hz-basic"]["id"]}
    assert {str(i) for i in anyone_important} == {made["sh-important"]["id"], made["sh-dormant"]["id"]}


def test_another_tenant_s_segment_is_a_404_and_its_customers_never_counted(tenant_a, tenant_b):
    shop(tenant_b)
    theirs = save(tenant_b, "everyone")
    mine = save(tenant_a, "everyone")
    assert mine["count"] == 0 and theirs["count"] == 5
    for method, path in (("get", ""), ("get", "/customers"), ("get", "/export"), ("delete", ""), ("patch", "")):
        response = getattr(tenant_a, method)(f"/api/v1/segments/{theirs['id']}{path}",
                                             **({"json": {"name": "x"}} if method == "patch" else {}))
        assert response.status_code == 404, (method, path)


def test_an_export_neutralises_formulas_in_csv_and_keeps_them_text_in_xlsx(tenant_a):
    made = shop(tenant_a)
    evil = tenant_a.customer(name="=HYPERLINK(\"http://evil.example\",\"click\")", company="+cmd|' /C calc'!A0",
                             title="-2+3", notes="x", region="@SUM(A1)", address="bell\x07 here", tags=["VIP"])
    vips = save(tenant_a, "VIPs", tags=["VIP"])
    response = tenant_a.get(f"/api/v1/segments/{vips['id']}/export")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert sorted(row["Name"] for row in table) == sorted(['\'=HYPERLINK("http://evil.example","click")',
                                                          "hz-core", "sh-important"])
    row = next(r for r in table if r["Id"] == evil["id"])
    assert (row["Company"], row["Title"], row["Region"]) == ("'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1)")
    core = next(r for r in table if r["Id"] == made["hz-core"]["id"])
    assert (core["Tier"], core["Spend in window"], core["Sales channel"], core["Tags"]) == (
        "core", "150000.00", "wholesale", "VIP")

    xlsx = tenant_a.get(f"/api/v1/segments/{vips['id']}/export?format=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data))["Customers"]
    header = [cell.value for cell in sheet[1]]
    cells = {row[header.index("Id")].value: row for row in sheet.iter_rows(min_row=2)}
    name_cell = cells[evil["id"]][header.index("Name")]
    assert name_cell.value.startswith("=HYPERLINK") and name_cell.data_type == "s"
    assert cells[evil["id"]][header.index("Address")].value == "bell here"  # XML cannot hold control characters
    assert cells[made["hz-core"]["id"]][header.index("Orders total")].value == 1
    assert tenant_a.get(f"/api/v1/segments/{vips['id']}/export?format=pdf").status_code == 400


def test_an_export_streams_more_rows_than_one_batch(app, tenant_a, monkeypatch):
    from saas.core.segments import exports

    monkeypatch.setattr(exports, "BATCH", 3)
    for n in range(7):
        tenant_a.customer(name=f"c{n}")
    everyone = save(tenant_a, "everyone")
    table = list(csv.reader(io.StringIO(tenant_a.get(f"/api/v1/segments/{everyone['id']}/export")
                                        .get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(row[2] for row in table[1:]) == [f"c{n}" for n in range(7)]
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(matching(SegmentFilter()).subquery())) == 7
