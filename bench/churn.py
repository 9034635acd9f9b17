"""``python -m bench.churn``: scoring a workspace's churn risk against a raw SQL floor that computes
the same rule signals, in the same run.

PostgreSQL only (database ``retain_bench_churn``): one workspace with ``--customers`` customers and
``--orders`` purchases each over the last 800 days (``bench.classification.load``), classified,
with the churn module on. Then:

* **floor**: one raw ``SELECT`` as the owner, fetched whole: per customer the days since its last
  purchase, its interval and order count (from ``customer_figures``), its purchases and spend in
  the last 90 days and the 90 before, its interactions likewise and its signals, the figures the
  rules need (no scoring, nothing written);
* **first**: ``scoring.rescore()`` as the app role under row-level security, on empty churn tables:
  the figures in chunks, the rule score in numpy, every score written, a warning and a task for
  each customer at high risk;
* **nightly**: ``scoring.rescore()`` again with the module's clock a day later (every customer's
  days since its last purchase one more: the scores and reasons move as they do overnight; the
  few who cross into high get their warning and task).

``--rounds`` rounds of the three, the churn tables emptied before each; each figure is the median
of its rounds, each ratio the median of the rounds' ratios (other work on the machine slows
whatever runs beside it). Prints seconds, the ratios to the floor (issue 16, point 5: within 1.5x)
and the process's peak memory (under 500 MB). ``--reuse`` keeps a finished load of the same size.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import resource
import statistics
import time
from collections.abc import Iterator
from unittest import mock

import sqlalchemy as sa
from flask_migrate import upgrade

from bench import UNLIMITED_API, database, smoke
from bench.classification import load, tidy

NAME = "retain_bench_churn"

FLOOR = """
SELECT c.id, f.tier,
       floor(extract(epoch FROM now() - f.last_purchase_at) / 86400) AS since_last,
       floor(extract(epoch FROM f.last_purchase_at - f.first_purchase_at) / 86400) AS span, f.orders_total,
       b.p_recent, b.p_before, b.s_recent, b.s_before, t.i_recent, t.i_before, s.surveys, s.complaints, s.visits
FROM customers c
LEFT JOIN customer_figures f ON f.tenant_id = c.tenant_id AND f.customer_id = c.id
LEFT JOIN (SELECT customer_id, sum((purchased_at >= now() - interval '90 days')::int) AS p_recent,
                  sum((purchased_at < now() - interval '90 days')::int) AS p_before,
                  sum(CASE WHEN purchased_at >= now() - interval '90 days' THEN amount - refunded_amount END) AS s_recent,
                  sum(CASE WHEN purchased_at < now() - interval '90 days' THEN amount - refunded_amount END) AS s_before
           FROM purchases WHERE tenant_id = :t AND purchased_at >= now() - interval '180 days' AND purchased_at < now()
             AND amount > refunded_amount AND currency = 'CNY'
           GROUP BY customer_id) b ON b.customer_id = c.id
LEFT JOIN (SELECT customer_id, sum((occurred_at >= now() - interval '90 days')::int) AS i_recent,
                  sum((occurred_at < now() - interval '90 days')::int) AS i_before
           FROM interactions WHERE tenant_id = :t AND occurred_at >= now() - interval '180 days' AND occurred_at < now()
           GROUP BY customer_id) t ON t.customer_id = c.id
LEFT JOIN (SELECT customer_id, sum((kind = 'low_survey')::int) AS surveys,
                  sum((kind = 'complaint_breach')::int) AS complaints, sum((kind = 'missed_visit')::int) AS visits
           FROM churn_signals WHERE tenant_id = :t AND occurred_at >= now() - interval '90 days'
           GROUP BY customer_id) s ON s.customer_id = c.id
WHERE c.tenant_id = :t AND c.deleted_at IS NULL AND c.merged_into_id IS NULL
"""


def floor(db: database.Database, tenant_id: str) -> tuple[float, int]:
    owner = sa.create_engine(db.url(database.OWNER))
    with owner.connect() as conn:
        conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, false)"), {"t": tenant_id})
        started = time.perf_counter()
        rows = conn.execute(sa.text(FLOOR), {"t": tenant_id}).all()
        seconds = time.perf_counter() - started
    owner.dispose()
    return seconds, len(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.churn", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10, help="purchases per customer")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of floor, first and nightly; medians reported")
    parser.add_argument("--admin-url", default=database.ADMIN_URL)
    parser.add_argument("--database", default=NAME, help=f"the benchmark database's name (default {NAME})")
    parser.add_argument("--reuse", action="store_true",
                        help="use the database a finished run of the same size loaded (skips the load)")
    args = smoke.parse(parser, argv, customers=200, orders=3, rounds=1)
    with database.scratch(args.admin_url, args.database, args.smoke) as name:
        return run(args, name)


def empty(db: database.Database, tenant_id: str) -> None:
    """The churn tables as a first scoring finds them, and no warnings, notifications or events."""
    owner = sa.create_engine(db.url(database.OWNER))
    with owner.begin() as conn:
        conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_id})
        for table in ("churn_scores", "churn_tasks", "notifications", "events"):
            conn.execute(sa.text(f"DELETE FROM {table}"))
    with owner.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            sa.text("VACUUM ANALYZE churn_scores, churn_tasks, notifications, events"))
    owner.dispose()


@contextlib.contextmanager
def later(days: int) -> Iterator[None]:
    """The churn module's clock ``days`` ahead: the scoring sees the workspace as a later night would."""
    from plugins.churn import figures, scoring

    if not days:
        yield
        return
    moment = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)
    with mock.patch.object(figures, "utcnow", lambda: moment), mock.patch.object(scoring, "utcnow", lambda: moment):
        yield


