"""churn: when a backtest's job started, so that one lost after it started is told from one still queued.

Revision ID: churn_0002
Revises: churn_0001
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "churn_0002"
down_revision = "churn_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("churn_backtests", sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("churn_backtests", "started_at")
