"""Serving and loading: gunicorn (sync workers) on a free loopback port, and wrk against it.

A server runs in its own process group and is stopped (TERM, then KILL) when its ``with`` block
ends, whatever ends it: an exception, Ctrl-C or a normal exit. wrk runs for a bounded time under
a timeout; its Lua ``done`` hook prints one JSON line that :func:`run_wrk` parses.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_report.lua"
MARK = "BENCH_JSON "


class LoadError(RuntimeError):
    pass


@dataclass(frozen=True)
class Measurement:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: dict
    other_load_pct: float | None = None
    cpu_ms_per_request: dict | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, headers: dict[str, str], timeout: float = 10) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], *, workers: int, log_path: Path,
             probe_path: str, probe_headers: dict[str, str], ready_timeout: float = 60) -> Iterator[tuple[str, list[int]]]:
    """Serve ``app_spec`` on 127.0.0.1; yields ``(base URL, pids of the master and its workers)``."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync",
               "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--log-level", "warning", app_spec]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_ready(process, base + probe_path, probe_headers, ready_timeout, log_path)
        yield base, [process.pid, *_children(process.pid)]
    finally:
        _stop(process)


def _wait_ready(process: subprocess.Popen, url: str, headers: dict, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadError(f"gunicorn exited with {process.returncode}; see {log_path}")
        try:
            status, body = fetch(url, headers, timeout=5)
            if status == 200:
                return
            last = f"HTTP {status}: {body[:200]!r}"
        except OSError as error:
            last = str(error)
        time.sleep(0.2)
    raise LoadError(f"gunicorn did not serve {url} within {timeout:.0f} s ({last}); see {log_path}")


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _stop(process: subprocess.Popen) -> None:
    """TERM the server's own process group (gunicorn stops its workers), KILL it if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise LoadError("wrk is not installed: apt-get install -y wrk (Debian), then run again")
    return found


def _children_jiffies() -> int:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round((usage.ru_utime + usage.ru_stime) * os.sysconf("SC_CLK_TCK"))


def run_wrk(url: str, headers: dict[str, str], *, seconds: int, connections: int, threads: int,
            other_load=None) -> Measurement:
    """Load ``url`` for ``seconds`` with ``connections`` connections; ``other_load`` (a
    :class:`bench.cpu.OtherLoad`) measures what else used the CPUs meanwhile."""
    command = [wrk_path(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
               "-s", str(WRK_SCRIPT)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    if other_load is not None:
        other_load.start()
        children = _children_jiffies()
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60,
                          stdin=subprocess.DEVNULL)
    other, used = other_load.stop(_children_jiffies() - children) if other_load is not None else (None, None)
    if done.returncode != 0:
        raise LoadError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if not lines:
        raise LoadError(f"wrk printed no summary:\n{done.stdout}")
    raw = json.loads(lines[-1][len(MARK):])
    seconds_run = raw["duration_us"] / 1e6
    return Measurement(
        requests=raw["requests"],
        seconds=round(seconds_run, 2),
        rps=round(raw["requests"] / seconds_run, 1),
        p50_ms=raw["p50_us"] / 1000, p90_ms=raw["p90_us"] / 1000, p99_ms=raw["p99_us"] / 1000,
        mean_ms=round(raw["mean_us"] / 1000, 2), max_ms=raw["max_us"] / 1000,
        errors={k: raw[k] for k in ("connect", "read", "write", "status", "timeout")},
        other_load_pct=other,
        cpu_ms_per_request=None if used is None else {
            name: round(jiffies * 1000 / os.sysconf("SC_CLK_TCK") / max(raw["requests"], 1), 2)
            for name, jiffies in used.items()},
    )
