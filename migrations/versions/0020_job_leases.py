"""Leases on exports and deletions: which run works on one (claimed_by) and its last sign of life

tenants.requeue queues again the job of an export or a deletion that Redis lost; the heartbeat
tells such a job from one still running, and the claim keeps a second run off the record.

Revision ID: 0020_job_leases
Revises: 0019_queues
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

import saas.core.types

# revision identifiers, used by Alembic.
revision = '0020_job_leases'
down_revision = '0019_queues'
branch_labels = None
depends_on = None

TABLES = ('tenant_deletions', 'tenant_exports')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('claimed_by', sa.Uuid(), nullable=True))
            batch_op.add_column(sa.Column('heartbeat_at', saas.core.types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('heartbeat_at')
            batch_op.drop_column('claimed_by')
