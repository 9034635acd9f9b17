"""An interaction keeps no link to a deleted account: interactions.staff_id ON DELETE SET NULL

A person removed from a workspace keeps their interactions there (signed by them); deleting their
account later clears that link wherever it is, including in workspaces they no longer belong to
(which their own request cannot see through row-level security).

Revision ID: 0017_staff_set_null
Revises: 0016_tenant_exports
Create Date: 2026-12-03
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017_staff_set_null'
down_revision = '0016_tenant_exports'
branch_labels = None
depends_on = None

NAME = 'fk_interactions_staff_id'


def _staff_key(ondelete):
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_constraint(NAME, type_='foreignkey')
        batch_op.create_foreign_key(NAME, 'users', ['staff_id'], ['id'], ondelete=ondelete)


def upgrade():
    _staff_key('SET NULL')


def downgrade():
    _staff_key(None)
