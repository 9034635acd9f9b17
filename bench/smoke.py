"""``--smoke``: each benchmark at a tiny size, the run the test suite makes of it.

A smoke run goes through the same steps as a real one (the same servers, checks, loads and
report) with a few hundred rows and a second of load, so that a change which breaks a benchmark
fails ``make test`` (``tests/test_benchmarks.py``) instead of the next person who measures. Its
figures mean nothing. A benchmark on PostgreSQL makes a smoke run in a database of its own
(:func:`bench.database.scratch`), so a loaded benchmark database is never touched.
"""

from __future__ import annotations

import argparse


def parse(parser: argparse.ArgumentParser, argv: list[str] | None, **sizes) -> argparse.Namespace:
    """``parser.parse_args(argv)`` plus a ``--smoke`` flag that makes ``sizes`` the defaults
    (an argument given on the command line still wins)."""
    given = ", ".join(f"--{name.replace('_', '-')} {value}" for name, value in sizes.items())
    parser.add_argument("--smoke", action="store_true",
                        help=f"a tiny run that only checks the benchmark still works ({given}); figures mean nothing")
    known, _ = parser.parse_known_args(argv)
    if known.smoke:
        parser.set_defaults(**sizes)
    return parser.parse_args(argv)
