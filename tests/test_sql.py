"""Portable SQL constructs give the same Python values on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.customers import Customer, CustomerTag, Tag
from saas.core.db import db
from saas.core.sql import strings_of
from saas.core.tenancy import tenant_context


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
