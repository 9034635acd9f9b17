"""Module toggles per tenant and the errors plugins raise

Revision ID: 0002_modules
Revises: 0001_core
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

from saas.core import rls

TENANT_TABLES = ("tenant_modules", "plugin_errors")


# revision identifiers, used by Alembic.
revision = '0002_modules'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plugin_errors',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('module', sa.String(length=50), nullable=False),
    sa.Column('hook', sa.String(length=100), nullable=False),
    sa.Column('error', sa.String(length=1000), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_plugin_errors_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_plugin_errors'))
    )
    with op.batch_alter_table('plugin_errors', schema=None) as batch_op:
        batch_op.create_index('ix_plugin_errors_tenant_time', ['tenant_id', 'occurred_at'], unique=False)

    op.create_table('tenant_modules',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('module', sa.String(length=50), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('changed_by', sa.String(length=80), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_modules_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_tenant_modules')),
    sa.UniqueConstraint('tenant_id', 'module', name=op.f('uq_tenant_modules_tenant_id_module'))
    )
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('modules_version', sa.Integer(), server_default='0', nullable=False))
    rls.enable(op, *TENANT_TABLES)


def downgrade():
    rls.disable(op, *TENANT_TABLES)
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('modules_version')

    op.drop_table('tenant_modules')
    with op.batch_alter_table('plugin_errors', schema=None) as batch_op:
        batch_op.drop_index('ix_plugin_errors_tenant_time')

    op.drop_table('plugin_errors')
