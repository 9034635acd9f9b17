"""surveys: a survey's shareable link (answered by anyone, anonymously).

Revision ID: surveys_0003
Revises: surveys_0002
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "surveys_0003"
down_revision = "surveys_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("surveys_surveys") as batch:
        batch.add_column(sa.Column("shareable", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("surveys_surveys") as batch:
        batch.drop_column("shareable")
