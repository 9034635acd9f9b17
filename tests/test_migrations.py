"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask_migrate import downgrade, upgrade

from saas.core.db import db
from saas.testing import sign_up
from tests.conftest import Database, make_app


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_every_tenant_table_keys_on_tenant_first(app):
    for table in db.metadata.sorted_tables:
        if "tenant_id" not in table.c:
            continue
        assert [c.name for c in table.primary_key.columns][0] == "tenant_id", table.name
        for constraint in table.constraints:
            if isinstance(constraint, (sa.UniqueConstraint, sa.ForeignKeyConstraint)):
                columns = [c.name for c in constraint.columns]
                target = getattr(constraint, "referred_table", None)
                if target is not None and target.name in {"tenants", "users"}:
                    continue
                assert columns[0] == "tenant_id", (table.name, columns)
        for index in table.indexes:
            if index.unique:
                assert [c.name for c in index.columns][0] in {"tenant_id", "prefix"}, (table.name, index.name)


@pytest.mark.sqlite
def test_a_populated_sqlite_database_is_migrated_down_and_up_with_its_rows(database, tmp_path):
    """SQLite alters a table by copying it: foreign keys pointing at it must not stop that."""
    app = make_app(Database("sqlite", f"sqlite:///{tmp_path / 'old.db'}"))
    with app.app_context():
        upgrade(revision="heads")
    tenant = sign_up(app.test_client())
    customer = tenant.post("/api/v1/customers", json={"name": "Kept"}).get_json()
    purchase = tenant.post("/api/v1/purchases", json={"customer_id": customer["id"], "product": "Tea",
                                                      "amount": "10.00", "purchased_at": "2026-01-01T00:00:00Z"})
    assert purchase.status_code == 201
    with app.app_context():
        downgrade(revision="0003_events")
        upgrade(revision="heads")
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert tenant.get(f"/api/v1/customers/{customer['id']}").get_json()["name"] == "Kept"
    assert tenant.get(f"/api/v1/purchases/{purchase.get_json()['id']}").status_code == 200


@pytest.mark.parametrize("given", ["not_self", "ck_referrals_links_not_self"])
def test_a_check_constraint_in_a_migration_is_named_once_by_the_convention(given):
    """``name="not_self"`` gives ``ck_referrals_links_not_self``, as the model's does; a migration
    that spells the full name out does not get the prefix a second time."""
    model = sa.Table("referrals_links", sa.MetaData(naming_convention=db.metadata.naming_convention),
                     sa.Column("a", sa.Integer), sa.Column("b", sa.Integer), sa.CheckConstraint("a <> b", name=given))
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        op = Operations(MigrationContext.configure(conn, opts={"target_metadata": db.metadata}))
        op.create_table("referrals_links", sa.Column("a", sa.Integer), sa.Column("b", sa.Integer),
                        sa.CheckConstraint("a <> b", name=given))
        names = [c["name"] for c in sa.inspect(conn).get_check_constraints("referrals_links")]
    engine.dispose()
    assert names == ["ck_referrals_links_not_self"]
    assert [c.name for c in model.constraints if isinstance(c, sa.CheckConstraint)] == ["ck_referrals_links_not_self"]


@pytest.mark.sqlite
def test_migrating_inside_the_app_keeps_its_logging(database, tmp_path):
    """The app's handler (JSON lines in production) still writes after ``flask db upgrade``."""
    import logging

    from saas import logs

    app = make_app(Database("sqlite", f"sqlite:///{tmp_path / 'logged.db'}"))
    root = logging.getLogger()  # put back afterwards by conftest's root_logging_restored
    root.handlers[:] = []
    logs.configure("json", "INFO")  # what a production start does
    before = root.handlers[:]
    with app.app_context():
        upgrade(revision="heads")
    assert root.handlers == before
