"""loyalty: the rewards catalogue, and the reward a redemption bought.

Revision ID: loyalty_0002
Revises: loyalty_0001
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

from saas.core import rls

revision = "loyalty_0002"
down_revision = "loyalty_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "loyalty_rewards",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("points_cost", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("active_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tiers", sa.JSON(), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_loyalty_rewards_tenant_id"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_loyalty_rewards")),
    )
    rls.enable(op, "loyalty_rewards")
    with op.batch_alter_table("loyalty_entries") as batch:
        batch.add_column(sa.Column("reward_id", sa.Uuid(), nullable=True))
        batch.create_foreign_key(op.f("fk_loyalty_entries_tenant_id_reward_id"), "loyalty_rewards",
                                 ["tenant_id", "reward_id"], ["tenant_id", "id"])


def downgrade():
    with op.batch_alter_table("loyalty_entries") as batch:
        batch.drop_constraint(op.f("fk_loyalty_entries_tenant_id_reward_id"), type_="foreignkey")
        batch.drop_column("reward_id")
    rls.disable(op, "loyalty_rewards")
    op.drop_table("loyalty_rewards")
