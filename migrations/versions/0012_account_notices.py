"""What notifications and the digest need to know: who started an import, who invited a member,
the day a member's digest last went, and a notification's message parameters

Revision ID: 0012_account_notices
Revises: 0011_notifications
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_account_notices'
down_revision = '0011_notifications'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_runs') as batch:
        batch.add_column(sa.Column('started_by', sa.Uuid(), nullable=True))
    with op.batch_alter_table('memberships') as batch:
        batch.add_column(sa.Column('invited_by', sa.Uuid(), nullable=True))
        batch.add_column(sa.Column('digest_sent_on', sa.Date(), nullable=True))
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('params')
    with op.batch_alter_table('memberships') as batch:
        batch.drop_column('digest_sent_on')
        batch.drop_column('invited_by')
    with op.batch_alter_table('import_runs') as batch:
        batch.drop_column('started_by')
