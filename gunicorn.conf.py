"""gunicorn's settings for ``gunicorn wsgi:app`` (read from the working directory).

With ``PROMETHEUS_MULTIPROC_DIR`` set, every worker writes its metrics to files there and a scrape
of ``/metrics`` sums them; when a worker exits, prometheus-client is told, so that the live gauges
of a dead process drop out (its counters and histograms stay counted). See docs/deployment.md.
"""

import os


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
