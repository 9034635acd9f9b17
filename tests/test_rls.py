"""PostgreSQL row-level security: the second lock, which holds even when the ORM filter is absent."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from saas.core.db import TenantOwned, db
from saas.core.tenancy import global_lookup, tenant_context


pytestmark = pytest.mark.postgres  # row-level security exists on PostgreSQL only


@pytest.fixture
def pg(app, database):
    return database


def tenant_tables() -> list[str]:
    return [t.name for t in db.metadata.sorted_tables if "tenant_id" in t.c]


def test_every_tenant_table_has_forced_row_level_security(app, pg):
    with app.app_context():
        rows = dict(db.session.execute(sa.text(
            "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = ANY(:names)"
        ), {"names": tenant_tables()}).all())
    assert set(rows) == set(tenant_tables())
    assert all(rows.values()), [name for name, forced in rows.items() if not forced]


def test_every_mapped_tenant_model_is_a_tenant_table():
    mapped = {m.class_.__tablename__ for m in db.Model.registry.mappers if issubclass(m.class_, TenantOwned)}
    assert mapped <= set(tenant_tables())


def test_the_app_role_owns_nothing_and_cannot_bypass_rls(app, pg):
    with app.app_context():
        role = db.session.execute(sa.text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
        owned = db.session.scalar(sa.text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"))
    assert tuple(role) == (False, False)
    assert owned == 0


def test_raw_sql_without_the_orm_filter_sees_only_the_bound_tenant(app, pg, tenant_a, tenant_b):
    a = tenant_a.customer(name="A's customer")
    b = tenant_b.customer(name="B's customer")
    with app.app_context():
        with tenant_context(tenant_a.id):
            names = db.session.execute(sa.text("SELECT name FROM customers")).scalars().all()
            foreign = db.session.execute(sa.text("SELECT count(*) FROM customers WHERE id = :id"),
                                         {"id": b["id"]}).scalar()
        db.session.rollback()
    assert names == [a["name"]]
    assert foreign == 0


@pytest.mark.parametrize("table", ["customers", "api_keys", "memberships", "audit_log", "tags", "purchases"])
def test_with_no_tenant_bound_raw_sql_sees_no_rows(app, pg, tenant_a, table):
    tenant_a.customer(tags=["vip"])
    with app.app_context():
        count = db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
        db.session.rollback()
    assert count == 0


def test_raw_sql_cannot_write_a_row_for_another_tenant(app, pg, tenant_a, tenant_b):
    with app.app_context():
        with tenant_context(tenant_a.id):
            with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
                db.session.execute(sa.text(
                    "INSERT INTO tags (tenant_id, id, name, created_at, updated_at) "
                    "VALUES (:t, gen_random_uuid(), 'x', now(), now())"), {"t": str(tenant_b.id)})
        db.session.rollback()


def test_raw_sql_cannot_move_a_row_to_another_tenant(app, pg, tenant_a, tenant_b):
    customer = tenant_a.customer()
    with app.app_context():
        with tenant_context(tenant_a.id):
            with pytest.raises(sa.exc.ProgrammingError, match="row-level security"):
                db.session.execute(sa.text("UPDATE customers SET tenant_id = :t WHERE id = :id"),
                                   {"t": str(tenant_b.id), "id": customer["id"]})
        db.session.rollback()


def test_the_tenant_setting_does_not_outlive_its_transaction_on_a_pooled_connection(app, pg, tenant_a):
    tenant_a.customer()
    with app.app_context():
        engine = db.engine
    with engine.connect() as conn:
        with conn.begin():
            conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_a.id)})
            assert conn.execute(sa.text("SELECT count(*) FROM customers")).scalar() == 1
        with conn.begin():
            assert conn.execute(sa.text("SELECT count(*) FROM customers")).scalar() == 0
            assert conn.execute(sa.text("SELECT current_setting('app.tenant_id', true)")).scalar() == ""


def test_the_key_lookup_policy_admits_only_the_named_prefix(app, pg, tenant_a, tenant_b):
    prefix_b = tenant_b.key.split("_")[1]
    with app.app_context():
        with db.engine.connect() as conn, conn.begin():
            conn.execute(sa.text("SELECT set_config('app.key_prefix', :p, true)"), {"p": prefix_b})
            prefixes = conn.execute(sa.text("SELECT prefix FROM api_keys")).scalars().all()
            updated = conn.execute(sa.text("UPDATE api_keys SET name = 'stolen'")).rowcount
    assert prefixes == [prefix_b]
    assert updated == 0


def current_settings() -> tuple[str, str]:
    return tuple(db.session.execute(sa.text(
        "SELECT current_setting('app.tenant_id', true), current_setting('app.key_prefix', true)")).one())


def test_every_transaction_gets_the_bound_tenant_again(app, pg, tenant_a):
    with app.app_context(), tenant_context(tenant_a.id):
        assert current_settings() == (str(tenant_a.id), "")
        db.session.commit()
        assert current_settings() == (str(tenant_a.id), "")
        db.session.rollback()
        assert current_settings() == (str(tenant_a.id), "")
        db.session.rollback()


def test_a_lookup_setting_lasts_only_for_its_block(app, pg, tenant_a):
    with app.app_context(), tenant_context(tenant_a.id):
        assert current_settings() == (str(tenant_a.id), "")
        with global_lookup(key_prefix="abc"):
            assert current_settings() == (str(tenant_a.id), "abc")
        assert current_settings() == (str(tenant_a.id), "")
        db.session.rollback()


def test_a_rolled_back_savepoint_takes_its_settings_with_it_and_they_are_written_again(app, pg, tenant_a, tenant_b):
    with app.app_context(), tenant_context(tenant_a.id):
        assert current_settings()[0] == str(tenant_a.id)
        savepoint = db.session.begin_nested()
        with tenant_context(tenant_b.id):
            assert current_settings()[0] == str(tenant_b.id)
            savepoint.rollback()  # PostgreSQL is back to tenant A's setting
            assert current_settings()[0] == str(tenant_b.id)
        assert current_settings()[0] == str(tenant_a.id)
        db.session.rollback()


def test_a_savepoint_of_a_failed_statement_rolls_back_cleanly(app, pg, tenant_a):
    with app.app_context(), tenant_context(tenant_a.id):
        savepoint = db.session.begin_nested()
        with pytest.raises(sa.exc.DataError):
            db.session.execute(sa.text("SELECT 1 / 0"))
        savepoint.rollback()  # nothing may run before ROLLBACK TO SAVEPOINT in the failed transaction
        assert current_settings()[0] == str(tenant_a.id)
        db.session.rollback()


def test_a_streamed_query_first_in_its_transaction_still_runs_under_the_tenant(app, pg, tenant_a, tenant_b):
    """yield_per runs on a server-side cursor: the tenant setting must be written on a cursor of its own."""
    tenant_a.customer(name="mine")
    tenant_b.customer(name="theirs")
    from saas.core.customers import Customer

    with app.app_context(), tenant_context(tenant_a.id):
        db.session.rollback()
        streamed = db.session.execute(sa.select(Customer.name).execution_options(yield_per=10)).scalars().all()
        assert streamed == ["mine"]
