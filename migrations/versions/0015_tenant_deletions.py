"""Workspace deletions: a global record per deletion (it outlives its tenant), found by its token's hash

Revision ID: 0015_tenant_deletions
Revises: 0014_metrics
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015_tenant_deletions'
down_revision = '0014_metrics'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tenant_deletions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('deleted_tenant_id', sa.Uuid(), nullable=False),
    sa.Column('requested_by', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('rows_deleted', sa.BigInteger(), nullable=False),
    sa.Column('files_deleted', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_deletions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_tenant_deletions_token_hash'))
    )
    with op.batch_alter_table('tenant_deletions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_deletions_deleted_tenant_id'), ['deleted_tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('tenant_deletions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_deletions_deleted_tenant_id'))
    op.drop_table('tenant_deletions')
