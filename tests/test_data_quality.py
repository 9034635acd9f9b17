"""Data quality: completeness, invalid and unnormalised values, likely duplicates and accuracy."""

from __future__ import annotations


from saas.core.customers import Customer
from saas.core.data_quality import scan
from saas.core.db import db
from saas.core.tenancy import tenant_context


def raw_customers(app, tenant, *rows: dict, scanned: bool = True) -> list[str]:
    """Customers written as an old spreadsheet would have them: straight into the table, uncleaned
    (no request tells of them), then found by the duplicate scan as its nightly run would."""
    with app.app_context(), tenant_context(tenant.id):
        made = [Customer(version=1, **row) for row in rows]
        db.session.add_all(made)
        db.session.commit()
        ids = [str(c.id) for c in made]
        if scanned:
            scan.scan()
        return ids


def test_the_report_counts_gaps_bad_values_duplicates_and_accuracy(app, tenant_a, tenant_b):
    ids = raw_customers(app, tenant_a,
                        {"name": "王芳", "phone": "138 0013 8000", "email": "Wang@Example.com", "region": "浙江"},
                        {"name": "王 芳", "phone": "+86 138-0013-8000"},             # the same phone: a duplicate
                        {"name": "李伟", "phone": "12345", "region": "上海"},          # an invalid phone
                        {"name": "Zhang Wei", "company": "West Lake Tea Co", "email": "zw@example"},  # invalid e-mail
                        {"name": "Zhang  Wie", "company": "West Lake Tea Co."},       # a similar name
                        {"name": "赵敏", "phone": "+8613900139000", "email": "zm@example.com", "region": "北京"})
    raw_customers(app, tenant_b, {"name": "王芳", "phone": "13800138000"})  # another workspace's twin
    report = tenant_a.get("/api/v1/data-quality").json
    assert report["customers"] == 6
    assert report["completeness"]["region"] == 0.5 and report["completeness"]["email"] == 0.5
    assert report["invalid"] == {"email": 1, "phone": 1}
    assert report["unnormalised"] == {"email": 1, "phone": 2}
    assert report["duplicate_pairs"] == 2 and report["duplicate_rate"] == round(4 / 6, 4)
    # faulty: 王芳 and 王 芳 (unnormalised), 李伟, Zhang Wei; surplus: 王 芳, Zhang  Wei -> only 赵敏 is clean
    assert report["accuracy"] == round(1 / 6, 4) and report["target"] == 0.98

    pairs = tenant_a.get("/api/v1/data-quality/duplicates").json["items"]
    assert [(p["customer_id"], p["duplicate_id"], p["score"], p["reason"]) for p in pairs] == [
        (ids[0], ids[1], 100, "same phone"), (ids[3], ids[4], pairs[1]["score"], "similar name and company")]
    assert 90 <= pairs[1]["score"] < 100
    assert tenant_a.get("/api/v1/reports/data-quality").json["accuracy"] == report["accuracy"]

    assert tenant_a.post("/api/v1/data-quality/normalise").json == {"email": 1, "phone": 2}
    after = tenant_a.get("/api/v1/data-quality").json
    assert after["unnormalised"] == {"email": 0, "phone": 0} and after["invalid"] == report["invalid"]
    assert tenant_a.get(f"/api/v1/customers/{ids[0]}").json["phone"] == "+8613800138000"
    merged = tenant_a.post(f"/api/v1/customers/{ids[0]}/merge", json={"merged_id": ids[1]})
    assert merged.status_code == 200
    assert tenant_a.get("/api/v1/data-quality").json["duplicate_pairs"] == 1
    assert tenant_b.get("/api/v1/data-quality").json["customers"] == 1


def test_bad_report_parameters_are_a_400(tenant_a):
    for query in ("min_score=20", "min_score=x", "limit=0"):
        assert tenant_a.get(f"/api/v1/data-quality/duplicates?{query}").status_code == 400, query
