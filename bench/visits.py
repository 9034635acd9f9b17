"""``python -m bench.visits``: planning a quarter of return visits for a workspace against a raw SQL
floor that inserts the same rows, in the same run.

PostgreSQL only (database ``retain_bench_visits``): one workspace with ``--customers`` customers
shared among ``--owners`` account managers, loaded with ``generate_series`` as the owner: tiers
core 5%, important 15%, basic 30%, general 30% (no cadence), potential 20%; a quarter of the
customers with a preferred channel and a contact time; 1% deleted. The visits module is on with
the seed plan's cadences, 13 weeks ahead (a quarter) from Monday 28 September 2026 (China's
National Day week and its make-up Saturday inside), the default cap of 8 visits a person a day;
``--owners`` defaults to one account manager per 250 customers: about 490 staff visits each in
the quarter's 62 working days, 8 a day on average, which the cap spreads from the days the rules
share (monthly rules all fall on the 5th, fortnightly ones on Mondays).
Then, for each of ``--rounds`` rounds (floor first in odd rounds, the planner first in even ones),
each on an empty ``visits_visits`` (truncated, analysed):

* **floor**: one raw ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` as the owner (bound by
  row-level security too: the tables use FORCE), into the same table with its indexes and foreign
  keys: the live
  customers joined to their tier's occurrences (the same rows of days the planner computes in
  Python), the channel from the customer's preference and the minute from its contact time
  worked out in SQL, the same time-ordered ids; rolled back. It writes the same rows, except that
  it leaves each visit on the day it is wanted: it applies no daily cap;
* **plan**: ``planner.plan()`` as the app role under row-level security, committed.

After the rounds, **again**: ``planner.plan()`` once more on the planned quarter (the daily run
on a settled workspace: nothing new). Prints each round's seconds and ratio, their medians (the
figure to quote: other work on the machine moves single runs), and the process's peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import time

import sqlalchemy as sa
from flask_migrate import upgrade

from bench import UNLIMITED_API, database, smoke

NAME = "retain_bench_visits"
TODAY = dt.date(2026, 9, 28)  # a Monday before China's National Day week
SETTINGS = {"horizon_weeks": 13}  # a quarter; the rest the seed plan's defaults

LOAD = """
INSERT INTO users (id, email, name, password_hash, is_disabled, notification_digest, created_at, updated_at)
SELECT gen_random_uuid(), 'rep' || i || '@visits.bench', 'Rep ' || i, '!', false, false, now(), now()
FROM generate_series(1, :owners) AS i;
INSERT INTO memberships (tenant_id, id, user_id, role, status, created_at, updated_at)
SELECT CAST(:t AS uuid), gen_random_uuid(), id, 'agent', 'active', now(), now() FROM users
WHERE email LIKE '%@visits.bench';
INSERT INTO customers (tenant_id, id, name, kind, owner_id, social, preferences, custom_fields, version,
                       deleted_at, created_at, updated_at)
SELECT CAST(:t AS uuid), gen_random_uuid(), '客户 ' || i, 'person', r.ids[1 + i % :owners], '{}',
       CASE WHEN i % 4 = 0 THEN json_build_object(
           'preferred_channel', (ARRAY['phone','meeting','email','sms','visit'])[1 + (i / 4) % 5],
           'contact_time', (ARRAY['weekdays 9:30-11:00','下午 14：00 以后','any time','16:00'])[1 + (i / 20) % 4])
       ELSE '{}'::json END,
       '{}', 1, CASE WHEN i % 100 = 99 THEN now() END, now(), now()
FROM generate_series(1, :n) AS i,
     (SELECT array_agg(user_id ORDER BY user_id) AS ids FROM memberships WHERE role = 'agent') r;
INSERT INTO customer_figures (tenant_id, customer_id, tier)
SELECT tenant_id, id, CASE WHEN h < 5 THEN 'core' WHEN h < 20 THEN 'important' WHEN h < 50 THEN 'basic'
                           WHEN h < 80 THEN 'general' ELSE 'potential' END
FROM (SELECT tenant_id, id, abs(hashtext(id::text)) % 100 AS h FROM customers) c;
"""

# The same rows as the planner's INSERT, in one statement: the customer's preferred channel where
# the cadence allows it, the first "hh:mm" of its contact time (else the workspace's default).
FLOOR = """
INSERT INTO visits_visits (tenant_id, id, customer_id, owner_id, rule_key, tier, planned_on, due_on, due_minute,
                           channel, purpose, automated, status, escalation, created_at, updated_at)
SELECT c.tenant_id, {id}, c.id, c.owner_id, o.rule_key, f.tier, o.planned_on, o.due_on,
       coalesce(CASE WHEN m[1]::int <= 23 AND m[2]::int <= 59 THEN m[1]::int * 60 + m[2]::int END, :minute),
       CASE WHEN o.allowed LIKE '%,' || p.channel || ',%' THEN p.channel ELSE o.channel END,
       o.purpose, o.automated, 'planned', 0, now(), now()
