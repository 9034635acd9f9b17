"""``python -m bench``: build the data, serve the list from the bare app, from Retain's API and as
Retain's HTML page, load all three.

Steps: (re)create the ``retain_bench`` database and its roles, migrate as the owner, sign the big
tenant up through ``tenants.accounts.sign_up``, bulk-load the customers as the owner, fetch the
reference page in-process, sign the owner in for the HTML page (``/customers`` with the same
filter and cursor); then, for each round, serve each side with gunicorn (2 sync workers) on
loopback, check that it answers the reference page (the HTML page: the same customers, in order),
warm it up and measure it with wrk (16 connections). Only one server runs at a time. Prints a
table; writes ``bench/results/``.

``--smoke`` does all of it with a few hundred customers and a second of wrk, in a database of its
own that it drops at the end, and writes its results to a temporary folder (``bench.smoke``).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench import UNLIMITED_API, cpu, data, database, load, report, smoke

SIDES = ("bare", "retain", "html")  # the bare endpoint, Retain's JSON list, Retain's HTML list

ENV_DROPPED = ("DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ENCRYPTION_KEYS", "FLASK_DEBUG", "FLASK_APP")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true",
                        help="keep an already loaded retain_bench database (skips the data generation)")
    parser.add_argument("--admin-url", default=database.ADMIN_URL,
                        help="a superuser on the server (default: $RETAIN_BENCH_PG_ADMIN_URL or postgres@127.0.0.1)")
    parser.add_argument("--seconds", type=int, default=20, help="measured wrk run per side (default 20)")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured wrk run before each (default 5; 0 for none)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="bare/Retain pairs to run, the order alternating (default 4)")
    parser.add_argument("--wait-quiet", type=float, default=120,
                        help="before each run, wait up to this many seconds for idle CPUs (default 120)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--tag", default="vip", help="the tag filter (default vip, on ~10%% of customers)")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--page", type=int, default=2, help="which page to request (its cursor from the one before)")
    parser.add_argument("--big", type=int, default=500_000, help="customers of the big tenant")
    parser.add_argument("--small-tenants", type=int, default=100)
    parser.add_argument("--small", type=int, default=1_000, help="customers of each small tenant")
    parser.add_argument("--results", type=Path, default=None,
                        help="folder for the results and the servers' logs (default bench/results/;"
                             " with --smoke a temporary folder)")
    args = smoke.parse(parser, argv, big=300, small_tenants=2, small=20, limit=5, seconds=1, warmup=0, rounds=1,
                       wait_quiet=0, connections=2, threads=1, workers=1)
    if args.results is None:
        args.results = Path(tempfile.mkdtemp(prefix="retain-bench-smoke-")) if args.smoke else report.RESULTS
    return args


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # so every ``finally`` (and the servers' clean-up) runs


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROPPED}
    env.update(extra)
    return env


def prepare(args, name: str) -> dict:
    """The database ``name``, the big tenant's key and the reference page."""
    from bench import retain  # imports the app: after argument parsing, so --help stays fast

    started = time.perf_counter()
    description = f"big={args.big} small={args.small_tenants}x{args.small}"
    db = database.Database(args.admin_url, name)
    reuse = args.reuse and database.exists(args.admin_url, name) and database.loaded(db) == description
    if args.reuse and not reuse:
        print(f"--reuse: no complete load with {description} in {name}; generating one")
    if not reuse:
        db = database.recreate(args.admin_url, name)
    secret = secrets.token_urlsafe(48)
    encryption_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()  # a Fernet key
    app = retain.make_app(db.url(database.APP), db.url(database.OWNER), secret, encryption_key)
    timings = {}
    t = time.perf_counter()
    retain.migrate(app)
    timings["migrate"] = time.perf_counter() - t
    t = time.perf_counter()
    tenant_id, key = retain.big_tenant(app)
    timings["sign_up_or_key"] = time.perf_counter() - t
    if not reuse:
        print(f"Generating data in {name} (as {database.OWNER}):")
        timings.update(data.generate(db.dsn(database.OWNER), tenant_id, big=args.big,
                                     small_tenants=args.small_tenants, small=args.small))
        database.mark_loaded(db, description)
        timings["generation_total"] = time.perf_counter() - started
        print(f"  data generation, all told (database, migrations, sign-up, load, analyse): "
              f"{timings['generation_total']:.1f} s")
    else:
        print(f"Reusing {name} ({description})")
    path, reference = retain.reference_page(app, key, tag=args.tag, limit=args.limit, page=args.page)
    cookie = retain.page_session(app)
    html_path, html_rows = retain.reference_rows(app, cookie, path)
    if html_rows != [item["id"] for item in reference["items"]]:
        raise RuntimeError(f"the HTML list {html_path} does not show the JSON page's customers in its order")
    return {"db": db, "secret": secret, "encryption_key": encryption_key, "tenant_id": tenant_id, "key": key, "path": path,
            "reference": reference, "cookie": cookie, "html_path": html_path, "html_rows": html_rows,
            "timings": timings, "reused": reuse,
            "counts": data.counts(db.dsn(database.OWNER), tenant_id)}


