"""The customer-list benchmark: Retain against a bare Flask + psycopg endpoint, run on demand.

``python -m bench`` (or ``make bench``) creates the ``retain_bench`` database, fills it, serves the
same page from both apps with gunicorn on loopback and loads each with wrk; see ``docs/benchmarks.md``.
Never part of the test suite.
"""
