"""The event outbox and the record of which module handled which event

Revision ID: 0003_events
Revises: 0002_modules
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

from saas.core import rls

TENANT_TABLES = ("events", "handled_events")


# revision identifiers, used by Alembic.
revision = '0003_events'
down_revision = '0002_modules'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('events',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_events_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_undelivered', ['tenant_id', 'delivered_at', 'occurred_at'], unique=False)

    op.create_table('handled_events',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('module', sa.String(length=50), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_handled_events_tenant_id'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'event_id', 'module', name=op.f('pk_handled_events'))
    )
    rls.enable(op, *TENANT_TABLES)


def downgrade():
    rls.disable(op, *TENANT_TABLES)
    op.drop_table('handled_events')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_undelivered')

    op.drop_table('events')
