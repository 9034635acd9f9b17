"""The duplicate scan: pairs found by e-mail, phone and name, kept and found again incrementally,
removed with merged and deleted records, resumable, paged, and per workspace."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from saas.core.accounts import Tenant
from saas.core.customers import Customer
from saas.core.data_quality import scan
from saas.core.data_quality.models import DuplicateKeys, DuplicatePair
from saas.core.db import db
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow
from tests.test_data_quality import raw_customers


def stored(app, tenant) -> dict[frozenset, tuple]:
    """The workspace's stored pairs: {first, second} -> (first, second, score, reason, id)."""
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(sa.select(DuplicatePair.first_id, DuplicatePair.second_id, DuplicatePair.score,
                                            DuplicatePair.reason, DuplicatePair.id)).all()
    return {frozenset((str(r[0]), str(r[1]))): (str(r[0]), str(r[1]), r[2], r[3], r[4]) for r in rows}


def run_scan(app, tenant, **options) -> dict:
    with app.app_context(), tenant_context(tenant.id):
        return scan.scan(**options)


def test_the_scan_pairs_the_same_email_the_same_phone_in_another_format_and_a_similar_name(app, tenant_a):
    ids = raw_customers(app, tenant_a,
                        {"name": "Li Wei", "email": "li.wei@example.com"},
                        {"name": "Someone Else", "email": "LI.WEI@Example.com "},           # the same e-mail
                        {"name": "王芳", "phone": "138 0013 8000"},
                        {"name": "Fang Wang", "phone": "+86 138-0013-8000"},                # the same phone
                        {"name": "Wang Fang", "company": "Hangzhou West Lake Tea Co"},
                        {"name": "Wnag Fang", "company": "Hangzhou West Lake Tea Co."},     # a typo up front
                        {"name": "赵敏", "company": "北京天坛贸易有限公司"},
                        {"name": "Totally Different", "company": "Nothing Alike Ltd"})
    pairs = stored(app, tenant_a)
    assert pairs[frozenset(ids[0:2])][:4] == (ids[0], ids[1], 100, "same e-mail")  # the older record first
    assert pairs[frozenset(ids[2:4])][:4] == (ids[2], ids[3], 100, "same phone")
    first, second, score, reason, _ = pairs[frozenset(ids[4:6])]
    assert (first, second, reason) == (ids[4], ids[5], "similar name and company") and 90 <= score < 100
    assert not any(ids[6] in pair or ids[7] in pair for pair in pairs)
    assert tenant_a.get("/api/v1/data-quality").json["duplicate_pairs"] == 3


def test_a_changed_customer_is_paired_again_and_an_unchanged_pair_is_kept(app, tenant_a):
    ids = raw_customers(app, tenant_a,
                        {"name": "Zhang Wei", "company": "West Lake Tea Co"},
                        {"name": "Zhang  Wie", "company": "West Lake Tea Co."},
                        {"name": "李娜", "phone": "13900139000"},
                        {"name": "Li Na", "phone": "139 0013 9000"},
                        {"name": "Qian Ming", "company": "Summit Harbour Group"})
    before = stored(app, tenant_a)
    assert set(before) == {frozenset(ids[0:2]), frozenset(ids[2:4])}
    assert tenant_a.patch(f"/api/v1/customers/{ids[1]}", json={"name": "Somebody Else", "company": None}).status_code == 200
    assert tenant_a.patch(f"/api/v1/customers/{ids[4]}", json={"name": "Zhang Wei", "company": "West Lake Tea Co"}).status_code == 200
    after = stored(app, tenant_a)  # each change's event queued a scan of the changed customer
    assert frozenset(ids[0:2]) not in after  # no longer alike
    assert after[frozenset((ids[0], ids[4]))][:2] == (ids[0], ids[4])  # the same name and company now
    assert after[frozenset(ids[2:4])] == before[frozenset(ids[2:4])]  # untouched: the same row
    assert run_scan(app, tenant_a) == {"changed": 0, "removed": 0, "pairs": 0}  # nothing changed since


def test_a_merged_or_deleted_customer_takes_its_pairs_along(app, tenant_a):
    ids = raw_customers(app, tenant_a,
                        {"name": "赵敏", "phone": "13800138001"}, {"name": "钱伟", "phone": "13800138001"},
                        {"name": "孙丽", "email": "b@example.com"}, {"name": "李强", "email": "b@example.com"})
    assert len(stored(app, tenant_a)) == 2
    assert tenant_a.post(f"/api/v1/customers/{ids[0]}/merge", json={"merged_id": ids[1]}).status_code == 200
    assert set(stored(app, tenant_a)) == {frozenset(ids[2:4])}  # gone in the merge's transaction
    with app.app_context(), tenant_context(tenant_a.id):  # deleted behind the scan's back
        db.session.get(Customer, (tenant_a.id, uuid.UUID(ids[3]))).deleted_at = utcnow()
        db.session.commit()
    assert tenant_a.get("/api/v1/data-quality").json["duplicate_pairs"] == 0  # left out at once
    assert tenant_a.get("/api/v1/data-quality/duplicates").json["items"] == []
    assert run_scan(app, tenant_a)["removed"] == 1
    assert stored(app, tenant_a) == {}
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.get(DuplicateKeys, (tenant_a.id, uuid.UUID(ids[3]))) is None
    assert tenant_a.post(f"/api/v1/customers/{ids[3]}/restore").status_code == 200
    assert set(stored(app, tenant_a)) == {frozenset(ids[2:4])}  # restored: paired again by the scan it queued
    assert tenant_a.delete(f"/api/v1/customers/{ids[3]}").status_code == 204
    assert stored(app, tenant_a) == {}  # deleted through the API: its scan removed the pair


