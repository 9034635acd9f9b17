"""How busy the machine is with things other than the benchmark (from /proc, Linux only).

The benchmark shares two cores with whatever else runs there; other load only ever lowers a
figure, so every run records the share of all CPU time that went to other processes.
"""

from __future__ import annotations

import time
from pathlib import Path


def _stat(*, process_time_only: bool = False) -> tuple[int, int]:
    """``(busy, total)`` jiffies of all CPUs since boot; ``process_time_only`` leaves out interrupt
    time, which no process is charged for (the loopback traffic of a run is mostly that)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    total = sum(fields[:8])  # guest time is already counted in user
    busy = total - fields[3] - fields[4]
    return (busy - fields[5] - fields[6] if process_time_only else busy), total


def _process_jiffies(pid: int) -> int:
    try:
        after_name = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0
    return int(after_name[11]) + int(after_name[12])  # utime + stime


QUIET = 90.0  # % idle CPU before a run starts


def wait_for_quiet(max_seconds: float) -> float:
    """Wait (at most ``max_seconds``) until the CPUs are idle; returns the last idle %. With less
    than a second to wait, it looks for 0.2 s (a smoke run's ``--wait-quiet 0``)."""
    deadline = time.monotonic() + max_seconds
    idle = idle_percent(1.0 if max_seconds >= 1 else 0.2)
    while idle < QUIET and time.monotonic() < deadline:
        idle = idle_percent(2.0)
    return idle


def idle_percent(seconds: float = 1.0) -> float:
    """How idle all CPUs were over the next ``seconds``."""
    try:
        busy0, total0 = _stat()
        time.sleep(seconds)
        busy1, total1 = _stat()
    except (OSError, ValueError, IndexError):
        return 100.0
    return round(100.0 - 100.0 * (busy1 - busy0) / max(total1 - total0, 1), 1)


class OtherLoad:
    """``start()`` and ``stop()`` around a run. ``groups()`` names our processes (``{"app": pids,
    "database": pids}``); wrk, our child, is passed to ``stop`` as ``child_jiffies``.

    ``stop`` returns the % of all CPU time that processes other than ours used meanwhile, and the
    jiffies each of our groups used (``"wrk"`` included).
    """

    def __init__(self, groups):
        self.groups = groups

    def start(self) -> None:
        self.pids = {name: list(pids) for name, pids in self.groups().items()}
        self.before = {name: sum(_process_jiffies(p) for p in pids) for name, pids in self.pids.items()}
        self.busy, self.total = _stat(process_time_only=True)

    def stop(self, child_jiffies: int) -> tuple[float, dict[str, int]]:
        busy, total = _stat(process_time_only=True)
        used = {name: sum(_process_jiffies(p) for p in pids) - self.before[name] for name, pids in self.pids.items()}
        used["wrk"] = child_jiffies
        other = max((busy - self.busy) - sum(used.values()), 0)
        return round(100.0 * other / max(total - self.total, 1), 1), used
