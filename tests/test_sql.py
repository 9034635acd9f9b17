"""Portable SQL constructs give the same Python values on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from saas.core.customers import Customer, CustomerTag, Tag
from saas.core.db import db
from saas.core.sql import generated_id, json_object, money_text, strings_of, uuid_text, whole_days
from saas.core.tenancy import tenant_context
from saas.core.types import UTCDateTime


def test_strings_of_gathers_a_correlated_subquery_per_row_in_its_order(app, tenant_a, tenant_b):
    tagged = tenant_a.customer(name="tagged", tags=["zeta", "alpha", "mid"])
    untagged = tenant_a.customer(name="untagged")
    tenant_b.customer(name="other", tags=["beta"])
    names = strings_of(
        sa.select(Tag.name).join(CustomerTag, sa.and_(CustomerTag.tenant_id == Tag.tenant_id, CustomerTag.tag_id == Tag.id))
        .where(CustomerTag.customer_id == Customer.id).order_by(Tag.name.desc())
    )
    with app.app_context(), tenant_context(tenant_a.id):
        rows = dict(db.session.execute(sa.select(Customer.id, names)).all())
        db.session.rollback()
    assert rows == {uuid.UUID(tagged["id"]): ["zeta", "mid", "alpha"], uuid.UUID(untagged["id"]): []}


def one(app, *columns):
    with app.app_context():
        row = db.session.execute(sa.select(*columns)).one()
        db.session.rollback()
    return row


def test_generated_ids_are_uuid7_made_per_row(app):
    with app.app_context():
        ids = db.session.scalars(sa.select(generated_id()).select_from(sa.func.json_each("[1,2,3,4]") if
                                 db.session.get_bind().dialect.name == "sqlite" else
                                 sa.func.generate_series(1, 4))).all()
        db.session.rollback()
    assert len(set(ids)) == 4 and {i.version for i in ids} == {7} and {i.variant for i in ids} == {uuid.RFC_4122}
    now_ms = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)
    assert all(abs((i.int >> 80) - now_ms) < 60_000 for i in ids)  # its first 48 bits: the time in ms


def test_uuid_text_money_text_and_json_object_write_what_python_writes(app):
    value = uuid.UUID("0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B")
    amounts = [Decimal("0"), Decimal("0.05"), Decimal("999.99"), Decimal("1000"), Decimal("1234567.8"),
               Decimal("999999999999.99")]
    row = one(app, uuid_text(sa.literal(value, sa.Uuid())),
              *(money_text(sa.literal(int(a * 100), sa.BigInteger)) for a in amounts),  # Money: cents
              json_object(sa.literal("id"), uuid_text(sa.literal(value, sa.Uuid())), sa.literal("n"), sa.literal(3),
                          sa.literal("none"), sa.null()))
    assert row[0] == str(value)
    assert list(row[1:-1]) == [f"{a:,.2f}" for a in amounts]
    assert row[-1] == {"id": str(value), "n": 3, "none": None}


@pytest.mark.parametrize("later, earlier", [
    ("2026-03-31T00:00:00", "2026-03-01T00:00:00"),  # exactly 30 days
    ("2026-03-31T00:00:00", "2026-03-01T00:00:00.000001"),  # a microsecond short of 30
    ("2026-03-31T12:00:00", "2025-03-31T12:00:01"),
    ("2026-11-24T01:02:03.456789", "2026-11-24T01:02:03.456789"),
    ("2026-11-24T00:00:00", "2020-02-29T23:59:59.999"),
])
def test_whole_days_count_as_python_counts(app, later, earlier):
    later, earlier = (dt.datetime.fromisoformat(v).replace(tzinfo=dt.timezone.utc) for v in (later, earlier))
    (days,) = one(app, whole_days(sa.literal(later, UTCDateTime()), sa.literal(earlier, UTCDateTime())))
    assert days == (later - earlier).days
