"""The metrics' scrape: every tenant's event backlog in one cheap aggregate

A partial index holds only the undelivered events. On PostgreSQL, row-level security admits no
row to a statement with no tenant bound, so the aggregate is a SECURITY DEFINER function owned by
the migrating role, which returns two numbers only; a SELECT policy for that role admits every row
only while ``app.metrics_aggregate`` is 'on', which nothing but the function sets (around its
one statement), and only inside a SECURITY DEFINER call (``current_user <> session_user``): the
app's role is not named by the policy, and the owner's own sessions (where one role both owns the
tables and serves the app) gain nothing by setting the variable. With one role for both, the
backlog reads 0; deployment.md asks for an app role that owns no table.

Revision ID: 0014_metrics
Revises: 0013_sealed_secrets
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014_metrics'
down_revision = '0013_sealed_secrets'
branch_labels = None
depends_on = None

UNDELIVERED = sa.text("delivered_at IS NULL")


def upgrade():
    op.create_index('ix_events_backlog', 'events', ['occurred_at'], postgresql_where=UNDELIVERED,
                    sqlite_where=UNDELIVERED)
    if op.get_bind().dialect.name != 'postgresql':
        return
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar()
    op.execute("CREATE POLICY metrics_aggregate ON events FOR SELECT TO CURRENT_USER "
               "USING (current_setting('app.metrics_aggregate', true) = 'on' AND current_user <> session_user)")
    # PostgreSQL 15 lets only a superuser put an unregistered setting in a function's SET clause,
    # so the function sets it itself, for its one statement, and clears it again.
    op.execute(f"""
        CREATE FUNCTION retain_outbox_backlog(OUT undelivered bigint, OUT oldest timestamptz)
        LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = "{schema}", pg_temp
        AS $$
        BEGIN
            PERFORM set_config('app.metrics_aggregate', 'on', true);
            SELECT count(*), min(occurred_at) INTO undelivered, oldest FROM events WHERE delivered_at IS NULL;
            PERFORM set_config('app.metrics_aggregate', '', true);
        END
        $$
    """)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION IF EXISTS retain_outbox_backlog()")
        op.execute("DROP POLICY IF EXISTS metrics_aggregate ON events")
    op.drop_index('ix_events_backlog', table_name='events')
