"""The hook contract between the core and plugins (pluggy project ``saas``).

Two kinds of hooks:

* **Application hooks** describe a plugin and what it adds to the application. They reach every
  installed plugin, once, when the application starts.
* **Tenant hooks** take the tenant first and reach only the plugins that tenant has enabled. The
  core calls each implementation on its own: one that raises is logged, counted and shown to the
  tenant's admins, and neither fails the request nor stops the others.

Hooks return data (the dataclasses of :mod:`saas.core.hooktypes`, lists, dicts), never HTML.
``docs/plugins.md`` documents each hook with an example; a test fails when one is missing there.
"""

from __future__ import annotations

import pluggy

PROJECT = "saas"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# -- application hooks -----------------------------------------------------------------------


@hookspec
def saas_module():
    """Describe the module: return a :class:`~saas.core.hooktypes.ModuleInfo`.

    Called once per plugin at start-up. Every plugin must implement it; a plugin without it, or
    whose ``core`` specifier excludes this core's version, is logged and left out.
    """


@hookspec
def saas_blueprints():
    """Return the Flask blueprints the module serves (a list).

    Called once at start-up. Blueprints are registered under the module: for a tenant that has
    not enabled it, every route of these blueprints answers 404. A blueprint that is a
    flask-smorest ``Blueprint`` (e.g. :class:`saas.api.base.ApiBlueprint`) joins the OpenAPI
    document.
    """


@hookspec
def saas_permissions():
    """Return the permissions the module adds (a list of :class:`~saas.core.hooktypes.Permission`).

    Called once at start-up; ``GET /api/v1/modules`` lists them with the module.
    """


@hookspec
def saas_event_types():
    """Return the event types the module emits (a list of :class:`~saas.core.hooktypes.EventType`),
    named ``<module>.<what happened>``.

    Called once at start-up. They join the core's in the catalogue (``GET /api/v1/event-types``),
    which webhooks and other modules subscribe from; emit them with
    :func:`saas.core.events.emit`.
    """


@hookspec
def saas_schedules():
    """Return periodic work (a list of :class:`~saas.core.hooktypes.Schedule`), each named
    ``<module>.<what>``, with a cron expression and a job function that takes no arguments.

    Called once at start-up. ``flask jobs scheduler`` runs them on rq's cron scheduler, each
    exactly once per period even with several schedulers; ``flask jobs run-schedules`` runs them
    all once, now (the embedded set-up). A schedule runs for every tenant at once: open a
    :func:`~saas.core.tenancy.tenant_context` per tenant that has the module enabled.
    """


@hookspec
def saas_cli_commands():
    """Return click commands to add under ``flask <module> ...`` (a list of ``click.Command``).

    Called once at start-up.
    """


# -- tenant hooks ----------------------------------------------------------------------------


@hookspec
def saas_module_enabled(tenant, settings):
    """The tenant has just enabled the module, with these ``settings`` (a dict, validated).

    Called in the request that enables it, before its transaction commits: create the
    tenant's starting data here. Return nothing. Raising refuses the change (the admin sees a 409
    naming the module and nothing is written).
    """


@hookspec
def saas_module_disabled(tenant):
    """The tenant has just disabled the module. Its data stays; do not delete it.

    Called in the request that disables it, before its transaction commits. Return nothing.
    """


@hookspec
def saas_handle_event(tenant, event):
    """Handle a domain event (:class:`saas.core.events.Event`) of the tenant; return nothing.

    Called in a background job of its own, after the change that emitted the event committed,
    for every event of a tenant that has the module enabled (check ``event.type``). Your writes
    and the record that you handled the event commit together, so a redelivered event does not
    run you twice; raising rolls your writes back and the job is retried with backoff.
    """


@hookspec
def saas_customer_panels(tenant, customer):
    """Return blocks for the customer's profile (a list of :class:`~saas.core.hooktypes.Panel`).

    ``customer`` is the :class:`~saas.core.customers.Customer`. Called for
    ``GET /api/v1/customers/{id}/panels``.
    """


@hookspec
def saas_navigation(tenant, role):
    """Return menu entries (a list of :class:`~saas.core.hooktypes.NavItem`) for a member with
    ``role`` (a :class:`~saas.core.accounts.Role`). Called for ``GET /api/v1/navigation``."""


@hookspec
def saas_report_cards(tenant):
    """Return KPI tiles (a list of :class:`~saas.core.hooktypes.ReportCard`) for the tenant's
    dashboard. Called for ``GET /api/v1/reports/cards``."""


@hookspec
def saas_validate_customer(tenant, customer, changes):
    """Check a customer being created or changed; return ``{field: [message, ...]}`` or ``{}``.

    ``customer`` is the customer as it will be saved (not yet flushed), ``changes`` the fields
    the request set. Any error from any module refuses the request with 422 and those field
    errors, and nothing is written.
    """


@hookspec
def saas_export_fields(tenant):
    """Return extra columns for customer exports (a list of :class:`~saas.core.hooktypes.ExportField`).

    Called when a tenant exports customers (:func:`saas.core.customers.module_data.export_fields`): each
    field's ``values(customer_ids)`` returns ``{customer_id: value}`` for one batch of customers;
    customers it leaves out get an empty cell.
    """


@hookspec
def saas_merge_customers(tenant, survivor_id, merged_id):
    """Move the module's data of customer ``merged_id`` onto ``survivor_id``; return nothing.

    Called in the transaction that merges two customers (:func:`saas.core.customers.module_data.merge_module_data`),
    before the merged customer is removed. Unlike other tenant hooks, raising aborts the merge:
    half-merged data would be worse than none.
    """
