"""A person's own language and time zone for the pages (empty: their workspace's)

Revision ID: 0010_user_preferences
Revises: 0009_imports
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010_user_preferences'
down_revision = '0009_imports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('timezone')
        batch.drop_column('locale')
