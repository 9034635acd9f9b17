"""Classification changes whose event is still to be written: the nightly recompute's, written
after its transaction a page at a time (saas.core.classification.announce)

Revision ID: 0021_pending_events
Revises: 0020_job_leases
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021_pending_events'
down_revision = '0020_job_leases'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('classification_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_pending', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index('ix_classification_changes_pending', ['tenant_id', 'id'], unique=False,
                              postgresql_where=sa.text('event_pending'), sqlite_where=sa.text('event_pending'))


def downgrade():
    with op.batch_alter_table('classification_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_classification_changes_pending', postgresql_where=sa.text('event_pending'),
                            sqlite_where=sa.text('event_pending'))
        batch_op.drop_column('event_pending')
