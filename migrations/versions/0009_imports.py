"""Imports of customers and purchases from spreadsheets: import_runs and the cells they could not take

Revision ID: 0009_imports
Revises: 0008_classification
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

import saas.core.types
from saas.core import rls


# revision identifiers, used by Alembic.
revision = '0009_imports'
down_revision = '0008_classification'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_runs',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('customers', 'purchases', name='importkind', native_enum=False, length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'checking', 'importing', 'checked', 'done', 'failed', name='importstatus', native_enum=False, length=20), nullable=False),
    sa.Column('problem', sa.String(length=500), nullable=True),
    sa.Column('file_format', sa.String(length=20), nullable=True),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('finished_at', saas.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', saas.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', saas.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_import_runs_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_import_runs'))
    )
    op.create_table('import_problems',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('import_id', sa.Uuid(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('column', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'import_id'], ['import_runs.tenant_id', 'import_runs.id'], name=op.f('fk_import_problems_tenant_id_import_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_import_problems_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'import_id', 'row', 'column', name=op.f('pk_import_problems'))
    )
    rls.enable(op, 'import_runs', 'import_problems')


def downgrade():
    rls.disable(op, 'import_runs', 'import_problems')
    op.drop_table('import_problems')
    op.drop_table('import_runs')
