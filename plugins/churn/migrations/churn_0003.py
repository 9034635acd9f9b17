"""churn: the scores' pages keep half their room free (fillfactor 50), so a nightly rewrite of a
score whose number and level stay is a heap-only update that touches none of the three indexes.

Revision ID: churn_0003
Revises: churn_0002
Create Date: 2026-12-04
"""
from alembic import op

revision = "churn_0003"
down_revision = "churn_0002"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE churn_scores SET (fillfactor = 50)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE churn_scores RESET (fillfactor)")
