"""The hook contract between the core and plugins (pluggy project ``saas``).

Each hook declares, beside its spec, its kind, what it returns and what a failure costs; the
plugin manager (:mod:`saas.core.plugins`) reads nothing else (as pretix's ``GlobalSignal`` and
``EventPluginSignal`` carry their scope in their type):

* **Application hooks** (:func:`application_hook`) describe a plugin and what it adds to the
  application. They reach every installed plugin, once, when the application starts; a plugin
  whose implementation raises or returns the wrong shape is left out.
* **Tenant hooks** (:func:`tenant_hook`) take the tenant first and reach only the plugins that
  tenant has enabled, each implementation on its own. What a failure (raising, or returning the
  wrong shape) costs is the hook's :class:`OnError`.

Hooks return data (the dataclasses of :mod:`saas.core.hooktypes`, lists, dicts), never HTML.
``docs/plugins.md`` documents each hook with an example; a test fails when one is missing there.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Callable

import click
import pluggy
from flask import Blueprint

from saas.core.hooktypes import (EventType, ExportField, ModuleInfo, NavItem, Panel, Permission, ReportCard,
                                 Schedule, SegmentCondition, TimelineItem, TodoItem)

PROJECT = "saas"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class Kind(enum.Enum):
    APPLICATION = "application"
    TENANT = "tenant"


class OnError(enum.Enum):
    """What a tenant hook's failing implementation costs (it is logged and shown to the tenant's
    admins in every case)."""

    ISOLATE = "isolate"  # nothing more: the request and the other modules carry on without it
    ABORT = "abort"  # the caller's whole change fails: half of it would be worse than none
    RETRY = "retry"  # the job rolls back and runs again later (an event's handler)


@dataclass(frozen=True)
class Returns:
    """The shape of a hook's result; ``None`` (returning nothing) always passes."""

    description: str
    accepts: Callable[[Any], bool]

    def check(self, hook: str, result: Any) -> None:
        if result is not None and not self.accepts(result):
            raise TypeError(f"{hook} must return {self.description}, not {result!r:.100}")


def one(kind: type) -> Returns:
    return Returns(f"a {kind.__name__}", lambda result: isinstance(result, kind))


def list_of(kind: type) -> Returns:
    return Returns(f"a list of {kind.__name__}", lambda result: isinstance(result, (list, tuple))
                   and all(isinstance(item, kind) for item in result))


def dict_of(key: type, value: type) -> Returns:
    return Returns(f"a dict of {key.__name__} to {value.__name__}", lambda result: isinstance(result, dict)
                   and all(isinstance(k, key) and isinstance(v, value) for k, v in result.items()))


NOTHING = Returns("nothing", lambda result: True)  # what it returns is not used


@dataclass(frozen=True)
class Declaration:
    name: str
    kind: Kind
    returns: Returns
    on_error: OnError | None  # None for application hooks: the plugin is left out


DECLARATIONS: dict[str, Declaration] = {}


def application_hook(*, returns: Returns):
    """Declare the spec below it an application hook returning ``returns``."""
    def declare(spec):
        DECLARATIONS[spec.__name__] = Declaration(spec.__name__, Kind.APPLICATION, returns, None)
        return hookspec(spec)
    return declare


def tenant_hook(*, returns: Returns = NOTHING, on_error: OnError = OnError.ISOLATE):
    """Declare the spec below it a tenant hook returning ``returns``, whose failures cost ``on_error``."""
    def declare(spec):
        DECLARATIONS[spec.__name__] = Declaration(spec.__name__, Kind.TENANT, returns, on_error)
        return hookspec(spec)
    return declare


# -- application hooks -----------------------------------------------------------------------


@application_hook(returns=one(ModuleInfo))
def saas_module():
    """Describe the module: return a :class:`~saas.core.hooktypes.ModuleInfo`.

    Called once per plugin at start-up. Every plugin must implement it; a plugin without it, or
    whose ``core`` specifier excludes this core's version, is logged and left out.
    """


@application_hook(returns=list_of(Blueprint))
def saas_blueprints():
    """Return the Flask blueprints the module serves (a list).

    Called once at start-up. Blueprints are registered under the module: for a tenant that has
    not enabled it, every route of these blueprints answers 404. A blueprint that is a
    flask-smorest ``Blueprint`` (e.g. :class:`saas.api.base.ApiBlueprint`) joins the OpenAPI
    document.
    """


@application_hook(returns=list_of(Permission))
def saas_permissions():
    """Return the permissions the module adds (a list of :class:`~saas.core.hooktypes.Permission`).

    Called once at start-up; ``GET /api/v1/modules`` lists them with the module.
    """


@application_hook(returns=list_of(EventType))
def saas_event_types():
    """Return the event types the module emits (a list of :class:`~saas.core.hooktypes.EventType`),
    named ``<module>.<what happened>``.

    Called once at start-up. They join the core's in the catalogue (``GET /api/v1/event-types``),
    which webhooks and other modules subscribe from; emit them with
    :func:`saas.core.events.emit`.
    """


@application_hook(returns=list_of(Schedule))
def saas_schedules():
    """Return periodic work (a list of :class:`~saas.core.hooktypes.Schedule`), each named
    ``<module>.<what>``, with a cron expression and a job function that takes no arguments.

    Called once at start-up. ``flask jobs scheduler`` runs them on rq's cron scheduler, each
    exactly once per period even with several schedulers; ``flask jobs run-schedules`` runs them
    all once, now (the embedded set-up). A schedule runs for every tenant at once: open a
    :func:`~saas.core.tenancy.tenant_context` per tenant that has the module enabled.
    """


