"""churn: the scores, the signals other modules sent, the win-back tasks, the fitted model, the backtests.

Revision ID: churn_0001
Revises:
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

from saas.core import rls

revision = "churn_0001"
down_revision = None
branch_labels = ("churn",)
depends_on = "0001_core"  # the customers and users tables

TABLES = ("churn_scores", "churn_signals", "churn_tasks", "churn_fits", "churn_backtests")
OPEN = "status IN ('open', 'contacted', 'offer_made')"


def _keys(table: str) -> list:
    return [sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id"),
                                    ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}"))]


def _customer(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"],
                                   name=op.f(f"fk_{table}_tenant_id_customer_id"), ondelete="CASCADE")


def upgrade():
    op.create_table(
        "churn_scores",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("level", sa.String(length=6), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("model_used", sa.Boolean(), nullable=False),
        sa.Column("p_alive", sa.Float(), nullable=True),
        sa.Column("expected_purchases", sa.Float(), nullable=True),
        sa.Column("expected_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level_since", sa.DateTime(timezone=True), nullable=False),
        *_keys("churn_scores"), _customer("churn_scores"),
        sa.UniqueConstraint("tenant_id", "customer_id", name=op.f("uq_churn_scores_tenant_id_customer_id")),
    )
    op.create_index("ix_churn_scores_level", "churn_scores", ["tenant_id", "level", "score"])
    op.create_table(
        "churn_signals",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        *_keys("churn_signals"), _customer("churn_signals"),
        sa.UniqueConstraint("tenant_id", "event_id", name=op.f("uq_churn_signals_tenant_id_event_id")),
    )
    op.create_index("ix_churn_signals_customer", "churn_signals", ["tenant_id", "customer_id", "occurred_at"])
    op.create_table(
        "churn_tasks",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("reason_note", sa.String(length=1000), nullable=True),
        sa.Column("offer", sa.String(length=500), nullable=True),
        sa.Column("won_back_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("won_back_purchase_id", sa.Uuid(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_keys("churn_tasks"), _customer("churn_tasks"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_churn_tasks_owner_id"),
                                ondelete="SET NULL"),
    )
    op.create_index("uq_churn_tasks_open", "churn_tasks", ["tenant_id", "customer_id"], unique=True,
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    op.create_index("ix_churn_tasks_owner", "churn_tasks", ["tenant_id", "owner_id", "status", "due_on"])
    op.create_table(
        "churn_fits",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("repeat_buyers", sa.Integer(), nullable=False),
        sa.Column("enough_data", sa.Boolean(), nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        *_keys("churn_fits"),
        sa.UniqueConstraint("tenant_id", name="uq_churn_fits_tenant_id"),
    )
    op.create_table(
        "churn_backtests",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cutoff", sa.Date(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_keys("churn_backtests"),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"], name=op.f("fk_churn_backtests_requested_by"),
                                ondelete="SET NULL"),
    )
    rls.enable(op, *TABLES)


def downgrade():
    rls.disable(op, *TABLES)
    for table in reversed(TABLES):
        op.drop_table(table)
