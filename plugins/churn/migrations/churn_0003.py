"""churn: the scores' pages keep half their room free (fillfactor 50), so a nightly rewrite of a
score whose number and level stay is a heap-only update that touches none of the three indexes.

Revision ID: churn_0003
Revises: churn_0002
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "churn_0003"
down_revision = "churn_0002"
branch_labels = None
depends_on = None


def _tables(bind) -> list[str]:
    """churn_scores, or its partitions where it is partitioned (the Citus-shaped schema): a
    partitioned table keeps no rows, so its partitions take the storage parameter."""
    if bind.scalar(sa.text("SELECT relkind FROM pg_class WHERE oid = 'churn_scores'::regclass")) != "p":
        return ["churn_scores"]
    return list(bind.scalars(sa.text("SELECT inhrelid::regclass::text FROM pg_inherits "
                                     "WHERE inhparent = 'churn_scores'::regclass ORDER BY 1")))


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in _tables(bind):
            op.execute(f"ALTER TABLE {table} SET (fillfactor = 50)")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in _tables(bind):
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