@application_hook(returns=list_of(click.Command))
def saas_cli_commands():
    """Return click commands to add under ``flask <module> ...`` (a list of ``click.Command``).

    Called once at start-up.
    """


# -- tenant hooks ----------------------------------------------------------------------------


@tenant_hook(on_error=OnError.ABORT)
def saas_module_enabled(tenant, settings):
    """The tenant has just enabled the module, with these ``settings`` (a dict, validated).

    Called in the request that enables it, before its transaction commits: create the
    tenant's starting data here. Return nothing. Raising refuses the change (the admin sees a 409
    naming the module and nothing is written).
    """


@tenant_hook(on_error=OnError.ABORT)
def saas_module_disabled(tenant):
    """The tenant has just disabled the module. Its data stays; do not delete it.

    Called in the request that disables it, before its transaction commits. Return nothing.
    """


@tenant_hook(on_error=OnError.RETRY)
def saas_handle_event(tenant, event):
    """Handle a domain event (:class:`saas.core.events.Event`) of the tenant; return nothing.

    Called in a background job of its own, after the change that emitted the event committed,
    for every event of a tenant that has the module enabled (check ``event.type``). Your writes
    and the record that you handled the event commit together, so a redelivered event does not
    run you twice; raising rolls your writes back and the job is retried with backoff.
    """


@tenant_hook(returns=list_of(Panel))
def saas_customer_panels(tenant, customer):
    """Return blocks for the customer's profile (a list of :class:`~saas.core.hooktypes.Panel`).

    ``customer`` is the :class:`~saas.core.customers.Customer`. Called for
    ``GET /api/v1/customers/{id}/panels``.
    """


@tenant_hook(returns=list_of(NavItem))
def saas_navigation(tenant, role):
    """Return menu entries (a list of :class:`~saas.core.hooktypes.NavItem`) for a member with
    ``role`` (a :class:`~saas.core.accounts.Role`). Called for ``GET /api/v1/navigation``."""


@tenant_hook(returns=list_of(ReportCard))
def saas_report_cards(tenant):
    """Return KPI tiles (a list of :class:`~saas.core.hooktypes.ReportCard`) for the tenant's
    dashboard. Called for ``GET /api/v1/reports/cards``."""


@tenant_hook(returns=list_of(TodoItem))
def saas_todo_items(tenant, member):
    """Return what ``member`` (a :class:`~saas.core.accounts.Membership`) has to do (a list of
    :class:`~saas.core.hooktypes.TodoItem`): a due win-back task, a visit, a complaint's clock.

    Called for the person's ``/today`` page, which sorts every module's items by ``due_at``.
    Answer with a fixed number of queries, whatever the number of items.
    """


@tenant_hook(returns=list_of(TimelineItem))
def saas_timeline_items(tenant, customer_id, before, limit):
    """Return the module's entries of customer ``customer_id``'s timeline (a list of
    :class:`~saas.core.hooktypes.TimelineItem`): at most ``limit`` of them, the newest first, and
    only those older than ``before`` (a ``(datetime, uuid)`` pair: the page's position in the
    timeline's (``at``, ``id``) order) unless it is None.

    Called for ``GET /api/v1/customers/{id}/timeline`` and the profile's timeline, which merge
    every module's entries with the purchases and interactions. Answer with a fixed number of queries.
    """


@tenant_hook(returns=dict_of(str, list))
def saas_validate_customer(tenant, customer, changes):
    """Check a customer being created or changed; return ``{field: [message, ...]}`` or ``{}``.

    ``customer`` is the customer as it will be saved (not yet flushed), ``changes`` the fields
    the request set. Any error from any module refuses the request with 422 and those field
    errors, and nothing is written.
    """


@tenant_hook(returns=list_of(ExportField))
def saas_export_fields(tenant):
    """Return extra columns for customer exports (a list of :class:`~saas.core.hooktypes.ExportField`).

    Called when a tenant exports customers (:func:`saas.core.customers.module_data.export_fields`): each
    field's ``values(customer_ids)`` returns ``{customer_id: value}`` for one batch of customers;
    customers it leaves out get an empty cell.
    """


@tenant_hook(returns=list_of(SegmentCondition))
def saas_segment_conditions(tenant):
    """Return conditions the module adds to segments (a list of
    :class:`~saas.core.hooktypes.SegmentCondition`): "at high churn risk" beside the core's tiers and tags.

    Called when a segment is saved (to check the keys and values it uses) and whenever a segment
    that uses one is matched: its customer list, counts, exports, a survey sent to it. A segment
    whose module is off matches no customer.
    """


@tenant_hook(on_error=OnError.ABORT)
def saas_demo_data(tenant, now):
    """Fill the module's data in the demo workspace (``flask demo seed``); return nothing.

    Called once, after the seed has written a year of customers, purchases and interactions up to
    ``now`` (an aware UTC datetime) and enabled the module, in the same transaction and tenant
    context, so the module's pages show something on the first ``make run``. Raising aborts the seed.
    """


@tenant_hook(on_error=OnError.ABORT)
def saas_merge_customers(tenant, survivor_id, merged_id):
    """Move the module's data of customer ``merged_id`` onto ``survivor_id``; return nothing.

    Called in the transaction that merges two customers (:func:`saas.core.customers.module_data.merge_module_data`),
    before the merged customer is removed. Unlike other tenant hooks, raising aborts the merge:
    half-merged data would be worse than none.
    """
