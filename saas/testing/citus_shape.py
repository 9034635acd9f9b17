"""The schema as Citus would distribute it, on plain PostgreSQL: every tenant table hash-partitioned
by ``tenant_id``.

PostgreSQL holds a partitioned table to the rule Citus holds a distributed one to: every primary key
and unique constraint must include the partitioning column, and so must what a foreign key points
at. Running the migrations inside :func:`partitioned_by_tenant` (the app's
``PARTITION_TENANT_TABLES`` setting, read by ``migrations/env.py``) builds that shape, and the
isolation suite then runs against it (tests/test_citus_shape.py, tests/test_isolation.py), so a
table or constraint that Citus would refuse fails in CI. docs/deployment.md describes the Citus path.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa

PARTITIONS = 4

# Tables with a tenant_id that Citus keeps whole on every node (reference tables) rather than
# distributing: each is looked up across workspaces before a tenant is known.
REFERENCE_TABLES = frozenset({
    "api_keys",  # an API key is found by its prefix, which is unique across workspaces
})


def distributed(table: sa.Table) -> bool:
    """Whether ``table`` is distributed by tenant: it has a ``tenant_id`` and is no reference table."""
    return "tenant_id" in table.c and table.name not in REFERENCE_TABLES


@contextlib.contextmanager
def partitioned_by_tenant(partitions: int = PARTITIONS) -> Iterator[None]:
    """Every table created inside the block that :func:`distributed` names is partitioned by
    ``HASH (tenant_id)`` into ``partitions`` partitions."""

    def before_create(table, connection, **kw):
        if distributed(table):
            table.dialect_options["postgresql"]["partition_by"] = "HASH (tenant_id)"

    def after_create(table, connection, **kw):
        if distributed(table):
            for remainder in range(partitions):
                connection.execute(sa.text(
                    f'CREATE TABLE "{table.name}_p{remainder}" PARTITION OF "{table.name}" '
                    f"FOR VALUES WITH (MODULUS {partitions}, REMAINDER {remainder})"))

    sa.event.listen(sa.Table, "before_create", before_create)
    sa.event.listen(sa.Table, "after_create", after_create)
    try:
        yield
    finally:
        sa.event.remove(sa.Table, "after_create", after_create)
        sa.event.remove(sa.Table, "before_create", before_create)
