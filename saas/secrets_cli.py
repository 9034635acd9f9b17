"""``flask secrets ...``: make an encryption key, and reseal every stored secret with the first
key of ``ENCRYPTION_KEYS`` after a rotation (:mod:`saas.core.secretbox`)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from saas.core import secretbox
from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.tenancy import tenant_context

group = AppGroup("secrets", help="Secrets at rest: encryption keys and re-encryption.")


@group.command("new-key")
def new_key():
    """Print a new Fernet key for ENCRYPTION_KEYS."""
    click.echo(secretbox.new_key())


@group.command("reencrypt")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 10_000),
              help="Rows resealed per transaction.")
def reencrypt(batch_size):
    """Reseal every stored secret with the first key of ENCRYPTION_KEYS (after putting a new key
    first). Safe to run again, or after an interruption: what is sealed with the first key already
    is left as it is. Then the old keys can be dropped."""
    tenant_ids = list(db.session.scalars(sa.select(Tenant.id).order_by(Tenant.id)))
    db.session.rollback()
    changed = {}
    try:
        for tenant_id in tenant_ids:
            with tenant_context(tenant_id):  # row-level security admits one tenant's rows at a time
                for table, columns in secretbox.sealed_columns():
                    count = secretbox.reseal_table(table, columns, batch_size=batch_size, tenant_id=tenant_id)
                    changed[table.name] = changed.get(table.name, 0) + count
                db.session.commit()
    except secretbox.UnreadableSecret as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    for name, count in sorted(changed.items()):
        click.echo(f"{name}: {count} row(s) re-encrypted")


def register(app) -> None:
    app.cli.add_command(group)
