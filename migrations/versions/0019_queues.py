"""What waits to go out, in the order it goes, in partial indexes: pending webhook deliveries and undelivered events

A sender claims an endpoint's oldest due deliveries. The index on (status, next attempt) found all
the pending ones and sorted them for every batch, which a backlog of a million (a recompute's
events) turns into a million rows read per batch; the new index holds only the pending deliveries,
in sending order, so a claim reads the batch it takes; it also serves what the old index did (the
next due time, the sweep), which goes: one index fewer to write for every delivery. Likewise the events still undelivered, by
tenant, time and id (the order they are handed over in, a batch after another), replacing the
index that also kept every delivered event.

Revision ID: 0019_queues
Revises: 0018_duplicates
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019_queues'
down_revision = '0018_duplicates'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")
UNDELIVERED = sa.text("delivered_at IS NULL")


def upgrade():
    op.create_index('ix_webhook_deliveries_queue', 'webhook_deliveries', ['tenant_id', 'endpoint_id', 'created_at', 'id'],
                    postgresql_where=PENDING, sqlite_where=PENDING)
    op.create_index('ix_events_waiting', 'events', ['tenant_id', 'occurred_at', 'id'],
                    postgresql_where=UNDELIVERED, sqlite_where=UNDELIVERED)
    op.drop_index('ix_events_undelivered', table_name='events')
    op.drop_index('ix_webhook_deliveries_due', table_name='webhook_deliveries')


def downgrade():
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries', ['tenant_id', 'endpoint_id', 'status',
                                                                       'next_attempt_at'])
    op.create_index('ix_events_undelivered', 'events', ['tenant_id', 'delivered_at', 'occurred_at'])
    op.drop_index('ix_events_waiting', table_name='events')
    op.drop_index('ix_webhook_deliveries_queue', table_name='webhook_deliveries')
