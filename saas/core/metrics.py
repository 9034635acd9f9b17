"""The counters and histograms every process keeps for ``GET /metrics`` (Prometheus text format).

They live in prometheus-client's default registry, which is per process; under gunicorn, with
rq workers beside it, each process writes its values to files in ``PROMETHEUS_MULTIPROC_DIR``
instead (prometheus-client's multiprocess mode, chosen when the variable is set before this module
is imported) and a scrape sums them (``saas.metrics``). Gauges that read the database or Redis are
not here: the scrape computes them (``saas.metrics_collector``), so ordinary work pays nothing.

Every label takes values from a small, fixed set (a URL rule, never a path; a job's function name;
a module's name), so the number of series stays bounded whatever the traffic.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

PREFIX = "retain"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_SECONDS = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Requests by URL rule, method and status, with their latency (its _count is the number of requests).",
    ["route", "method", "status"],
)
JOBS = Counter(f"{PREFIX}_jobs", "Jobs run, by queue, job and outcome (succeeded, failed).",
               ["queue", "job", "outcome"])
JOB_SECONDS = Histogram(f"{PREFIX}_job_duration_seconds", "How long jobs ran, by queue and job.",
                        ["queue", "job"], buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 180, 300))
WEBHOOK_DELIVERIES = Counter(
    f"{PREFIX}_webhook_deliveries",
    "Webhook delivery attempts by outcome: succeeded, retrying (failed, another attempt is due), "
    "failed (failed for good), and pending deliveries failed because their endpoint was disabled (disabled).",
    ["outcome"],
)
IMPORT_ROWS = Counter(f"{PREFIX}_import_rows", "Rows of finished imports (not dry runs), by kind and outcome "
                      "(created, updated, unchanged, rejected).", ["kind", "outcome"])
MODULE_ERRORS = Counter(f"{PREFIX}_module_errors", "Errors modules raised, as recorded in the module errors "
                        "table, by module and hook or task.", ["module", "hook"])

_request_children: dict[tuple[str, str, int], object] = {}


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """One answered request. The labelled child is kept per (route, method, status): looking it up
    through ``labels()`` takes a lock and costs more than the observation itself."""
    if method not in KNOWN_METHODS:
        method = "other"
    key = (route, method, status)
    child = _request_children.get(key)
    if child is None:
        child = _request_children.setdefault(key, REQUEST_SECONDS.labels(route, method, str(status)))
    child.observe(seconds)


def observe_job(queue: str, job: str, succeeded: bool, seconds: float) -> None:
    JOBS.labels(queue, job, "succeeded" if succeeded else "failed").inc()
    JOB_SECONDS.labels(queue, job).observe(seconds)


def count_webhook_outcomes(outcomes: list[str]) -> None:
    for outcome in outcomes:
        WEBHOOK_DELIVERIES.labels(outcome).inc()


def count_import_rows(kind: str, counts: dict[str, int]) -> None:
    for outcome, rows in counts.items():
        if rows:
            IMPORT_ROWS.labels(kind, outcome).inc(rows)


def count_module_error(module: str, hook: str) -> None:
    MODULE_ERRORS.labels(module, hook).inc()
