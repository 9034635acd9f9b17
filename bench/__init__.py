"""The benchmarks, each run on demand with ``python -m bench[.<name>]``; see ``docs/benchmarks.md``.

``python -m bench`` (or ``make bench``) creates the ``retain_bench`` database, fills it, serves the
same customer page from Retain and from a bare Flask + psycopg endpoint with gunicorn on loopback
and loads each with wrk. Every benchmark also runs at a smoke size (``--smoke``, ``bench.smoke``)
in the test suite (``tests/test_benchmarks.py``), which checks that it still works, not its figures.
"""

# The REST API's limits per API key and workspace (saas.api.rate_limits), still counted as in
# production but far above what a benchmark sends with one key.
UNLIMITED_API = {"API_KEY_RATE_LIMIT": "1000000000 per minute", "WORKSPACE_RATE_LIMIT": "1000000000 per minute"}
