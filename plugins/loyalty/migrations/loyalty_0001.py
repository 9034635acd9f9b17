"""loyalty: the points ledger and the accounts.

Revision ID: loyalty_0001
Revises:
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

from saas.core import rls

revision = "loyalty_0001"
down_revision = None
branch_labels = ("loyalty",)
depends_on = "0001_core"  # the customers table


def upgrade():
    op.create_table(
        "loyalty_entries",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("purchase_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_loyalty_entries_tenant_id"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"],
                                name=op.f("fk_loyalty_entries_tenant_id_customer_id"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_loyalty_entries")),
        sa.UniqueConstraint("tenant_id", "source", name=op.f("uq_loyalty_entries_tenant_id_source")),
    )
    op.create_index("ix_loyalty_entries_customer", "loyalty_entries", ["tenant_id", "customer_id", "created_at"])
    op.create_index("ix_loyalty_entries_purchase", "loyalty_entries", ["tenant_id", "purchase_id"])
    op.create_table(
        "loyalty_accounts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_loyalty_accounts_tenant_id"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"],
                                name=op.f("fk_loyalty_accounts_tenant_id_customer_id"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_loyalty_accounts")),
        sa.UniqueConstraint("tenant_id", "customer_id", name=op.f("uq_loyalty_accounts_tenant_id_customer_id")),
    )
    rls.enable(op, "loyalty_entries", "loyalty_accounts")


def downgrade():
    rls.disable(op, "loyalty_entries", "loyalty_accounts")
    op.drop_table("loyalty_accounts")
    op.drop_table("loyalty_entries")
