"""Classification: each customer's figures, tier and stage (customer_figures), their history, and segments

Revision ID: 0008_classification
Revises: 0007_attempt_log
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

import saas.core.types
from saas.core import rls


# revision identifiers, used by Alembic.
revision = '0008_classification'
down_revision = '0007_attempt_log'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('classification_changes',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('old', sa.String(length=20), nullable=True),
    sa.Column('new', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('changed_at', saas.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_classification_changes_tenant_id_customer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_classification_changes_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_classification_changes'))
    )
    with op.batch_alter_table('classification_changes', schema=None) as batch_op:
        batch_op.create_index('ix_classification_changes_customer', ['tenant_id', 'customer_id', 'changed_at'], unique=False)

    op.create_table('customer_figures',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('first_purchase_at', saas.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_purchase_at', saas.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('orders_total', sa.Integer(), server_default='0', nullable=False),
    sa.Column('revenue_total', saas.core.types.ScaledDecimal(2), server_default='0', nullable=False),
    sa.Column('orders_window', sa.Integer(), server_default='0', nullable=False),
    sa.Column('revenue_window', saas.core.types.ScaledDecimal(2), server_default='0', nullable=False),
    sa.Column('in_touch', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('r_score', sa.SmallInteger(), nullable=True),
    sa.Column('f_score', sa.SmallInteger(), nullable=True),
    sa.Column('m_score', sa.SmallInteger(), nullable=True),
    sa.Column('rule_tier', sa.Enum('core', 'important', 'basic', 'general', 'potential', name='tier', native_enum=False, length=20), nullable=True),
    sa.Column('tier_override', sa.Enum('core', 'important', 'basic', 'general', 'potential', name='tier', native_enum=False, length=20), nullable=True),
    sa.Column('override_reason', sa.String(length=500), nullable=True),
    sa.Column('override_until', saas.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tier', sa.Enum('core', 'important', 'basic', 'general', 'potential', name='tier', native_enum=False, length=20), nullable=True),
    sa.Column('lifecycle_stage', sa.Enum('potential', 'new', 'active', 'dormant', 'churned', name='stage', native_enum=False, length=20), server_default='potential', nullable=False),
    sa.Column('computed_at', saas.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_customer_figures_tenant_id_customer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_figures_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'customer_id', name=op.f('pk_customer_figures'))
    )
    with op.batch_alter_table('customer_figures', schema=None) as batch_op:
        batch_op.create_index('ix_customer_figures_last_purchase', ['tenant_id', 'last_purchase_at'], unique=False)
        batch_op.create_index('ix_customer_figures_orders', ['tenant_id', 'orders_total'], unique=False)
        batch_op.create_index('ix_customer_figures_revenue', ['tenant_id', 'revenue_total'], unique=False)
        batch_op.create_index('ix_customer_figures_stage', ['tenant_id', 'lifecycle_stage'], unique=False)
        batch_op.create_index('ix_customer_figures_tier', ['tenant_id', 'tier'], unique=False)
    op.create_table('segments',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('filter', sa.JSON(), nullable=False),
    sa.Column('created_at', saas.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', saas.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_segments_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_segments')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_segments_tenant_id_name'))
    )
    rls.enable(op, 'customer_figures', 'classification_changes', 'segments')
    # Every existing customer gets its row; the classification job fills the figures in.
    op.execute("INSERT INTO customer_figures (tenant_id, customer_id) SELECT tenant_id, id FROM customers")
    if op.get_bind().dialect.name == 'postgresql':  # the purchases index now covers the figures' aggregate
        op.drop_index('ix_purchases_customer_time', table_name='purchases')
        op.create_index('ix_purchases_customer_time', 'purchases', ['tenant_id', 'customer_id', 'purchased_at', 'id'],
                        postgresql_include=['amount', 'refunded_amount'])


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_purchases_customer_time', table_name='purchases')
        op.create_index('ix_purchases_customer_time', 'purchases', ['tenant_id', 'customer_id', 'purchased_at', 'id'])
    rls.disable(op, 'customer_figures', 'classification_changes', 'segments')
    op.drop_table('segments')
    with op.batch_alter_table('customer_figures', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_figures_tier')
        batch_op.drop_index('ix_customer_figures_stage')
        batch_op.drop_index('ix_customer_figures_revenue')
        batch_op.drop_index('ix_customer_figures_orders')
        batch_op.drop_index('ix_customer_figures_last_purchase')

    op.drop_table('customer_figures')
    with op.batch_alter_table('classification_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_classification_changes_customer')

    op.drop_table('classification_changes')
