"""Workspace exports: one row per archive asked for, with its status, counts and times

Revision ID: 0016_tenant_exports
Revises: 0015_tenant_deletions
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from saas.core import rls

# revision identifiers, used by Alembic.
revision = '0016_tenant_exports'
down_revision = '0015_tenant_deletions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tenant_exports',
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_by', sa.Uuid(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tables', sa.Integer(), nullable=False),
    sa.Column('rows', sa.BigInteger(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_exports_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_tenant_exports'))
    )
    rls.enable(op, 'tenant_exports')


def downgrade():
    rls.disable(op, 'tenant_exports')
    op.drop_table('tenant_exports')
