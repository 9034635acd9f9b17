"""In-app notifications (a row per recipient), and a person's choice of a daily digest by e-mail

Revision ID: 0011_notifications
Revises: 0010_user_preferences
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from saas.core import rls


# revision identifiers, used by Alembic.
revision = '0011_notifications'
down_revision = '0010_user_preferences'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notifications',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.String(length=2000), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['memberships.tenant_id', 'memberships.user_id'], name=op.f('fk_notifications_tenant_id_user_id'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_notifications_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_tenant_user_created', ['tenant_id', 'user_id', 'created_at', 'id'], unique=False)
    rls.enable(op, 'notifications')
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('notification_digest', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('notification_digest')
    rls.disable(op, 'notifications')
    op.drop_table('notifications')
