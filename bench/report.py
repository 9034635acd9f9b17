"""The machine's description, the results table and the results file (``bench/results/``, git-ignored)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        memory_kb = 0
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gib": round(memory_kb / 2**20, 1),
            "python": platform.python_version(), "kernel": platform.release()}


def code_version() -> str:
    """The commit measured, ``+dirty`` when the work tree had uncommitted changes."""
    import subprocess

    def git(*args):
        return subprocess.run(["git", *args], cwd=RESULTS.parent.parent, capture_output=True, text=True,
                              timeout=10).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (commit or "unknown") + ("+dirty" if dirty else "")


def best_of(rounds: list[dict], side: str) -> dict:
    """The run with the most req/s: other load on the machine only ever lowers a figure."""
    return max((r[side] for r in rounds), key=lambda m: m["rps"])


def paired_ratios(rounds: list[dict]) -> list[float]:
    """Retain / bare within each round, where the two ran back to back on the same machine state."""
    return [r["retain"]["rps"] / r["bare"]["rps"] for r in rounds if r["bare"]["rps"]]


def html_ratios(rounds: list[dict]) -> list[float]:
    """Retain's HTML list / its JSON list within each round (the page's target: at least 0.8)."""
    return [r["html"]["rps"] / r["retain"]["rps"] for r in rounds if "html" in r and r["retain"]["rps"]]


def table(rounds: list[dict]) -> str:
    bare, retain = best_of(rounds, "bare"), best_of(rounds, "retain")
    html = best_of(rounds, "html") if all("html" in r for r in rounds) else None
    lines = ["| endpoint | req/s | p50 ms | p90 ms | p99 ms | requests | errors "
             "| CPU ms/request: app, database, wrk | other load |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    sides = (("bare Flask + psycopg", bare), ("Retain", retain)) + ((("Retain HTML page", html),) if html else ())
    for name, m in sides:
        errors = sum(m["errors"].values())
        other = m.get("other_load_pct")
        used = m.get("cpu_ms_per_request") or {}
        split = ", ".join(f"{used[k]:.1f}" for k in ("app", "database", "wrk") if k in used) or "?"
        lines.append(f"| {name} | {m['rps']:,.0f} | {m['p50_ms']:.1f} | {m['p90_ms']:.1f} | {m['p99_ms']:.1f} "
                     f"| {m['requests']:,} | {errors} | {split} | {'?' if other is None else f'{other:.0f}%'} |")
    ratio = retain["rps"] / bare["rps"] if bare["rps"] else 0.0
    paired = paired_ratios(rounds)
    lines += ["", f"Retain / bare = {ratio:.2f} (target >= 0.50: {'met' if ratio >= 0.5 else 'NOT met'}); "
                  f"best run of each side over {len(rounds)} round(s)",
              f"Retain / bare within each round: median {statistics.median(paired):.2f}, lowest {min(paired):.2f}"
              f" (target >= 0.50: {'met' if statistics.median(paired) >= 0.5 else 'NOT met'} by the median)"]
    lines.append("rounds (bare req/s, Retain req/s, ratio, % of the CPUs used by other processes during each run): " + "; ".join(
        f"{r['bare']['rps']:,.0f}, {r['retain']['rps']:,.0f}, {r['retain']['rps'] / r['bare']['rps']:.2f}, "
        f"{r['bare'].get('other_load_pct', '?')}/{r['retain'].get('other_load_pct', '?')}" for r in rounds))
    if html:
        ratio, paired = html["rps"] / retain["rps"] if retain["rps"] else 0.0, html_ratios(rounds)
        lines += [f"HTML page / JSON list = {ratio:.2f} (target >= 0.80: {'met' if ratio >= 0.8 else 'NOT met'});"
                  f" best run of each; within each round: median {statistics.median(paired):.2f},"
                  f" lowest {min(paired):.2f}",
                  "rounds (HTML req/s, ratio to the JSON list): " + "; ".join(
                      f"{r['html']['rps']:,.0f}, {r['html']['rps'] / r['retain']['rps']:.2f}" for r in rounds)]
    return "\n".join(lines)


def write(result: dict, folder: Path = RESULTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    (folder / "latest.md").write_text(table(result["rounds"]) + "\n")
    return path
