"""Secrets at rest: webhook and inbound secrets, and the answers kept for Idempotency-Key replays,
are sealed with ENCRYPTION_KEYS (saas.core.secretbox); the secrets' columns grow to hold a token

Revision ID: 0013_sealed_secrets
Revises: 0012_account_notices
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op
from cryptography.fernet import InvalidToken

from saas.core import secretbox

# revision identifiers, used by Alembic.
revision = '0013_sealed_secrets'
down_revision = '0012_account_notices'
branch_labels = None
depends_on = None

SECRET_TABLES = ('webhook_endpoints', 'inbound_secrets')
SEALED = {'webhook_endpoints': ('secret', 'previous_secret'), 'inbound_secrets': ('secret', 'previous_secret'),
          'idempotency_keys': ('response_body',)}
BATCH = 500


def upgrade():
    for table in SECRET_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column('secret', type_=sa.Text(), existing_type=sa.String(100), existing_nullable=False)
            batch.alter_column('previous_secret', type_=sa.Text(), existing_type=sa.String(100))
    _rewrite(_seal)


def downgrade():
    _rewrite(_open)
    for table in SECRET_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column('secret', type_=sa.String(100), existing_type=sa.Text(), existing_nullable=False)
            batch.alter_column('previous_secret', type_=sa.String(100), existing_type=sa.Text())


def _seal(value: str) -> str | None:
    """The plaintext sealed; None for a value that already is a token (a second run changes nothing)."""
    try:
        secretbox.box().fernet.decrypt(value.encode())
    except InvalidToken:
        return secretbox.box().seal(value)
    return None


def _open(value: str) -> str | None:
    return secretbox.box().open(value)


def _rewrite(change) -> None:
    """Every sealed column's value through ``change``, for every tenant at once: the owner running
    the migration is bound by FORCE ROW LEVEL SECURITY, lifted for this transaction only."""
    conn = op.get_bind()
    postgres = conn.dialect.name == 'postgresql'
    for name, columns in SEALED.items():
        table = sa.table(name, sa.column('tenant_id', sa.Uuid()), sa.column('id', sa.Uuid()),
                         *(sa.column(c, sa.Text()) for c in columns))
        if postgres:
            op.execute(f'ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY')
        after = None
        while True:
            stmt = sa.select(table.c.tenant_id, table.c.id, *(table.c[c] for c in columns)) \
                .order_by(table.c.tenant_id, table.c.id).limit(BATCH)
            if after is not None:
                stmt = stmt.where(sa.tuple_(table.c.tenant_id, table.c.id) > sa.tuple_(*after))
            rows = conn.execute(stmt).all()
            if not rows:
                break
            for row in rows:
                values = {c: change(row._mapping[c]) for c in columns if row._mapping[c] is not None}
                values = {c: v for c, v in values.items() if v is not None}
                if values:
                    conn.execute(sa.update(table).where(table.c.tenant_id == row.tenant_id, table.c.id == row.id)
                                 .values(**values))
            after = (rows[-1].tenant_id, rows[-1].id)
        if postgres:
            op.execute(f'ALTER TABLE {name} FORCE ROW LEVEL SECURITY')
