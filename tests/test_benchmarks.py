"""Every benchmark under ``bench/`` runs at its smoke size, so a change that breaks one fails here.

Each runs as ``python -m <module> --smoke`` in a subprocess with a deadline (``bench.smoke``: a
few hundred rows, a second of load, a database of its own that it drops). The test asserts that
it exits 0 and prints its report, never a figure: a smoke run's figures mean nothing.

A benchmark on PostgreSQL gets the suite's server (``RETAIN_TEST_PG_ADMIN_URL``). What else it
needs (wrk, redis-server) is a Debian package that ``.ci/run`` installs: missing, the test skips
locally and fails under ``CI=true``, like the PostgreSQL tests.
"""

from __future__ import annotations

import ast
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URL, unavailable

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 180  # seconds; a smoke run takes a few (docs/benchmarks.md)
ENV_DROPPED = ("DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ENCRYPTION_KEYS", "FLASK_DEBUG", "FLASK_APP")


@dataclass(frozen=True)
class Benchmark:
    report: str  # a line of the report that a finished run prints
    postgres: bool = False
    tools: tuple[str, ...] = ()
    results: bool = False  # takes --results FOLDER


BENCHMARKS = {
    "bench": Benchmark("HTML page / JSON list =", postgres=True, tools=("wrk",), results=True),
    "bench.hooks": Benchmark("Python function calls per request"),
    "bench.webhooks": Benchmark("retain/plain per round", postgres=True, tools=("redis-server",)),
    "bench.classification": Benchmark("nightly:", postgres=True),
    "bench.imports": Benchmark("same file again:", postgres=True),
    "bench.duplicates": Benchmark("incremental scan after", postgres=True),
    "bench.churn": Benchmark("nightly scoring:", postgres=True),
    "bench.visits": Benchmark("planning again", postgres=True),
}


def entry_points() -> set[str]:
    """``bench`` modules with a top-level ``main()``: what ``python -m`` runs (read, not imported)."""
    found = set()
    for path in (ROOT / "bench").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body):
            found.add("bench" if path.stem == "__main__" else f"bench.{path.stem}")
    return found


def test_every_benchmark_entry_point_has_a_smoke_run_here():
    assert entry_points() == set(BENCHMARKS)


def postgres_answers() -> None:
    engine = sa.create_engine(PG_ADMIN_URL)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        unavailable("PostgreSQL", error)
    finally:
        engine.dispose()


def run(command: list[str]) -> tuple[int, str]:
    """Run ``command`` from the checkout's root; stop it at the deadline (SIGINT first, so that
    it stops its servers and drops its database, then SIGKILL)."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROPPED} | {"PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=DEADLINE)
        return process.returncode, output
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate(timeout=10)
        pytest.fail(f"{' '.join(command)} did not finish within {DEADLINE} s:\n{output[-3000:]}", pytrace=False)


@pytest.mark.parametrize("module", sorted(BENCHMARKS))
def test_the_benchmark_runs_at_its_smoke_size_and_prints_its_report(module, tmp_path):
    benchmark = BENCHMARKS[module]
    for tool in benchmark.tools:
        if shutil.which(tool) is None:
            unavailable(tool, FileNotFoundError(f"{tool} is not installed (Debian: apt-get install {tool})"))
    command = [sys.executable, "-m", module, "--smoke"]
    if benchmark.postgres:
        postgres_answers()
        command += ["--admin-url", PG_ADMIN_URL]
    if benchmark.results:
        command += ["--results", str(tmp_path)]
    status, output = run(command)
    assert status == 0, f"{' '.join(command)} exited with {status}:\n{output[-3000:]}"
    assert benchmark.report in output, f"{module} printed no report:\n{output[-3000:]}"
