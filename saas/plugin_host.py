"""Wires the installed plugins into one application: their blueprints behind the tenant's module
switch, their CLI commands, and the saving of the errors they raised during a request."""

from __future__ import annotations

import click
from flask import Flask, g, request
from flask.cli import AppGroup, with_appcontext
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from werkzeug.exceptions import NotFound

import saas
from saas.core.db import db
from saas.core.modules import enabled_modules
from saas.core.plugins import EXTENSION, Plugins, installed, take_unsaved_errors
from saas.core.tenancy import tenant_context

def init_app(app: Flask, api: Api, plugins: list[tuple[str, object]] | None = None) -> Plugins:
    """Load the entry-point plugins (or exactly ``plugins``, ``[(name, plugin)]``, for tests)."""
    host = Plugins(saas.__version__)
    if plugins is None:
        host.load_entry_points()
    else:
        for name, plugin in plugins:
            host.add(plugin, name)
    host.check_requirements()
    app.extensions[EXTENSION] = host
    for module in host.modules.values():
        for blueprint in module.blueprints:
            if isinstance(blueprint, SmorestBlueprint):
                api.register_blueprint(blueprint)
            else:
                app.register_blueprint(blueprint)
        if module.cli_commands:
            group = AppGroup(module.name, help=f"{module.info.title} ({module.name} module)")
            for command in module.cli_commands:
                if command.callback is not None:  # plain click commands get the app context too
                    command.callback = with_appcontext(command.callback)
                group.add_command(command)
            app.cli.add_command(group)
    app.cli.add_command(list_modules_command)
    app.teardown_request(save_plugin_errors)
    return host


def refuse_disabled_module() -> None:
    """``before_request`` (after authentication): a module's routes are 404 where it is off."""
    module = installed().module_of_blueprint(request.blueprint)
    if module is None:
        return
    principal = g.get("principal")
    if principal is None or module not in enabled_modules(principal.tenant):
        raise NotFound(f"There is no '{module}' module in this workspace.")


def save_plugin_errors(exc=None) -> None:
    """``teardown_request``: keep the errors plugins raised, in their own transaction."""
    errors = take_unsaved_errors()
    if not errors:
        return
    db.session.rollback()
    for error in errors:
        with tenant_context(error.tenant_id):
            db.session.add(error)
            db.session.commit()


@click.command("modules")
@with_appcontext
def list_modules_command() -> None:
    """List the installed modules and the plugins that were left out."""
    host = installed()
    for module in host.modules.values():
        click.echo(f"{module.name}\t{module.info.version}\t{module.info.title}")
    for name, why in host.refused.items():
        click.echo(f"{name}\tleft out: {why}", err=True)
