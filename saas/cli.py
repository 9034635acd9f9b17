"""``flask tenants ...``, ``flask users ...`` and ``flask demo ...``: operator commands."""

from __future__ import annotations

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from saas.core.accounts import Role, Tenant
from saas.core.db import db
from saas.core.errors import DomainError
from saas.core.tenancy import tenant_context
from tenants import accounts, demo

tenants_cli = AppGroup("tenants", help="Create and list workspaces.")
users_cli = AppGroup("users", help="Create users.")
demo_cli = AppGroup("demo", help="The demo workspace.")


def _fail(error: DomainError):
    detail = "; ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in error.fields.items())
    raise click.ClickException(f"{error.message}{' (' + detail + ')' if detail else ''}")


@tenants_cli.command("create")
@click.option("--slug", required=True)
@click.option("--name", required=True, help="Company name")
@click.option("--owner-email", required=True)
@click.option("--owner-password", required=True, prompt=True, hide_input=True)
def create_tenant(slug, name, owner_email, owner_password):
    """Create a workspace with its owner; prints a first API key."""
    try:
        tenant, user, key = accounts.sign_up(company_name=name, slug=slug, admin_email=owner_email,
                                             admin_password=owner_password)
    except DomainError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    click.echo(f"Created workspace {tenant.slug} ({tenant.id}) owned by {user.email}")
    click.echo(f"API key (shown once): {key}")


@tenants_cli.command("list")
def list_tenants():
    """List every workspace."""
    for tenant in db.session.scalars(sa.select(Tenant).order_by(Tenant.created_at)):
        click.echo(f"{tenant.slug}\t{tenant.status}\t{tenant.id}\t{tenant.name}")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--name", default="")
@click.option("--tenant", "slug", required=True, help="Slug of the workspace to join")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.agent.value, show_default=True)
@click.option("--team", default=None)
def create_user(email, password, name, slug, role, team):
    """Create a user (or reuse one) and add them to a workspace."""
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"no workspace with slug '{slug}'")
    try:
        with tenant_context(tenant.id):
            accounts.add_member(email=email, name=name, password=password, role=Role(role), team=team,
                                actor_role=Role.owner)
            db.session.commit()
    except DomainError as error:
        db.session.rollback()
        _fail(error)
    click.echo(f"{email} is now {role} in {slug}")


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when a workspace exists already")
@click.option("--customers", default=300, show_default=True)
def seed_demo(if_empty, customers):
    """Seed the demo workspace (a tea wholesaler) and write its credentials to instance/."""
    if if_empty and db.session.scalar(sa.select(Tenant.id).limit(1)) is not None:
        click.echo("The database has workspaces already; not seeding.")
    else:
        credentials = demo.seed(customers=customers)
        _credentials_file().write_text(json.dumps(credentials, indent=2))
        _credentials_file().chmod(0o600)
    show_demo_credentials.callback()


@demo_cli.command("credentials")
def show_demo_credentials():
    """Print the demo login and API key saved when the demo was seeded."""
    path = _credentials_file()
    if not path.exists():
        click.echo("No demo credentials saved (the database was not seeded by 'flask demo seed').")
        return
    creds = json.loads(path.read_text())
    click.echo("")
    click.echo(f"  Demo workspace: {creds['company']} ({creds['slug']})")
    click.echo(f"  Sign in at http://127.0.0.1:5000/login as {creds['email']} / {creds['password']}")
    click.echo(f"  API key: {creds['api_key']}")
    click.echo(f"  Try:     curl -H 'Authorization: Bearer {creds['api_key']}' http://127.0.0.1:5000/api/v1/customers")
    click.echo("")


def _credentials_file() -> Path:
    return Path(current_app.instance_path) / "demo-credentials.json"


def register(app: Flask) -> None:
    for group in (tenants_cli, users_cli, demo_cli):
        app.cli.add_command(group)
