"""visits: each person's calendar feed (the hash of its secret URL's token).

Revision ID: visits_0002
Revises: visits_0001
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

from saas.core import rls

revision = "visits_0002"
down_revision = "visits_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "visits_feeds",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_visits_feeds_tenant_id"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id", "user_id"], ["memberships.tenant_id", "memberships.user_id"],
                                name=op.f("fk_visits_feeds_tenant_id_user_id"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_visits_feeds")),
        sa.UniqueConstraint("tenant_id", "user_id", name=op.f("uq_visits_feeds_tenant_id_user_id")),
        sa.UniqueConstraint("tenant_id", "token_hash", name=op.f("uq_visits_feeds_tenant_id_token_hash")),
    )
    rls.enable(op, "visits_feeds")


def downgrade():
    rls.disable(op, "visits_feeds")
    op.drop_table("visits_feeds")
