"""Row-level security for tenant tables on PostgreSQL, used by the core's and plugins' migrations.

Each tenant table gets ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` (so even its owner is bound)
and a policy that admits only rows of ``app.tenant_id``. The setting is read with ``NULLIF(...,
'')`` because after a transaction ends it reads as an empty string, not NULL.
"""

from __future__ import annotations

CURRENT_TENANT = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def enable_statements(table: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING (tenant_id = {CURRENT_TENANT}) WITH CHECK (tenant_id = {CURRENT_TENANT})",
    ]


def lookup_policy(table: str, name: str, column: str, setting: str, cast: str = "") -> str:
    """A read-only policy admitting rows whose ``column`` equals ``app.<setting>``.

    For the few global look-ups done before a tenant is known (an API key by its prefix, a
    user's memberships at sign-in); the caller must already know the value it looks up.
    """
    return (
        f"CREATE POLICY {name} ON {table} FOR SELECT "
        f"USING ({column} = NULLIF(current_setting('app.{setting}', true), ''){cast})"
    )


def enable(op, *tables: str) -> None:
    """Enable tenant RLS on ``tables`` inside an Alembic migration (no-op off PostgreSQL)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        for statement in enable_statements(table):
            op.execute(statement)


def disable(op, *tables: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
