"""The ORM lock on its own (the only one on SQLite): every tenant-owned model, every statement kind."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from saas.core.customers import Customer, CustomerTag, Tag
from saas.core.db import db
from saas.core.tenancy import TenantScopeError, tenant_context


def test_queries_of_tenant_models_without_a_tenant_raise(app, tenant_a):
    with app.app_context():
        for statement in (sa.select(Customer), sa.select(CustomerTag), sa.update(Tag).values(name="x"),
                          sa.delete(Customer)):
            with pytest.raises(TenantScopeError):
                db.session.execute(statement)


def test_the_association_table_is_filtered_like_any_tenant_model(app, tenant_a, tenant_b):
    tenant_a.customer(tags=["a"])
    tenant_b.customer(tags=["b"])
    with app.app_context(), tenant_context(tenant_a.id):
        rows = db.session.execute(sa.select(CustomerTag.tenant_id)).scalars().all()
    assert rows == [tenant_a.id]


def test_an_orm_bulk_insert_is_stamped_with_the_bound_tenant(app, tenant_a):
    with app.app_context(), tenant_context(tenant_a.id):
        db.session.execute(sa.insert(Tag), [{"id": uuid.uuid4(), "name": "bulk"}])
        db.session.commit()
    assert [t["name"] for t in tenant_a.get("/api/v1/tags").json["items"]] == ["bulk"]


def test_an_orm_bulk_insert_for_another_tenant_is_refused(app, tenant_a, tenant_b):
    with app.app_context(), tenant_context(tenant_a.id):
        with pytest.raises(TenantScopeError):
            db.session.execute(sa.insert(Tag), [{"tenant_id": tenant_b.id, "id": uuid.uuid4(), "name": "planted"}])
    assert tenant_b.get("/api/v1/tags").json["items"] == []


def test_an_update_cannot_move_rows_to_another_tenant(app, tenant_a, tenant_b):
    customer = tenant_a.customer()
    with app.app_context(), tenant_context(tenant_a.id):
        with pytest.raises(TenantScopeError):
            db.session.execute(sa.update(Customer).values(tenant_id=tenant_b.id))
    assert tenant_a.get(f"/api/v1/customers/{customer['id']}").status_code == 200


def test_an_update_only_reaches_the_bound_tenants_rows(app, tenant_a, tenant_b):
    tenant_a.customer(region="A")
    theirs = tenant_b.customer(region="B")
    with app.app_context(), tenant_context(tenant_a.id):
        db.session.execute(sa.update(Customer).values(region="changed"))
        db.session.commit()
    assert tenant_b.get(f"/api/v1/customers/{theirs['id']}").json["region"] == "B"


def test_a_new_row_for_another_tenant_is_refused_at_flush(app, tenant_a, tenant_b):
    with app.app_context(), tenant_context(tenant_a.id):
        db.session.add(Tag(tenant_id=tenant_b.id, name="x"))
        with pytest.raises(TenantScopeError):
            db.session.flush()



def test_an_aggregate_whose_where_names_a_tenant_table_only_in_a_compound_term_is_still_scoped(app, tenant_a, tenant_b):
    """SQLAlchemy's loader criteria look at the surface of each WHERE term; and_(...) hides the entity."""
    import sqlalchemy as sa

    from saas.core.customers import Customer
    from saas.core.db import db
    from saas.core.tenancy import tenant_context

    tenant_a.customer()
    tenant_b.customer()
    tenant_b.customer()
    with app.app_context(), tenant_context(tenant_a.id):
        hidden = sa.and_(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))
        assert db.session.scalar(sa.select(sa.func.count()).where(hidden)) == 1
        assert db.session.scalar(sa.select(sa.func.count(), sa.func.max(Customer.name)).where(hidden)) == 1


def test_the_extra_tenant_filter_covers_aliases_and_leaves_unions_working(app, tenant_a, tenant_b):
    import sqlalchemy as sa
    from sqlalchemy.orm import aliased

    from saas.core.customers import Customer
    from saas.core.db import db
    from saas.core.tenancy import tenant_context

    tenant_a.customer(name="same")
    tenant_b.customer(name="same")
    with app.app_context(), tenant_context(tenant_a.id):
        other = aliased(Customer)
        hidden = sa.and_(other.name == "same", other.deleted_at.is_(None))
        assert db.session.scalar(sa.select(sa.func.count()).where(hidden)) == 1
        both = sa.union_all(sa.select(Customer.name), sa.select(Customer.name))
        assert db.session.execute(both).scalars().all() == ["same", "same"]