def test_a_scan_that_fails_half_way_is_finished_by_the_next(app, tenant_a, monkeypatch):
    ids = raw_customers(app, tenant_a, {"name": "Zhou Jie", "company": "Golden Pine Ltd"},
                        {"name": "Zhou Jei", "company": "Golden Pine Ltd"}, scanned=False)
    real = scan.similar_names

    def crash(*args, **kwargs):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(scan, "similar_names", crash)
    with pytest.raises(RuntimeError):
        run_scan(app, tenant_a)
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.scalar(sa.select(sa.func.count()).where(DuplicateKeys.dirty)) == 2  # keys kept, to pair
    monkeypatch.setattr(scan, "similar_names", real)
    assert run_scan(app, tenant_a) == {"changed": 0, "removed": 0, "pairs": 1}
    assert set(stored(app, tenant_a)) == {frozenset(ids)}


@pytest.mark.backend_independent
def test_a_full_scan_computes_every_key_again(app, tenant_a):
    raw_customers(app, tenant_a, {"name": "Ann", "phone": "13800138000"})  # a Chinese mobile, not an American number
    assert tenant_a.get("/api/v1/data-quality").json["invalid"]["phone"] == 0
    with app.app_context(), tenant_context(tenant_a.id):
        tenant = db.session.get(Tenant, tenant_a.id)
        tenant.settings = {**tenant.settings, "phone_region": "US"}
        db.session.commit()
    assert run_scan(app, tenant_a)["changed"] == 0  # the customer did not change
    assert run_scan(app, tenant_a, full=True)["changed"] == 1
    assert tenant_a.get("/api/v1/data-quality").json["invalid"]["phone"] == 1


def test_the_pairs_are_paged_best_first_with_when_they_were_found(app, tenant_a, tenant_b):
    raw_customers(app, tenant_a, *({"name": name, "phone": f"1380013800{n % 3}"} for n, name in enumerate("赵敏 钱伟 孙丽 李强 周杰 吴磊 郑洋 王静 冯涛".split())),
                  {"name": "Zhang Wei", "company": "West Lake Tea Co"}, {"name": "Zhang  Wie", "company": "West Lake Tea"})
    raw_customers(app, tenant_b, {"name": "B", "phone": "13800138000"}, {"name": "B2", "phone": "13800138000"})
    seen, cursor = [], None
    while True:
        page = tenant_a.get("/api/v1/data-quality/duplicates", query_string={
            "limit": 2, "min_score": 80, **({"cursor": cursor} if cursor else {})}).json
        seen.extend(page["items"])
        assert page["computed_at"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 == len({p["id"] for p in seen})  # 6 by phone (each with its group's oldest), 1 by name
    assert [p["score"] for p in seen] == sorted((p["score"] for p in seen), reverse=True)
    assert seen[-1]["reason"] == "similar name and company" and seen[0]["reason"] == "same phone"
    assert tenant_b.get("/api/v1/data-quality/duplicates").json["items"][0]["customer_name"] == "B"
    assert len(tenant_b.get("/api/v1/data-quality/duplicates").json["items"]) == 1


def test_a_scan_is_asked_for_and_bad_input_is_a_400(app, tenant_a):
    raw_customers(app, tenant_a, {"name": "C", "email": "c@example.com"}, {"name": "D", "email": "C@example.com"},
                  scanned=False)
    assert tenant_a.get("/api/v1/data-quality").json["computed_at"] is None
    assert tenant_a.get("/api/v1/data-quality").json["duplicate_pairs"] == 0  # not looked for yet
    asked = tenant_a.post("/api/v1/data-quality/scan", json={})
    assert asked.status_code == 202 and asked.json == {"queued": True}  # run after the request here
    report = tenant_a.get("/api/v1/data-quality").json
    assert report["duplicate_pairs"] == 1 and report["computed_at"]
    for query in ("min_score=79", "cursor=nonsense", "limit=1001"):
        assert tenant_a.get(f"/api/v1/data-quality/duplicates?{query}").status_code == 400, query
    assert tenant_a.post("/api/v1/data-quality/scan", json={"full": "sometimes"}).status_code == 422
    other = tenant_a.get("/api/v1/data-quality/duplicates?limit=1").json["next_cursor"]
    assert other is None


@pytest.mark.backend_independent
def test_a_read_only_key_sees_the_pairs_but_cannot_ask_for_a_scan(tenant_a):
    reader = tenant_a.post("/api/v1/api-keys", json={"name": "read", "scopes": ["read"]}).json["key"]
    headers = {"Authorization": f"Bearer {reader}"}
    assert tenant_a.client.get("/api/v1/data-quality/duplicates", headers=headers).status_code == 200
    assert tenant_a.client.post("/api/v1/data-quality/scan", json={}, headers=headers).status_code == 403


def test_a_new_record_with_a_paired_name_leaves_the_old_pair_as_it_was(app, tenant_a):
    """The new record shares the oldest record's name, so the name's neighbours are compared again,
    and the pair of two unchanged records comes out once more: kept, not written twice (which the
    unique pair refused, failing every later scan)."""
    ids = raw_customers(app, tenant_a,
                        {"name": "Zhang Wei", "company": "West Lake Tea Co"},
                        {"name": "Zhang  Wie", "company": "West Lake Tea Co."})
    before = stored(app, tenant_a)
    assert set(before) == {frozenset(ids)}
    twin = tenant_a.customer(name="Zhang Wei", company="West Lake Tea Co")["id"]
    after = stored(app, tenant_a)
    assert after[frozenset(ids)] == before[frozenset(ids)]
    assert frozenset((ids[0], twin)) in after
    assert run_scan(app, tenant_a)["changed"] == 0  # the keys are clean: the scan did not fail
