"""The domain core.

At the root, the mechanisms every feature uses: the database and its types (``db``, ``types``,
``sql``), tenancy and row-level security (``tenancy``, ``rls``), accounts, audit, errors,
pagination, events (``events`` writes to the ``outbox``; ``delivery`` hands them to modules and
to the receivers the application wires in), jobs (``queues``, ``schedules``), the modules and
their hook contract (``modules``, ``hookspecs``, ``hooktypes``, ``plugins``), and a few tools
(``netguard``, ``passwords``, ``spreadsheets``).

Below it, one package per feature, each with its tables, use cases and jobs: ``customers`` (the
base of every other), ``classification``, ``segments``, ``imports``, ``data_quality``,
``webhooks``, ``reports``. A mechanism never imports a feature; a feature imports the mechanisms
and the features it builds on (``tests/test_layout.py`` holds the table).

Nothing here imports :mod:`saas` (the shell), :mod:`tenants` or :mod:`plugins`; they import us.
"""
