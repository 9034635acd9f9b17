"""A merged customer's tombstone points at the customer it was merged into

Revision ID: 0004_merges
Revises: 0003_events
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004_merges'
down_revision = '0003_events'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_customers_tenant_id_merged_into_id'), 'customers',
                                    ['tenant_id', 'merged_into_id'], ['tenant_id', 'id'])


def downgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_customers_tenant_id_merged_into_id'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
