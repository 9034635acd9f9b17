"""Wires the installed plugins into one application: their blueprints behind the tenant's module
switch, their CLI commands, the job queue, and what runs once a request is over (saving the
errors plugins raised, in-process jobs)."""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask.cli import AppGroup, with_appcontext
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from werkzeug.exceptions import NotFound

from saas import auth
from saas.core import plugin_api, queues
from saas.core.modules import enabled_modules
from saas.core.plugins import EXTENSION, Plugins, installed, save_unsaved_errors
from saas.extensions import csrf
from saas.modules_cli import modules_cli


def init_app(app: Flask, api: Api, plugins: list[tuple[str, object]] | None = None) -> Plugins:
    """Load the entry-point plugins (or exactly ``plugins``, ``[(name, plugin)]``, for tests)."""
    host = Plugins(plugin_api.VERSION)
    if plugins is None:
        host.load_entry_points()
    else:
        for name, plugin in plugins:
            host.add(plugin, name)
    host.check_requirements()
    app.extensions[EXTENSION] = host
    for module in list(host.modules.values()):
        taken = sorted(bp.name for bp in module.blueprints if bp.name in app.blueprints)
        if taken:
            host.leave_out(module.name, f"blueprint names already in use: {', '.join(taken)}")
            continue
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
    app.cli.add_command(modules_cli)
    queues.init_app(app, after_each_job=(save_unsaved_errors,))
    app.teardown_appcontext(finish_request)
    return host


def guard_module_routes():
    """``before_request`` (after API authentication): a module's pages need a signed-in user (the
    API's routes are authenticated already), and all its routes, those of blueprints nested in
    its blueprints too, are 404 where it is off; a page's POST (PUT, PATCH, DELETE) without the
    session's CSRF token is refused (400), as the core's pages refuse it. A page marked
    :func:`saas.auth.public` needs no sign-in: it proves its workspace itself (a signed link) and
    binds it with :func:`saas.auth.bind_visitor`, which is 404 where the module is off."""
    module = installed().module_of_blueprint(request.blueprints[-1] if request.blueprints else None)
    if module is None:
        return None
    page = not request.path.startswith("/api/")
    if page and getattr(current_app.view_functions.get(request.endpoint), "_public", False):
        # a public page (auth.public: a survey's link, a calendar feed): no sign-in; the view binds the
        # workspace its secret names (auth.bind_visitor answers 404 where the module is off); its
        # forms carry the CSRF token
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        return None
    if "principal" not in g and page:
        sign_in = auth.authenticate_page()
        if sign_in is not None:
            return sign_in
    principal = g.get("principal")
    if principal is None or module not in enabled_modules(principal.tenant):
        raise NotFound(f"There is no '{module}' module in this workspace.")
    if page and request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()  # a module's forms carry the CSRF token, as the core's do
    return None


def finish_request(exc=None) -> None:
    """``teardown_appcontext``: keep the errors plugins raised, then run in-process jobs."""
    save_unsaved_errors()
    queues.current_queue().run_pending()
