"""saas.core.batches: a long job's rows a page at a time, committed after each page (not inside
one_transaction), every row once, in key order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from saas.core import batches
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.tenancy import tenant_context


def noted(app, tenant) -> list[str | None]:
    with app.app_context(), tenant_context(tenant.id):
        return db.session.scalars(sa.select(Customer.notes).order_by(Customer.id)).all()


@pytest.mark.parametrize("held", [False, True])
def test_each_page_is_committed_unless_held_and_every_row_comes_once(app, tenant_a, held):
    for n in range(5):
        tenant_a.customer(name=f"c{n}")
    seen = []
    with app.app_context(), tenant_context(tenant_a.id):
        with batches.one_transaction() if held else batches.contextlib.nullcontext():
            for page in batches.committed_pages(sa.select(Customer.id), [Customer.id], size=2):
                seen.append(len(page))
                db.session.execute(sa.update(Customer).where(Customer.id.in_([row.id for row in page]))
                                   .values(notes="done"))
        db.session.rollback()
    assert seen == [2, 2, 1]
    assert noted(app, tenant_a) == [None if held else "done"] * 5  # the last page too
