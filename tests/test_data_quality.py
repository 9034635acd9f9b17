"""Data quality: completeness, invalid and unnormalised values, likely duplicates and accuracy."""

from __future__ import annotations


import pytest
import sqlalchemy as sa

from saas.core import batches
from saas.core.audit import AuditEntry
from saas.core.customers import Customer
from saas.core.customers import records as customer_service
from saas.core.data_quality import normalise, scan
from saas.core.db import db
from saas.core.outbox import OutboxEvent
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

    queued = tenant_a.post("/api/v1/data-quality/normalise")  # a job, run after the request here
    assert (queued.status_code, queued.json) == (202, {"queued": True})
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


def test_normalising_commits_a_page_at_a_time_and_a_run_stopped_half_way_is_finished_by_the_next_once(
        app, tenant_a, tenant_b, monkeypatch):
    """No transaction over the whole workspace: what a crashed run rewrote stays, and the next run
    rewrites the rest; each record is updated, audited and announced once, another workspace's never."""
    ids = raw_customers(app, tenant_a, *({"name": f"old record {n}", "phone": f"138 0013 800{n}"} for n in range(5)),
                        scanned=False)
    (theirs,) = raw_customers(app, tenant_b, {"name": "not mine", "phone": "138 0013 8009"}, scanned=False)
    monkeypatch.setattr(batches, "PAGE", 2)
    real, calls = customer_service.update, []

    def crashing(*args, **kwargs):
        calls.append(args)
        if len(calls) == 3:  # the first of the second page
            raise RuntimeError("the worker died")
        return real(*args, **kwargs)

    monkeypatch.setattr(customer_service, "update", crashing)
    with app.app_context(), pytest.raises(RuntimeError):
        normalise.normalise_tenant(str(tenant_a.id))
    phones = lambda: [tenant_a.get(f"/api/v1/customers/{i}").json["phone"] for i in ids]
    assert sum(phone.startswith("+86") for phone in phones()) == 2  # the first page's, committed

    monkeypatch.setattr(customer_service, "update", real)
    with app.app_context():
        assert normalise.normalise_tenant(str(tenant_a.id)) == {"email": 0, "phone": 3}
        assert normalise.normalise_tenant(str(tenant_a.id)) == {"email": 0, "phone": 0}
    assert phones() == [f"+861380013800{n}" for n in range(5)]
    with app.app_context(), tenant_context(tenant_a.id):
        updated = db.session.scalars(sa.select(OutboxEvent.data).where(OutboxEvent.type == "customer.updated")).all()
        audited = db.session.scalars(sa.select(AuditEntry.object_id).where(
            AuditEntry.object_type == "customers", AuditEntry.action == "update")).all()
        db.session.rollback()
    assert sorted(event["customer_id"] for event in updated) == sorted(ids)  # each once
    assert sorted(audited) == sorted(ids)
    assert tenant_b.get(f"/api/v1/customers/{theirs}").json["phone"] == "138 0013 8009"
