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


@pytest.mark.sqlite  # on PostgreSQL row-level security already hides the other workspace from the connection
def test_a_scoped_join_nested_in_a_core_statement_is_scoped_and_keeps_an_outer_join_s_unmatched_rows(
        app, tenant_a, tenant_b):
    """Set-based SQL (``INSERT ... SELECT`` into a plain table) runs past the ORM's filter, and the
    loader criteria do not reach a SELECT nested in a Core statement: scoped() is its only lock on SQLite."""
    from saas.core.tenancy import scoped

    tenant_a.customer(tags=["x"])
    tenant_a.customer()
    tenant_b.customer(tags=["x"])
    on = sa.and_(CustomerTag.tenant_id == Customer.tenant_id, CustomerTag.customer_id == Customer.id)
    with app.app_context(), tenant_context(tenant_a.id):
        connection = db.session.connection()

        def count(stmt) -> int:  # the rows of ``stmt``, counted by a Core statement around it
            return connection.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar()

        inner = sa.select(Customer.id).join(CustomerTag, on)
        outer = sa.select(Customer.id).outerjoin(CustomerTag, on)
        assert (count(inner), count(outer)) == (2, 3)  # every workspace's rows
        assert count(scoped(inner)) == 1
        assert count(scoped(outer)) == 2  # the untagged customer stays
        with pytest.raises(TenantScopeError), tenant_context(None):
            scoped(inner)
