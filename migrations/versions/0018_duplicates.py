"""Duplicates as a job: each customer's match keys, the likely duplicate pairs, the last scan

The data-quality report read every customer into the request and compared names pairwise; the
scan (saas.core.data_quality.scan) now keeps the keys and the pairs, and the report reads them.
The tables start empty: the first scan (nightly, or POST /api/v1/data-quality/scan) fills them.

Revision ID: 0018_duplicates
Revises: 0017_staff_set_null
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

import saas.core.types
from saas.core import rls

# revision identifiers, used by Alembic.
revision = '0018_duplicates'
down_revision = '0017_staff_set_null'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('duplicate_keys',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', saas.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=True),
    sa.Column('phone_key', sa.String(length=40), nullable=True),
    sa.Column('name_key', sa.String(length=402), nullable=True),
    sa.Column('email_flag', sa.SmallInteger(), nullable=False),
    sa.Column('phone_flag', sa.SmallInteger(), nullable=False),
    sa.Column('computed_from', sa.Integer(), nullable=False),
    sa.Column('dirty', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_duplicate_keys_tenant_id_customer_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_duplicate_keys_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'customer_id', name=op.f('pk_duplicate_keys'))
    )
    with op.batch_alter_table('duplicate_keys', schema=None) as batch_op:
        batch_op.create_index('ix_duplicate_keys_email', ['tenant_id', 'email_key'], unique=False)
        batch_op.create_index('ix_duplicate_keys_phone', ['tenant_id', 'phone_key'], unique=False)
        batch_op.create_index('ix_duplicate_keys_dirty', ['tenant_id', 'dirty'], unique=False)

    op.create_table('duplicate_pairs',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('first_id', sa.Uuid(), nullable=False),
    sa.Column('second_id', sa.Uuid(), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('found_at', saas.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'first_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_duplicate_pairs_tenant_id_first_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'second_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_duplicate_pairs_tenant_id_second_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_duplicate_pairs_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_duplicate_pairs')),
    sa.UniqueConstraint('tenant_id', 'first_id', 'second_id', name=op.f('uq_duplicate_pairs_tenant_id_first_id_second_id'))
    )
    with op.batch_alter_table('duplicate_pairs', schema=None) as batch_op:
        batch_op.create_index('ix_duplicate_pairs_second', ['tenant_id', 'second_id'], unique=False)
        batch_op.create_index('ix_duplicate_pairs_best', ['tenant_id', 'score', 'id'], unique=False)

    op.create_table('duplicate_scans',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('started_at', saas.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', saas.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_duplicate_scans_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_duplicate_scans'))
    )
    rls.enable(op, 'duplicate_keys', 'duplicate_pairs', 'duplicate_scans')


def downgrade():
    rls.disable(op, 'duplicate_keys', 'duplicate_pairs', 'duplicate_scans')
    op.drop_table('duplicate_scans')
    with op.batch_alter_table('duplicate_pairs', schema=None) as batch_op:
        batch_op.drop_index('ix_duplicate_pairs_best')
        batch_op.drop_index('ix_duplicate_pairs_second')
    op.drop_table('duplicate_pairs')
    with op.batch_alter_table('duplicate_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_duplicate_keys_dirty')
        batch_op.drop_index('ix_duplicate_keys_phone')
        batch_op.drop_index('ix_duplicate_keys_email')
    op.drop_table('duplicate_keys')