def measure(side: str, setup: dict, args) -> dict:
    db = setup["db"]
    path = setup["path"]
    if side == "bare":
        spec, headers = "bench.bare:app", {}
        env = _env(BENCH_BARE_DSN=db.dsn(database.READER), BENCH_TENANT_ID=str(setup["tenant_id"]))
    else:
        spec, headers = "wsgi:app", {"Authorization": f"Bearer {setup['key']}"}
        env = _env(DATABASE_URL=db.url(database.APP), SECRET_KEY=setup["secret"],
                   ENCRYPTION_KEYS=setup["encryption_key"], **UNLIMITED_API)
    if side == "html":  # the same app, signed in by its session cookie instead of an API key
        path, headers = setup["html_path"], {"Cookie": "=".join(setup["cookie"])}
    log_path = args.results / f"gunicorn-{side}.log"
    idle = cpu.wait_for_quiet(args.wait_quiet)
    if idle < cpu.QUIET:
        print(f"  warning: the CPUs were only {idle:.0f}% idle before the {side} run: something else is busy")
    with load.gunicorn(spec, env, workers=args.workers, log_path=log_path,
                       probe_path=path, probe_headers=headers) as (base, server_pids):
        url = base + path
        status, body = load.fetch(url, headers)
        if status != 200:
            raise load.LoadError(f"{side} did not answer the reference page (HTTP {status}): {body[:300]!r}")
        if side == "html":
            from bench.retain import ROW

            if (shown := [found.decode() for found in ROW.findall(body)]) != setup["html_rows"]:
                raise load.LoadError(f"html did not show the reference page's customers: {len(shown)} rows")
        elif (answer := json.loads(body)) != setup["reference"]:
            difference = first_difference(setup["reference"], answer)
            raise load.LoadError(f"{side} did not answer the reference page: {difference}")
        if args.warmup > 0:
            load.run_wrk(url, headers, seconds=args.warmup, connections=args.connections, threads=args.threads)
        other_load = cpu.OtherLoad(lambda: {"app": server_pids, "database": database.backend_pids(db)})
        measured = load.run_wrk(url, headers, seconds=args.seconds, connections=args.connections,
                                threads=args.threads, other_load=other_load)
    if measured.errors["status"] or measured.errors["timeout"]:
        raise load.LoadError(f"{side}: {measured.errors} during the run; the figures would not be comparable")
    print(f"  {side:6}  {measured.rps:8,.0f} req/s  p50 {measured.p50_ms:6.1f} ms  p99 {measured.p99_ms:6.1f} ms"
          f"  ({measured.requests:,} requests, {sum(measured.errors.values())} errors;"
          f" other load {measured.other_load_pct}% of the CPUs)")
    print(f"          CPU ms per request: {measured.cpu_ms_per_request}")
    return {**measured.as_dict(), "cpu_idle_before_pct": idle}


def first_difference(expected, got, where: str = "the page") -> str:
    """Where the JSON value ``got`` first differs from ``expected``, in words (for the error)."""
    if isinstance(expected, dict) and isinstance(got, dict):
        if expected.keys() != got.keys():
            lacks, extra = sorted(expected.keys() - got.keys()), sorted(got.keys() - expected.keys())
            return f"{where} " + " and ".join(([f"lacks {lacks}"] if lacks else [])
                                              + ([f"has {extra}, which the reference has not"] if extra else []))
        pairs = [(f"{where}[{key!r}]", expected[key], got[key]) for key in expected]
    elif isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        pairs = [(f"{where}[{n}]", one, other) for n, (one, other) in enumerate(zip(expected, got))]
    else:
        return f"{where} is {got!r:.200}, the reference's {expected!r:.200}"
    return next(first_difference(one, other, at) for at, one, other in pairs if one != other)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGTERM, _terminate)
    load.wrk_path()  # fail before the long part if wrk is missing
    with database.scratch(args.admin_url, database.NAME, args.smoke) as name:
        return run(args, name, sys.argv[1:] if argv is None else argv)


def run(args, name: str, argv: list[str]) -> int:
    setup = prepare(args, name)
    print(f"Request: GET {setup['path'][:90]}... ({args.limit} rows, tag={args.tag}, page {args.page});"
          f" the HTML page: GET {setup['html_path'][:60]}... with a session cookie")
    print(f"Load: wrk -t{args.threads} -c{args.connections}, {args.warmup} s warm-up + {args.seconds} s measured"
          f" per side; gunicorn {args.workers} sync workers on 127.0.0.1")
    rounds = []
    for number in range(1, args.rounds + 1):
        print(f"Round {number}/{args.rounds}:")
        turn = (number - 1) % len(SIDES)  # no side always runs in the same place
        order = SIDES[turn:] + SIDES[:turn]
        rounds.append({side: measure(side, setup, args) for side in order})
    result = {
        "command": "python -m bench " + " ".join(argv),
        "code": report.code_version(),
        "machine": report.machine(),
        "postgresql": database.server_version(setup["db"]),
        "request": {"path": setup["path"], "html_path": setup["html_path"], "tag": args.tag, "limit": args.limit, "page": args.page},
        "load": {"tool": "wrk", "threads": args.threads, "connections": args.connections,
                 "warmup_s": args.warmup, "seconds": args.seconds, "gunicorn_sync_workers": args.workers},
        "data": {**setup["counts"], "reused": setup["reused"]},
        "timings_s": {k: round(v, 2) for k, v in setup["timings"].items()},
        "rounds": rounds,
    }
    path = report.write(result, args.results)
    print()
    print(report.table(rounds))
    print(f"\nResults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