def run(args, name: str) -> int:
    from cryptography.fernet import Fernet

    from saas.app import create_app
    from saas.core import queues
    from saas.core.classification import recompute as classification
    from saas.core.db import db as sqla
    from saas.core.tenancy import tenant_context
    from saas.testing import sign_up

    from plugins.churn import scoring

    size = f"{args.customers} customers x {args.orders} purchases, churn on"
    reuse = args.reuse and database.exists(args.admin_url, name) and database.loaded(
        database.Database(args.admin_url, name)) == size
    db = database.Database(args.admin_url, name) if reuse else database.recreate(args.admin_url, name)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": db.url(database.APP), "MIGRATION_DATABASE_URL": db.url(database.OWNER),
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-to-pass", "RATELIMIT_STORAGE_URI": "memory://", **UNLIMITED_API,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    })
    with app.app_context():
        upgrade(revision="heads")
    if reuse:
        owner = sa.create_engine(db.url(database.OWNER))
        with owner.connect() as conn:
            tenant_id = conn.scalar(sa.text("SELECT id FROM tenants"))
        owner.dispose()
        print(f"reusing {size}", flush=True)
    else:
        workspace = sign_up(app.test_client())
        workspace.enable("churn")
        tenant_id = workspace.id
        started = time.perf_counter()
        load(db, str(tenant_id), args.customers, args.orders)
        with app.app_context(), tenant_context(tenant_id):
            classification.refresh()
            sqla.session.commit()
            queues.InProcessQueue._pending.set([])  # the classification's events are not this benchmark's work
        tidy(db)
        database.mark_loaded(db, size)
        print(f"loaded and classified {args.customers:,} customers and {args.customers * args.orders:,} purchases "
              f"in {time.perf_counter() - started:.0f} s (PostgreSQL {database.server_version(db)})", flush=True)

    def rescore(days: int = 0) -> tuple[float, scoring.Outcome]:
        with app.app_context(), tenant_context(tenant_id), later(days):
            began = time.perf_counter()
            outcome = scoring.rescore()
            sqla.session.commit()
            seconds = time.perf_counter() - began
            queues.InProcessQueue._pending.set([])  # the warnings' deliveries are the workers' work
            return seconds, outcome

    runs = {"floor": [], "first": [], "nightly": []}
    for round_ in range(1, args.rounds + 1):
        empty(db, str(tenant_id))
        floor_seconds, rows = floor(db, str(tenant_id))
        first, outcome = rescore()
        print(f"round {round_}: floor (one raw SELECT of the rule signals, {rows:,} rows fetched) {floor_seconds:.1f} s; "
              f"first scoring {first:.1f} s ({first / floor_seconds:.2f}x; {outcome.customers:,} scored, "
              f"{outcome.raised:,} crossed into high, {outcome.tasks_opened:,} tasks opened)", flush=True)
        tidy(db)
        nightly, outcome = rescore(days=1)
        print(f"round {round_}: nightly a day later {nightly:.1f} s ({nightly / floor_seconds:.2f}x; "
              f"{outcome.customers:,} scored, {outcome.raised:,} crossed into high)", flush=True)
        for key, seconds in (("floor", floor_seconds), ("first", first), ("nightly", nightly)):
            runs[key].append(seconds)

    def median(key: str) -> str:
        ratios = [seconds / floor for seconds, floor in zip(runs[key], runs["floor"])]
        return f"{statistics.median(runs[key]):.1f} s, {statistics.median(ratios):.2f}x the floor"

    print(f"medians of {args.rounds} rounds: floor {statistics.median(runs['floor']):.1f} s", flush=True)
    print(f"first scoring: {median('first')}", flush=True)
    print(f"nightly scoring: {median('nightly')}", flush=True)
    print(f"peak memory of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
          flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
