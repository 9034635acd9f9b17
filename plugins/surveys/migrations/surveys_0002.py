"""surveys: sending on a schedule and after events (a delay: an invitation due later).

Revision ID: surveys_0002
Revises: surveys_0001
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "surveys_0002"
down_revision = "surveys_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("surveys_surveys") as batch:
        batch.add_column(sa.Column("schedule", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("last_scheduled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("send_after", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("surveys_invitations") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("source", sa.String(length=120), nullable=True))
        batch.create_unique_constraint(op.f("uq_surveys_invitations_tenant_id_source"), ["tenant_id", "source"])
        batch.create_index("ix_surveys_invitations_due", ["tenant_id", "due_at"])


def downgrade():
    with op.batch_alter_table("surveys_invitations") as batch:
        batch.drop_index("ix_surveys_invitations_due")
        batch.drop_constraint(op.f("uq_surveys_invitations_tenant_id_source"), type_="unique")
        batch.drop_column("source")
        batch.drop_column("queued_at")
        batch.drop_column("due_at")
    with op.batch_alter_table("surveys_surveys") as batch:
        batch.drop_column("send_after")
        batch.drop_column("last_scheduled_at")
        batch.drop_column("schedule")
