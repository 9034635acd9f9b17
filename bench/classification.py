"""``python -m bench.classification``: recomputing a tenant's figures, tiers and stages against the
single raw SQL aggregate over the same data, in the same run.

PostgreSQL only (database ``retain_bench_classification``): one workspace with ``--customers``
customers and ``--orders`` purchases each, spread over the last 800 days, loaded with
``generate_series`` as the owner. Then, in this order:

* **floor**: one ``UPDATE customer_figures ... FROM (SELECT ... FROM purchases GROUP BY customer_id)``
  writing four figures for every customer, as the owner, rolled back (the issue's yardstick);
* **first**: Retain's ``refresh()`` as the app role under row-level security, on figures never
  computed: every customer changes tier and stage, so a history row and an event each (committed);
* **floor with the first run's writes**: the floor's UPDATE plus raw ``INSERT ... SELECT`` statements
  writing as many history rows and events as the first run did (rolled back): what no code can
  avoid when every customer changes;
* **nightly**: ``refresh()`` again a day later, what the nightly schedule does on a settled tenant,
  against the floor measured again on those settled figures;
* **first, as the nightly job does it** (figures reset to never computed): the refresh holding the
  workspace's classification lock with its events left pending, then the events written after its
  commit, ``announce.PAGE`` a transaction, outside the lock.

Each step starts from tables just vacuumed, as autovacuum keeps them.

Reports seconds and each run's ratio to the floor (issue 5's target: at most 1.5 for a recompute).
``--reuse`` skips the load of a database a finished run left, and puts its figures back to
never-computed first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time

import sqlalchemy as sa
from flask_migrate import upgrade

from bench import UNLIMITED_API, database, smoke
from saas.core.classification import announce

NAME = "retain_bench_classification"


def load(db: database.Database, tenant_id: str, customers: int, orders: int) -> None:
    owner = sa.create_engine(db.url(database.OWNER))
    with owner.begin() as conn:
        conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, false)"), {"t": tenant_id})
        conn.execute(sa.text(
            "INSERT INTO customers (tenant_id, id, name, kind, social, preferences, custom_fields, version,"
            " created_at, updated_at)"
            " SELECT CAST(:t AS uuid), gen_random_uuid(), 'customer ' || i, 'person', '{}', '{}', '{}', 1, now(), now()"
            " FROM generate_series(1, :n) AS i"), {"t": tenant_id, "n": customers})
        conn.execute(sa.text("INSERT INTO customer_figures (tenant_id, customer_id) SELECT tenant_id, id FROM customers"))
        # secondary indexes are built after the load, as bulk loaders do (random ids make row-by-row
        # index upkeep the slowest part of loading ten million rows)
        indexes = conn.execute(sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'purchases' AND indexname LIKE 'ix_%'")).all()
        for name, _ in indexes:
            conn.execute(sa.text(f'DROP INDEX "{name}"'))
        # amounts in cents: a long tail, so that every tier has customers
        conn.execute(sa.text(
            "INSERT INTO purchases (tenant_id, id, customer_id, product, quantity, amount, currency, purchased_at,"
            " refunded_amount, created_at, updated_at)"
            " SELECT c.tenant_id, gen_random_uuid(), c.id, 'tea', 1000,"
            " (power(random(), 3) * 4000000)::bigint + 100, 'CNY', now() - random() * interval '800 days', 0, now(), now()"
            " FROM customers c CROSS JOIN generate_series(1, :k)"), {"k": orders})
        for _, definition in indexes:
            conn.execute(sa.text(definition))
    with owner.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
    owner.dispose()


def floor(db: database.Database, tenant_id: str) -> float:
    owner = sa.create_engine(db.url(database.OWNER))
    with owner.connect() as conn:
        conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, false)"), {"t": tenant_id})
        started = time.perf_counter()
        _floor_update(conn, tenant_id)
        seconds = time.perf_counter() - started
        conn.rollback()
    owner.dispose()
    return seconds


def _floor_update(conn: sa.Connection, tenant_id: str) -> None:
    conn.execute(sa.text(
        "UPDATE customer_figures f SET orders_total = a.n, revenue_total = a.s, first_purchase_at = a.f,"
        " last_purchase_at = a.l FROM (SELECT customer_id, count(*) AS n, sum(amount - refunded_amount) AS s,"
        " min(purchased_at) AS f, max(purchased_at) AS l FROM purchases WHERE tenant_id = :t"
        " GROUP BY customer_id) a WHERE f.tenant_id = :t AND f.customer_id = a.customer_id"), {"t": tenant_id})


def floor_with_writes(db: database.Database, tenant_id: str) -> float:
    """The floor, plus a history row and an event per customer and kind, in raw SQL (rolled back)."""
    owner = sa.create_engine(db.url(database.OWNER))
    with owner.connect() as conn:
        conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, false)"), {"t": tenant_id})
        started = time.perf_counter()
        _floor_update(conn, tenant_id)
        for kind in ("tier", "stage"):
            conn.execute(sa.text(
                "INSERT INTO classification_changes (tenant_id, id, customer_id, kind, old, new, reason, actor,"
                " changed_at) SELECT tenant_id, gen_random_uuid(), customer_id, :kind, NULL, 'general',"
                " 'spend in the last 12 months ' || to_char(revenue_total / 100.0, 'FM999,999,990.00'), 'system',"
                " now() FROM customer_figures WHERE tenant_id = :t"), {"t": tenant_id, "kind": kind})
            conn.execute(sa.text(
                "INSERT INTO events (tenant_id, id, type, data, actor, occurred_at) SELECT tenant_id,"
                " gen_random_uuid(), 'customer.' || :kind || '_changed', json_build_object('customer_id',"
                " customer_id, 'from', NULL, 'to', 'general', 'reason', 'spend in the last 12 months ' ||"
                " to_char(revenue_total / 100.0, 'FM999,999,990.00')), 'system', now() FROM customer_figures"
                " WHERE tenant_id = :t"), {"t": tenant_id, "kind": kind})
        seconds = time.perf_counter() - started
        conn.rollback()
    owner.dispose()
    return seconds


def tidy(db: database.Database) -> None:
    owner = sa.create_engine(db.url(database.OWNER))
    with owner.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            sa.text("VACUUM ANALYZE customer_figures, classification_changes, events"))
    owner.dispose()


def reset(db: database.Database, tenant_id: str) -> None:
    """Figures never computed, no classification history or events: as a first run finds them."""
    owner = sa.create_engine(db.url(database.OWNER))
    with owner.begin() as conn:
        conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_id})
        conn.execute(sa.text("DELETE FROM events"))
        conn.execute(sa.text("DELETE FROM classification_changes"))
        conn.execute(sa.text(
            "UPDATE customer_figures SET first_purchase_at = NULL, last_purchase_at = NULL, orders_total = 0,"
            " revenue_total = 0, orders_window = 0, revenue_window = 0, in_touch = false, r_score = NULL,"
            " f_score = NULL, m_score = NULL, rule_tier = NULL, tier = NULL, lifecycle_stage = 'potential',"
            " computed_at = NULL"))
    with owner.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            sa.text("VACUUM (FULL, ANALYZE) customer_figures, classification_changes, events"))
    owner.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.classification", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10, help="purchases per customer")
    parser.add_argument("--admin-url", default=database.ADMIN_URL)
    parser.add_argument("--reuse", action="store_true",
                        help="use the database a finished run loaded (skips the load; figures reset first)")
    args = smoke.parse(parser, argv, customers=200, orders=3)
    with database.scratch(args.admin_url, NAME, args.smoke) as name:
        return run(args, name)


def run(args, name: str) -> int:
    from cryptography.fernet import Fernet

    from saas.app import create_app
    from saas.core import queues
    from saas.core.db import db as sqla
    from saas.core.classification import recompute as classification
    from saas.core.tenancy import tenant_context
    from saas.testing import sign_up

    reuse = args.reuse and database.exists(args.admin_url, name) and database.loaded(database.Database(
        args.admin_url, name))
    db = database.Database(args.admin_url, name) if reuse else database.recreate(args.admin_url, name)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": db.url(database.APP), "MIGRATION_DATABASE_URL": db.url(database.OWNER),
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-to-pass", "RATELIMIT_STORAGE_URI": "memory://", **UNLIMITED_API,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    })
    if reuse:
        owner = sa.create_engine(db.url(database.OWNER))
        with owner.connect() as conn:
            tenant_id = conn.scalar(sa.text("SELECT id FROM tenants"))
        owner.dispose()
        started = time.perf_counter()
        reset(db, str(tenant_id))
        print(f"reusing {reuse}; figures reset in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        with app.app_context():
            upgrade(revision="heads")
        tenant_id = sign_up(app.test_client()).id
        started = time.perf_counter()
        load(db, str(tenant_id), args.customers, args.orders)
        database.mark_loaded(db, f"{args.customers} customers x {args.orders} purchases")
        print(f"loaded {args.customers:,} customers and {args.customers * args.orders:,} purchases "
              f"in {time.perf_counter() - started:.0f} s (PostgreSQL {database.server_version(db)})", flush=True)

    def recompute(now: dt.datetime) -> tuple[float, classification.Outcome]:
        with app.app_context(), tenant_context(tenant_id):
            began = time.perf_counter()
            outcome = classification.refresh(now=now)
            sqla.session.commit()
            seconds = time.perf_counter() - began
            # The events go to workers in production; here the in-process queue would deliver the
            # lot when the app context ends, which is not the recompute's work: drop them.
            queues.InProcessQueue._pending.set([])
            return seconds, outcome

    # Every measurement starts from tidy tables (VACUUM ANALYZE, as autovacuum keeps them): an
    # UPDATE of a million rows leaves a million dead ones, which would slow whatever runs next.
    tidy(db)
    floor_before = floor(db, str(tenant_id))
    print(f"floor (one UPDATE ... FROM aggregate): {floor_before:.1f} s", flush=True)
    now = dt.datetime.now(dt.timezone.utc)
    tidy(db)
    first, outcome = recompute(now)
    print(f"first: {first:.1f} s, {first / floor_before:.2f}x the floor; {outcome.customers:,} rows changed, "
          f"{outcome.tier_changes:,} tier and {outcome.stage_changes:,} stage changes", flush=True)
    tidy(db)
    writes = floor_with_writes(db, str(tenant_id))
    print(f"floor with the first run's writes (raw SQL, a history row and an event per customer and kind): "
          f"{writes:.1f} s; the first run took {first / writes:.2f}x that", flush=True)
    tidy(db)
    floor_settled = floor(db, str(tenant_id))
    tidy(db)
    nightly, outcome = recompute(now + dt.timedelta(days=1))
    print(f"floor on the settled figures: {floor_settled:.1f} s; nightly: {nightly:.1f} s, "
          f"{nightly / floor_settled:.2f}x that floor ({nightly / floor_before:.2f}x the first floor); "
          f"{outcome.customers:,} rows changed, {outcome.tier_changes:,} tier and {outcome.stage_changes:,} stage "
          f"changes", flush=True)
    reset(db, str(tenant_id))
    tidy(db)
    locked, announcing, events, outcome = as_the_job(app, tenant_id, now)
    print(f"first, as the nightly job does it: {locked:.1f} s holding the lock (figures and history, "
          f"{outcome.tier_changes + outcome.stage_changes:,} changes), then {announcing:.1f} s writing their "
          f"{events:,} events {announce.PAGE:,} a transaction, outside it", flush=True)
    print(f"peak memory of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
          flush=True)
    return 0


def as_the_job(app, tenant_id, now: dt.datetime) -> tuple[float, float, int, object]:
    """``recompute_tenant``'s two parts, timed: the refresh that holds the classification lock, its
    events left pending, and the pages of events written after its commit."""
    from saas.core import queues
    from saas.core.classification import recompute as classification
    from saas.core.db import db as sqla
    from saas.core.tenancy import tenant_context

    with app.app_context(), tenant_context(tenant_id):
        began = time.perf_counter()
        outcome = classification.refresh(now=now, events_later=True)
        sqla.session.commit()
        locked = time.perf_counter() - began
        began = time.perf_counter()
        events = announce.announce_pending()
        announcing = time.perf_counter() - began
        queues.InProcessQueue._pending.set([])  # the workers' part, not the job's: see recompute() above
    return locked, announcing, events, outcome


if __name__ == "__main__":
    raise SystemExit(main())
