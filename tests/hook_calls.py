"""Which hooks of :mod:`saas.core.hookspecs` the tests call, and in which test (a pytest plugin that
``tests/conftest.py`` registers).

Each implementation registered on a plugin manager of the ``saas`` project is wrapped as it is
registered, so a call is seen however it is made: ``Plugins.call`` and ``call_current`` (tenant
hooks), ``call_module`` (enable, disable, events), ``_call_one`` (application hooks, when an
application loads its plugins) or pluggy's own ``pm.hook``. A hook counts as called in a test when
one of its implementations ran during that test (its fixtures' set-up and teardown included);
calling a plugin's function directly, without a plugin manager, does not count.

At the end of a run of the whole suite (no -k, -m, --lf, --deselect, --ignore or path narrower
than ``tests/``, not stopped early), the run fails naming every hook that no test called. With
``RETAIN_HOOK_CHECK=always`` a run of part of the suite is checked too. Under pytest-xdist each
worker sends its record to the controller, which checks.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pluggy
import pytest

from saas.core import hookspecs

NAME = "saas-hook-calls"  # the plugin's name in pytest's plugin manager
TESTS = Path(__file__).resolve().parent


def hook_names() -> list[str]:
    return sorted(name for name, function in vars(hookspecs).items() if name.startswith("saas_") and callable(function))


def whole_suite(session, exitstatus) -> bool:
    """Did this run collect every test and run to its end?"""
    config, option = session.config, session.config.option
    if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or session.shouldstop or session.shouldfail:
        return False
    if any(getattr(option, name, None) for name in (
            "keyword", "markexpr", "deselect", "ignore", "ignore_glob", "lf", "stepwise", "collectonly")):
        return False
    base = config.rootpath if config.args_source == pytest.Config.ArgsSource.TESTPATHS else config.invocation_params.dir
    for arg in config.args:
        path, _, node = arg.partition("::")
        if node or Path(base, path).resolve() not in (TESTS, *TESTS.parents):
            return False
    return True


class HookCalls:
    """``calls[hook]``: the node ids of the tests during which an implementation of ``hook`` ran."""

    def __init__(self):
        self.hooks = hook_names()
        self.calls: dict[str, set[str]] = {}
        self.test: str | None = None
        self._register = None

    # -- recording ---------------------------------------------------------------------------

    def start(self) -> None:
        original, recorder = pluggy.PluginManager.register, self

        @functools.wraps(original)
        def register(pm, plugin, name=None):
            registered = original(pm, plugin, name)
            if registered is not None and pm.project_name == hookspecs.PROJECT:
                recorder._wrap(pm, plugin)
            return registered

        self._register = original
        pluggy.PluginManager.register = register

    def stop(self) -> None:
        if self._register is not None:
            pluggy.PluginManager.register = self._register
            self._register = None

    def _wrap(self, pm, plugin) -> None:
        for caller in pm.get_hookcallers(plugin) or []:
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin:
                    impl.function = self._recording(caller.name, impl.function)

    def _recording(self, hook: str, function):
        @functools.wraps(function)
        def recorded(*args, **kwargs):
            if self.test is not None:
                self.calls.setdefault(hook, set()).add(self.test)
            return function(*args, **kwargs)

        return recorded

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.test = item.nodeid
        try:
            return (yield)
        finally:
            self.test = None

    # -- checking ----------------------------------------------------------------------------

    def uncalled(self) -> list[str]:
        return [hook for hook in self.hooks if not self.calls.get(hook)]

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        """pytest-xdist: a worker finished; take its record."""
        for hook, tests in (getattr(node, "workeroutput", None) or {}).get(NAME, {}).items():
            self.calls.setdefault(hook, set()).update(tests)

    def pytest_sessionfinish(self, session, exitstatus):
        config = session.config
        if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller checks
            config.workeroutput[NAME] = {hook: sorted(tests) for hook, tests in self.calls.items()}
            return
        if os.environ.get("RETAIN_HOOK_CHECK") != "always" and not whole_suite(session, exitstatus):
            return
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("")
        uncalled = self.uncalled()
        if uncalled:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
            if reporter is not None:
                reporter.write_sep("=", "hooks no test called", red=True)
                reporter.write_line(f"{len(uncalled)} of the {len(self.hooks)} hooks of saas.core.hookspecs ran in no "
                                    f"test: {', '.join(uncalled)}. Each needs a test during which an implementation "
                                    f"of it runs (tests/hook_calls.py).", red=True)
        elif reporter is not None:
            reporter.write_line(f"hook calls: each of the {len(self.hooks)} hooks of saas.core.hookspecs ran in a test")

    def pytest_unconfigure(self, config):
        self.stop()
