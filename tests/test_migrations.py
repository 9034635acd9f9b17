"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from saas.core.db import db


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
