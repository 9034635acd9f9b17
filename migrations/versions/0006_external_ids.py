"""Customers carry their id in a shop or ERP (external_id), unique per tenant

Revision ID: 0006_external_ids
Revises: 0005_webhooks
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006_external_ids'
down_revision = '0005_webhooks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_customers_tenant_id_external_id'), ['tenant_id', 'external_id'])


def downgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_customers_tenant_id_external_id'), type_='unique')
        batch_op.drop_column('external_id')
