"""Ready for Citus: on PostgreSQL with every tenant table hash-partitioned by tenant_id (the rule
Citus enforces: each primary key, unique constraint and foreign key includes the distribution
column), the migrations run to the heads, and the isolation suite passes (tests/test_isolation.py
is marked ``partitioned`` too)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from saas.core.db import db
from saas.testing.citus_shape import PARTITIONS, REFERENCE_TABLES

pytestmark = [pytest.mark.partitioned, pytest.mark.postgres]

TENANT_TABLES = """
SELECT c.relname, p.partrelid IS NOT NULL AS partitioned,
       (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid) AS partitions
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
LEFT JOIN pg_partitioned_table p ON p.partrelid = c.oid
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
ORDER BY 1
"""


def test_every_tenant_table_but_the_reference_ones_is_distributed_by_tenant(app, database):
    with app.app_context(), db.engine.connect() as conn:
        tables = {name: (partitioned, partitions) for name, partitioned, partitions in conn.execute(sa.text(TENANT_TABLES))}
    model_tables = {t.name for t in db.metadata.sorted_tables if "tenant_id" in t.c}
    assert model_tables <= set(tables)  # the core's and every installed module's
    if database.partitioned:
        assert {name for name, (partitioned, _) in tables.items() if not partitioned} == set(REFERENCE_TABLES)
        assert {partitions for name, (partitioned, partitions) in tables.items() if partitioned} == {PARTITIONS}
    else:
        assert not any(partitioned for partitioned, _ in tables.values())


def test_a_workspace_writes_and_reads_through_the_partitions(app, database, sign_up):
    """Rows land in one partition per workspace and come back through the parent, under RLS."""
    first, second = sign_up(), sign_up()
    made = first.customer(name="Partitioned")
    second.customer()
    assert first.get(f"/api/v1/customers/{made['id']}").json["name"] == "Partitioned"
    assert second.get(f"/api/v1/customers/{made['id']}").status_code == 404
    if database.partitioned:
        owner = sa.create_engine(database.owner_url)
        with owner.connect() as conn:
            conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, false)"), {"t": first.tenant["id"]})
            placed = conn.scalar(sa.text("SELECT tableoid::regclass::text FROM customers WHERE id = :id"),
                                 {"id": made["id"]})
        owner.dispose()
        assert placed.startswith("customers_p")
