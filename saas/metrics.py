"""``GET /metrics``: the Prometheus text format, for a scraper holding ``METRICS_TOKEN``.

Without ``METRICS_TOKEN`` there is no such page (404) and requests are not timed; with it, a scrape
without ``Authorization: Bearer <token>``, or with another token, answers 401. Scrapes are exempt
from rate limits. Each answered request is observed by URL rule (never the raw path: the series
stay bounded), method and status, after its transaction ended: two ``perf_counter`` calls and a
histogram observation, no statement. In multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, under
gunicorn) the scrape sums the files of every process of the host; see docs/deployment.md.
"""

from __future__ import annotations

import hmac
import os
import time
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from saas.config import ConfigError
from saas.core import metrics
from saas.extensions import limiter
from saas.metrics_collector import ScrapeTimeGauges

bp = Blueprint("metrics", __name__)
_STARTED = "retain.request_started"


def init_app(app: Flask) -> None:
    """Serve ``/metrics`` and time requests, if ``METRICS_TOKEN`` is set. Call it before the other
    request hooks are registered (the logs' aside): its ``before_request`` then runs before theirs and
    its ``after_request`` after theirs, so a request's time includes its authentication and its commit."""
    folder = multiprocess_dir()
    if folder and not Path(folder).is_dir():  # prometheus-client would fail on every request's first count
        raise ConfigError(f"PROMETHEUS_MULTIPROC_DIR is {folder!r}, which is not a folder: create it (empty)")
    if not app.config.get("METRICS_TOKEN"):
        return
    app.before_request(_start)
    app.after_request(_observe)
    app.register_blueprint(bp)


def _start() -> None:
    request.environ[_STARTED] = time.perf_counter()


def _observe(response: Response) -> Response:
    current = request._get_current_object()  # once: each read through the proxy costs a microsecond
    started = current.environ.get(_STARTED)
    if started is not None:
        rule = current.url_rule
        metrics.observe_request(rule.rule if rule is not None else "unmatched", current.method,
                                response.status_code, time.perf_counter() - started)
    return response


@bp.get("/metrics")
@limiter.exempt
def scrape() -> Response:
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return Response("a metrics token is needed: Authorization: Bearer <METRICS_TOKEN>\n", 401,
                        {"WWW-Authenticate": 'Bearer realm="metrics"'}, mimetype="text/plain")
    return Response(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")


def registry() -> CollectorRegistry:
    """What one scrape shows: this process's counters and histograms (or, in multiprocess mode,
    the sum of every process's files), and the gauges read now from the database and Redis."""
    scraped = CollectorRegistry()
    if multiprocess_dir():
        MultiProcessCollector(scraped)
    else:
        scraped.register(_ThisProcess())
    scraped.register(ScrapeTimeGauges())
    return scraped


class _ThisProcess:
    """The default registry's metrics (ours, and the process's own), as one collector."""

    def collect(self):
        return REGISTRY.collect()