FROM customers c
JOIN customer_figures f ON f.tenant_id = c.tenant_id AND f.customer_id = c.id
JOIN occ o ON o.tier = f.tier
CROSS JOIN LATERAL (SELECT regexp_match(c.preferences ->> 'contact_time', '([0-9]{{1,2}})[:：]([0-9]{{2}})') AS m) t
CROSS JOIN LATERAL (SELECT CASE c.preferences ->> 'preferred_channel' {channels} END AS channel) p
WHERE c.tenant_id = :t AND c.deleted_at IS NULL AND c.merged_into_id IS NULL
ON CONFLICT DO NOTHING
"""


OCC = ("tier", "rule_key", "planned_on", "due_on", "channel", "allowed", "purpose", "automated")


def load(db: database.Database, tenant_id: str, customers: int, owners: int) -> None:
    owner = sa.create_engine(db.url(database.OWNER))
    with owner.begin() as conn:
        conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_id})
        for statement in LOAD.split(";\n"):
            if statement.strip():
                conn.execute(sa.text(statement), {"t": tenant_id, "n": customers, "owners": owners})
    with owner.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
    owner.dispose()


def empty(db: database.Database) -> None:
    """No visits: the table as a first planning finds it (TRUNCATE leaves no dead rows behind)."""
    owner = sa.create_engine(db.url(database.OWNER))
    with owner.begin() as conn:
        conn.execute(sa.text("TRUNCATE visits_visits"))
    with owner.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE visits_visits"))
    owner.dispose()


def floor(db: database.Database, tenant_id: str, rows: list[tuple], minute: int) -> tuple[float, int]:
    """The floor's seconds and rows (rolled back)."""
    from saas.core.sql import generated_id

    from plugins.visits import cadences

    owner = sa.create_engine(db.url(database.OWNER))
    new_id = str(generated_id().compile(dialect=owner.dialect))
    channels = " ".join(f"WHEN '{theirs}' THEN '{ours}'" for theirs, ours in cadences.PREFERRED.items())
    with owner.connect() as conn:
        conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, false)"), {"t": tenant_id})
        conn.execute(sa.text("CREATE TEMP TABLE occ (tier text, rule_key text, planned_on date, due_on date,"
                             " channel text, allowed text, purpose text, automated boolean)"))
        conn.execute(sa.text("INSERT INTO occ VALUES (:tier, :rule_key, :planned_on, :due_on, :channel, :allowed,"
                             " :purpose, :automated)"), [dict(zip(OCC, row)) for row in rows])
        conn.execute(sa.text("ANALYZE occ"))
        started = time.perf_counter()
        result = conn.execute(sa.text(FLOOR.format(id=new_id, channels=channels)), {"t": tenant_id, "minute": minute})
        seconds = time.perf_counter() - started
        conn.rollback()
    owner.dispose()
    return seconds, result.rowcount


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.visits", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--owners", type=int, default=None, help="account managers (default: one per 250 customers)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--admin-url", default=database.ADMIN_URL)
    args = smoke.parse(parser, argv, customers=300, owners=3, rounds=1)
    with database.scratch(args.admin_url, NAME, args.smoke) as name:
        return run(args, name)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(args, name: str) -> int:
    from cryptography.fernet import Fernet

    from saas.app import create_app
    from saas.core import queues
    from saas.core.db import db as sqla
    from saas.core.tenancy import tenant_context
    from saas.testing import sign_up

    from plugins.visits import planner
    from saas.core.workdays import Workdays

    owners = args.owners or max(1, args.customers // 250)
    db = database.recreate(args.admin_url, name)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": db.url(database.APP), "MIGRATION_DATABASE_URL": db.url(database.OWNER),
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-to-pass", "RATELIMIT_STORAGE_URI": "memory://", **UNLIMITED_API,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    })
    with app.app_context():
        upgrade(revision="heads")
    workspace = sign_up(app.test_client())
    workspace.enable("visits", SETTINGS)
    tenant_id = workspace.id
    started = time.perf_counter()
    load(db, str(tenant_id), args.customers, owners)
    print(f"loaded {args.customers:,} customers of {owners:,} account managers in "
          f"{time.perf_counter() - started:.0f} s (PostgreSQL {database.server_version(db)})", flush=True)
    with app.app_context(), tenant_context(tenant_id):
        rules = planner.settings()
        last = TODAY + dt.timedelta(weeks=rules["horizon_weeks"])
        rows = planner.tier_occurrences(rules, TODAY, last, Workdays(rules["calendar"], TODAY, last + planner._SLACK))
        minute = rules["contact_time"].hour * 60 + rules["contact_time"].minute

    def plan() -> tuple[float, planner.Planned]:
        with app.app_context(), tenant_context(tenant_id):
            began = time.perf_counter()
            done = planner.plan(TODAY)
            sqla.session.commit()
            seconds = time.perf_counter() - began
            queues.InProcessQueue._pending.set([])
            return seconds, done

    floors, plans = [], []
    for number in range(1, args.rounds + 1):
        measured = {}
        for step in (("floor", "plan") if number % 2 else ("plan", "floor")):
            empty(db)
            if step == "floor":
                measured["floor"] = floor(db, str(tenant_id), rows, minute)
            else:
                measured["plan"] = plan()
        (floor_seconds, floor_rows), (plan_seconds, done) = measured["floor"], measured["plan"]
        floors.append(floor_seconds)
        plans.append(plan_seconds)
        print(f"round {number}: floor {floor_seconds:.1f} s ({floor_rows:,} rows), plan {plan_seconds:.1f} s "
              f"({done.planned:,} visits, {done.moved:,} moved by the cap), {plan_seconds / floor_seconds:.2f}x the floor",
              flush=True)
        if floor_rows != done.planned:
            print(f"the floor wrote {floor_rows:,} rows, the planner {done.planned:,}: not the same rows", flush=True)
            return 1
    ratios = [p / f for p, f in zip(plans, floors)]
    print(f"median over {args.rounds} rounds: floor {statistics.median(floors):.1f} s, plan "
          f"{statistics.median(plans):.1f} s, ratio {statistics.median(ratios):.2f}x the floor", flush=True)
    again, done = plan()
    print(f"planning again (the daily run on the planned quarter): {again:.1f} s, {done.planned:,} added, "
          f"{done.moved:,} moved", flush=True)
    print(f"peak memory of this process {peak_mib():.0f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
