"""The installed plugins: discovery, their modules, and calling hooks for a tenant.

Plugins are found through the entry-point group ``saas.plugins`` (the built-in ones too). A plugin
that fails to import, has no ``saas_module``, needs a core version this is not, or raises while
describing itself is logged and left out; the application starts without it.

Each hook is called as :mod:`saas.core.hookspecs` declares it: an application hook only at
start-up, a tenant hook only for a tenant, and a result of the wrong shape counts as a failure.
Tenant hooks are called implementation by implementation, only for the modules the tenant has
enabled: pluggy stops a hook call at the first exception, and one module's bug must not cost the
request or the other modules unless the hook says so (``OnError``). Failures are logged with
module and tenant and queued for the tenant's admins (:func:`save_unsaved_errors` writes them once
the request's or job's own transaction is over).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Iterable

import marshmallow as ma
import pluggy
from flask import current_app
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from saas.core import hookspecs
from saas.core.db import db
from saas.core.event_types import CORE_EVENT_TYPES
from saas.core.hooktypes import EventType, ModuleInfo
from saas.core.hookspecs import DECLARATIONS, Kind, OnError
from saas.core.modules import PluginError, enabled_modules
from saas.core.tenancy import current_tenant, tenant_context

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "saas.plugins"
EXTENSION = "saas.plugins"  # where the application keeps its Plugins (``app.extensions``)

_unsaved_errors: ContextVar[list[PluginError] | None] = ContextVar("saas_plugin_errors", default=None)


class PluginRefused(Exception):
    """A plugin cannot be used: why is in the message."""


@dataclass
class Module:
    """An installed module: its description and what it added at start-up."""

    info: ModuleInfo
    plugin: object
    blueprints: list = field(default_factory=list)
    permissions: list = field(default_factory=list)
    cli_commands: list = field(default_factory=list)
    event_types: list = field(default_factory=list)
    schedules: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.info.name


class Plugins:
    """pluggy's manager for one application, with the modules that loaded."""

    def __init__(self, core_version: str):
        self.core_version = Version(core_version)
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.modules: dict[str, Module] = {}
        self.refused: dict[str, str] = {}  # plugin name -> why it was left out
        self._blueprint_modules: dict[str, str] | None = None  # built on first use, after loading
        self._catalogue: dict[str, EventType] | None = None  # likewise

    # -- loading -----------------------------------------------------------------------------

    def load_entry_points(self, group: str | None = None) -> None:
        for entry_point in entry_points(group=group or ENTRY_POINT_GROUP):
            try:
                plugin = entry_point.load()
            except Exception as error:  # a broken plugin must not stop the application
                self._refuse(entry_point.name, f"import failed: {error!r}")
                continue
            self.add(plugin, entry_point.name)

    def add(self, plugin: object, name: str) -> Module | None:
        """Register ``plugin`` and describe it; None (logged) when it cannot be used."""
        try:
            self._add_hookspecs(plugin, name)
            self.pm.register(plugin, name=name)
            self.pm.check_pending()
            module = self._describe(plugin, name)
        except Exception as error:
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
            self._refuse(name, str(error) if isinstance(error, PluginRefused) else repr(error))
            return None
        self.modules[module.name] = module
        self._catalogue = None
        return module

    def _add_hookspecs(self, plugin: object, name: str) -> None:
        """The hooks a module declares for other plugins (its ``hookspecs``, a module or class of
        specs marked with :data:`saas.core.hookspecs.hookspec`), each named ``<module>_...``."""
        specs = getattr(plugin, "hookspecs", None)
        if specs is None:
            return
        declared = [attr for attr in dir(specs) if hasattr(getattr(specs, attr), f"{hookspecs.PROJECT}_spec")]
        foreign = [hook for hook in declared if not hook.startswith(f"{name}_") or hook in DECLARATIONS]
        if foreign:
            raise PluginRefused(f"hooks a module declares are named '{name}_...': {', '.join(foreign)}")
        self.pm.add_hookspecs(specs)

    def module_hook(self, tenant, hook: str) -> list[tuple[str, Any]]:
        """Call ``hook``, one a module declared (:meth:`_add_hookspecs`), for the modules ``tenant``
        has enabled, one implementation at a time: ``[(module name, result), ...]``. A failing
        implementation is logged, queued for the tenant's admins and left out."""
        enabled = enabled_modules(tenant)
        caller = getattr(self.pm.hook, hook, None)
        results = []
        for impl in reversed(caller.get_hookimpls() if caller is not None else []):
            if impl.plugin_name not in enabled:
                continue
            try:
                results.append((impl.plugin_name, impl.function()))
            except Exception as error:
                self.record_error(tenant.id, impl.plugin_name, hook, error)
        return results

    def check_requirements(self) -> None:
        """Leave out modules that require a module which is not installed (repeatedly: chains)."""
        changed = True
        while changed:
            changed = False
            for module in list(self.modules.values()):
                missing = [name for name in module.info.requires if name not in self.modules]
                if missing:
                    self.pm.unregister(module.plugin)
                    del self.modules[module.name]
                    self._catalogue = None
                    self._refuse(module.name, f"requires modules that are not installed: {', '.join(missing)}")
                    changed = True

    def _describe(self, plugin: object, name: str) -> Module:
        info = self._call_one(plugin, "saas_module")
        if info is None:
            raise PluginRefused("saas_module() must return a ModuleInfo")
        if info.name != name:
            raise PluginRefused(f"registered as {name!r} but calls itself {info.name!r}")
        if info.name in self.modules:
            raise PluginRefused(f"a module named {info.name!r} is already installed")
        if info.core:
            try:
                compatible = self.core_version in SpecifierSet(info.core)
            except InvalidSpecifier:
                raise PluginRefused(f"core version specifier {info.core!r} is not valid") from None
            if not compatible:
                raise PluginRefused(f"needs plugin API {info.core}, this is {self.core_version}")
        renamed = [impl.function.__name__ for impl in self._impls_of(plugin) if impl.opts.get("specname")]
        if renamed:
            raise PluginRefused(f"name each hook function after its hook instead of specname=: {', '.join(renamed)}")
        if info.settings is not None:
            try:
                info.settings().load({})
            except ma.ValidationError as error:
                raise PluginRefused(f"every setting needs a default (load_default): {', '.join(sorted(error.messages))}"
                                    ) from None
        return Module(
            info=info,
            plugin=plugin,
            blueprints=list(self._call_one(plugin, "saas_blueprints") or []),
            permissions=list(self._call_one(plugin, "saas_permissions") or []),
            cli_commands=list(self._call_one(plugin, "saas_cli_commands") or []),
            event_types=self._event_types(plugin, info.name),
            schedules=self._named(self._call_one(plugin, "saas_schedules"), info.name, "schedule"),
        )

    def _event_types(self, plugin: object, name: str) -> list:
        return self._named(self._call_one(plugin, "saas_event_types"), name, "event type")

    @staticmethod
    def _named(declared, module: str, what: str) -> list:
        """``declared`` (things with a ``name``), each of which must be named ``<module>.<...>``."""
        declared = list(declared or [])
        foreign = [item.name for item in declared if not item.name.startswith(f"{module}.")]
        if foreign:
            raise PluginRefused(f"{what} names must start with '{module}.': {', '.join(foreign)}")
        return declared

    def _impls_of(self, plugin: object) -> list:
        return [impl for caller in self.pm.get_hookcallers(plugin) or [] for impl in caller.get_hookimpls()
                if impl.plugin is plugin]

    def _call_one(self, plugin: object, hook: str) -> Any:
        """Call application hook ``hook`` of ``plugin``; a result of the wrong shape refuses the plugin."""
        declaration = _declared(hook, Kind.APPLICATION)
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if impl.plugin is plugin:
                result = impl.function()
                try:
                    declaration.returns.check(hook, result)
                except TypeError as error:
                    raise PluginRefused(str(error)) from None
                return result
        if hook == "saas_module":
            raise PluginRefused("it does not implement saas_module()")
        return None

    def leave_out(self, name: str, why: str) -> None:
        """Take an added module out again (the application found it cannot serve it)."""
        module = self.modules.pop(name)
        self.pm.unregister(module.plugin)
        self._blueprint_modules = self._catalogue = None
        self._refuse(name, why)

    def _refuse(self, name: str, why: str) -> None:
        self.refused[name] = why
        log.error("plugin %s left out: %s", name, why)

    # -- per tenant --------------------------------------------------------------------------

    def event_types(self) -> list:
        """The catalogue: the core's event types, then each module's."""
        return [*CORE_EVENT_TYPES, *(t for m in self.modules.values() for t in m.event_types)]

    def event_type(self, name: str) -> EventType | None:
        """The declared event type named ``name`` (asked by every emit: a dict look-up)."""
        if self._catalogue is None:
            self._catalogue = {event_type.name: event_type for event_type in self.event_types()}
        return self._catalogue.get(name)

    def permission(self, name: str):
        """The ``Permission`` a module declared under ``name`` (KeyError if none did)."""
        for module in self.modules.values():
            for permission in module.permissions:
                if permission.name == name:
                    return permission
        raise KeyError(f"no installed module declares the permission {name!r}")

    def migration_locations(self) -> list[str]:
        return [m.info.migrations for m in self.modules.values() if m.info.migrations]

    def translation_directories(self) -> list[str]:
        return [m.info.translations for m in self.modules.values() if m.info.translations]

    def schedules(self) -> list:
        """Every module's periodic work (the core's own is added by :mod:`saas.core.schedules`)."""
        return [schedule for module in self.modules.values() for schedule in module.schedules]

    def module_of_blueprint(self, blueprint: str | None) -> str | None:
        """The module that serves ``blueprint``, if any (asked on every request: a dict look-up)."""
        if self._blueprint_modules is None:
            self._blueprint_modules = {bp.name: m.name for m in self.modules.values() for bp in m.blueprints}
        return self._blueprint_modules.get(blueprint)

    def call(self, hook: str, tenant, **kwargs) -> list[tuple[str, Any]]:
        """Call tenant hook ``hook`` for the modules ``tenant`` has enabled, one at a time.

        Returns ``[(module name, result), ...]`` for the implementations that returned what the
        hook declares. The others are logged and queued for the tenant's error log (counted there);
        then the hook's ``on_error`` says whether the call goes on (``ISOLATE``) or raises the
        first failure again (``ABORT``: a merge is better refused than half done).
        """
        declaration = _declared(hook, Kind.TENANT)
        enabled = enabled_modules(tenant)
        arguments = {"tenant": tenant, **kwargs}
        results = []
        for impl in reversed(getattr(self.pm.hook, hook).get_hookimpls()):
            if impl.plugin_name not in enabled:
                continue
            try:
                result = impl.function(*(arguments[name] for name in impl.argnames))
                declaration.returns.check(hook, result)
            except Exception as error:
                self.record_error(tenant.id, impl.plugin_name, hook, error)
                if declaration.on_error is not OnError.ISOLATE:
                    raise
                continue
            results.append((impl.plugin_name, result))
        return results

    def call_current(self, hook: str, **kwargs) -> list[tuple[str, Any]]:
        """:meth:`call` for the tenant bound to this context; free when no module implements it."""
        _declared(hook, Kind.TENANT)
        if not getattr(self.pm.hook, hook).get_hookimpls():
            return []
        tenant = current_tenant()  # usually already in the identity map
        return self.call(hook, tenant, **kwargs)

    def call_module(self, module: str, hook: str, tenant, **kwargs) -> Any:
        """Call tenant hook ``hook`` of one module only (switching it, handling an event): its
        exceptions propagate, for the caller to apply the hook's ``on_error``."""
        declaration = _declared(hook, Kind.TENANT)
        plugin = self.modules[module].plugin
        arguments = {"tenant": tenant, **kwargs}
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if impl.plugin is plugin:
                result = impl.function(*(arguments[name] for name in impl.argnames))
                declaration.returns.check(hook, result)
                return result
        return None

    def record_error(self, tenant_id, module: str, hook: str, error: BaseException) -> None:
        log.error("module %s failed in %s for tenant %s", module, hook, tenant_id,
                  exc_info=(type(error), error, error.__traceback__))
        pending = _unsaved_errors.get()
        if pending is None:
            pending = []
            _unsaved_errors.set(pending)
        pending.append(PluginError.of(tenant_id, module, hook, error))


def _declared(hook: str, kind: Kind):
    """The declaration of ``hook``; calling a hook as the other kind is the caller's bug."""
    declaration = DECLARATIONS[hook]
    if declaration.kind is not kind:
        raise TypeError(f"{hook} is one of the {declaration.kind.value} hooks, not of the {kind.value} hooks")
    return declaration


def installed() -> "Plugins":
    """The current application's plugins."""
    return current_app.extensions[EXTENSION]


def save_unsaved_errors() -> None:
    """Save the errors recorded in this context, each in its tenant, after rolling back whatever
    the session still holds (call it once the request's or job's own work is over)."""
    pending = _unsaved_errors.get() or []
    _unsaved_errors.set(None)
    if not pending:
        return
    db.session.rollback()
    for error in pending:
        with tenant_context(error.tenant_id):
            db.session.add(error)
            db.session.commit()


def results(pairs: Iterable[tuple[str, Any]]) -> list:
    """Flatten ``call()``'s ``[(module, [items])]`` into one list of items."""
    return [item for _, items in pairs for item in (items or [])]
