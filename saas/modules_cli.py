"""``flask modules``: list the installed modules (the default), or start a new one."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from saas import scaffold
from saas.core.plugins import installed


@click.group("modules", cls=AppGroup, invoke_without_command=True)
@click.pass_context
def modules_cli(ctx) -> None:
    """The installed modules (plain ``flask modules`` lists them), and a new module's package."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_modules)


@modules_cli.command("list")
def list_modules() -> None:
    """List the installed modules and the plugins that were left out (also plain ``flask modules``)."""
    host = installed()
    for module in host.modules.values():
        click.echo(f"{module.name}\t{module.info.version}\t{module.info.title}")
    for name, why in host.refused.items():
        click.echo(f"{name}\tleft out: {why}", err=True)


@modules_cli.command("new")
@click.argument("name")
@click.option("--path", "parent", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The folder to write retain-NAME into")
def new_module(name: str, parent: Path) -> None:
    """Write a new module's package, NAME (e.g. 'referrals'), into --path/retain-NAME: entry point,
    settings, a table with its migration, an API route, an event handler, a panel, a page, a README
    and tests that pass."""
    host = installed()
    taken = set(host.modules) | set(host.refused) | {bp.split(".")[0] for bp in current_app.blueprints}
    try:
        target = scaffold.write(name, parent, taken)
    except scaffold.ScaffoldError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote the module '{name}' into {target}")
    click.echo(f"Next: pip install -e '{target}[test]' && (cd {target} && pytest)")
