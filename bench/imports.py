"""``python -m bench.imports``: importing customers from a CSV file: rows per second and peak memory.

PostgreSQL (database ``retain_bench_imports``, as the app role under row-level security). A CSV
of ``--rows`` customers (name, phone written as people write it, e-mail, region, tags; 2% of the
rows with a bad phone) is written to a temporary folder, then imported as the API would: the upload
check, then the job's two passes (check every row, write the good ones in batches of 500), in this
process. A second run imports the same file again (every row matched, nothing changes). The floor
is PostgreSQL's own ``COPY`` of the same rows into a bare table, measured in the same run.

Reports rows per second for each, and the process's peak resident memory (issue 5's target: under
300 MB for 100,000 rows, and not growing with the file).
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from bench import UNLIMITED_API, database, smoke

NAME = "retain_bench_imports"
REGIONS = ("浙江", "上海", "北京", "江苏", "广东")


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(5)
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["客户编号", "姓名", "电话", "邮箱", "地区", "标签"])
        for n in range(rows):
            mobile = f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"
            phone = rng.choice((mobile, f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"{mobile[:3]}-{mobile[3:]}"))
            if rng.random() < 0.02:
                phone = phone[:5]  # too short: a rejected row
            writer.writerow([f"C-{n}", f"客户{n}", phone, f"c{n}@example.com", rng.choice(REGIONS),
                             rng.choice(("VIP", "批发", "", "VIP,批发"))])


def copy_floor(db: database.Database, path: Path) -> float:
    """Seconds for COPY ... FROM STDIN of the file into a bare table (no checks, no indexes)."""
    engine = sa.create_engine(db.url(database.OWNER))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("CREATE TEMP TABLE bare (external_id text, name text, phone text, email text, region text,"
                       " tags text)")
        started = time.perf_counter()
        with open(path, "rb") as source, cursor.copy("COPY bare FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        raw.rollback()
    finally:
        raw.close()
        engine.dispose()
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--admin-url", default=database.ADMIN_URL)
    args = smoke.parse(parser, argv, rows=200)
    folder = Path(tempfile.mkdtemp(prefix="retain-bench-imports-"))
    try:
        with database.scratch(args.admin_url, NAME, args.smoke) as name:
            return run(args, name, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(args, name: str, folder: Path) -> int:
    from cryptography.fernet import Fernet

    from saas.app import create_app
    from saas.core.db import db as sqla
    from saas.core.imports import ImportKind, ImportRun
    from saas.core.imports import importer as imports
    from saas.core.tenancy import tenant_context
    from saas.testing import sign_up

    db = database.recreate(args.admin_url, name)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": db.url(database.APP), "MIGRATION_DATABASE_URL": db.url(database.OWNER),
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-to-pass", "RATELIMIT_STORAGE_URI": "memory://", **UNLIMITED_API,
        "IMPORT_FOLDER": str(folder / "uploads"), "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    })
    with app.app_context():
        upgrade(revision="heads")
    tenant = sign_up(app.test_client())
    source = folder / "customers.csv"
    write_csv(source, args.rows)
    print(f"{args.rows:,} rows, {source.stat().st_size / 2**20:.1f} MiB of CSV; before importing the process "
          f"holds {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB at most", flush=True)

    def run_once() -> tuple[float, ImportRun]:
        with app.app_context(), tenant_context(tenant.id):
            started = time.perf_counter()
            with open(source, "rb") as upload:
                run = imports.start(upload, source.name, ImportKind.customers, None, False)
            sqla.session.commit()
            run_id = run.id
            imports.run_import(str(tenant.id), str(run_id))
            seconds = time.perf_counter() - started
            return seconds, sqla.session.get(ImportRun, (tenant.id, run_id))

    floor = copy_floor(db, source)
    print(f"floor (COPY into a bare table): {args.rows / floor:,.0f} rows/s", flush=True)
    for label in ("first import", "same file again"):
        seconds, run = run_once()
        print(f"{label}: {args.rows / seconds:,.0f} rows/s ({seconds:.1f} s, {floor / seconds:.3f} of the floor); "
              f"{run.status.value}: {run.created:,} created, {run.updated:,} updated, {run.unchanged:,} unchanged, "
              f"{run.rejected:,} rejected; peak memory so far "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
