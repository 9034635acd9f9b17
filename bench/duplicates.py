"""``python -m bench.duplicates``: the duplicate scan over a workspace: seconds, peak memory, recall.

PostgreSQL only (database ``retain_bench_duplicates``): one workspace of ``--customers`` customers,
seven in ten with Chinese names (surnames weighted as they are common, so that "王", "李" and
"张" make blocks of tens of thousands in a million), the others English, most with a company, an
e-mail or a mobile number; ``--planted`` of them (a share) have a twin written later: the same
e-mail in other capitals, the same mobile in another format, or the same name and company with a
typo (letters swapped, one dropped, a space put in, a character repeated). Generated in Python
(seed 7), streamed in with ``COPY`` as the owner, then:

* **first scan**: ``scan()`` as the app role under row-level security on a workspace never
  scanned (every customer's keys, every pair): the issue's target is under 10 minutes for
  1,000,000 customers on this 2-core machine;
* **incremental scan**: ``--changed`` customers renamed by SQL (a version each), scanned again;
* **recall**: of the planted pairs, the share the stored pairs hold at the report's default
  ``min_score`` (90), as a pair and as one group (connected through stored pairs: the scan links
  each record of a common name to its oldest one, the old method linked every two), by kind of twin; and, for at most ``--old-max`` customers, the same for the
  method the report used before (every two names of a block of the same first character, in the
  request), with its seconds (it grows with the square of the largest block: at a million it would
  take hours, which is why it is not run there).

Reports seconds, the process's peak resident memory (before the scan and at the end: the data is
generated as a stream, so the peak is the scan's) and the recalls.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import resource
import time
import uuid
from collections import defaultdict

import sqlalchemy as sa
from flask_migrate import upgrade

from bench import UNLIMITED_API, database, smoke

NAME = "retain_bench_duplicates"
SURNAMES = ("王" * 72 + "李" * 72 + "张" * 70 + "刘" * 54 + "陈" * 45 + "杨" * 31 + "黄" * 25 + "赵" * 20 + "吴" * 19
            + "周" * 18 + "徐" * 14 + "孙" * 13 + "马" * 12 + "朱" * 11 + "胡" * 10 + "郭" * 10 + "何" * 9 + "高" * 9
            + "林" * 9 + "罗" * 8 + "郑" * 8 + "梁" * 8 + "谢" * 6 + "宋" * 5 + "唐" * 5 + "许" * 4 + "韩" * 4
            + "冯" * 4 + "邓" * 4 + "曹" * 4 + "彭" * 3 + "曾" * 3 + "肖" * 3 + "田" * 3 + "董" * 3 + "欧阳" * 1)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文红玉兰志强晓东海燕金凤春梅淑珍丹玲欣怡浩然子涵宇轩雨桐梓萱"
CITIES = ("杭州", "上海", "北京", "苏州", "广州", "深圳", "宁波", "南京", "成都", "武汉")
TRADES = ("茶叶", "贸易", "科技", "餐饮", "服装", "电子", "建材", "物流", "文化", "医药")
FIRST = ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
         "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
         "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Steven", "Ashley")
LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Anderson",
        "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark",
        "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker")
WORDS = ("West Lake", "Golden", "Harbour", "Summit", "Pacific", "Lotus", "Silver", "Dragon", "Pine", "River")
KINDS = ("same e-mail", "same phone", "typo in the name")


def person(rng: random.Random, n: int) -> dict:
    if rng.random() < 0.7:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        company = f"{rng.choice(CITIES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}{rng.choice(TRADES)}有限公司" \
            if rng.random() < 0.6 else None
        email = f"u{n}@{rng.choice(('qq.com', '163.com', 'example.cn'))}" if rng.random() < 0.5 else None
    else:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}"
        company = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(('Co', 'Ltd', 'Trading', 'Group'))}" \
            if rng.random() < 0.6 else None
        email = f"{first.lower()}.{last.lower()}{n}@example.com" if rng.random() < 0.8 else None
    phone = f"1{rng.choice('38')}{rng.randint(0, 999_999_999):09d}" if rng.random() < 0.7 else None  # valid CN mobiles
    return {"name": name, "company": company, "email": email, "phone": phone}


def typo(rng: random.Random, text: str) -> str:
    """One slip of the keyboard, somewhere after the first character."""
    if len(text) < 3:
        return text + text[-1]
    at = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:at] + text[at + 1] + text[at] + text[at + 2:]  # two letters swapped
    if kind == 1:
        return text[:at] + text[at + 1:]  # one dropped
    if kind == 2:
        return text[:at] + " " + text[at:]  # a space put in
    return text[:at] + text[at] + text[at:]  # one repeated


def twin(rng: random.Random, original: dict, kind: str, n: int) -> dict:
    fresh = person(rng, n)
    if kind == "same e-mail" and original["email"]:
        return {**fresh, "email": original["email"].upper() if rng.random() < 0.5 else original["email"].title()}
    if kind == "same phone" and original["phone"]:
        mobile = original["phone"]
        return {**fresh, "phone": rng.choice((f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"{mobile[:3]}-{mobile[3:]}"))}
    if original["company"] and rng.random() < 0.3:
        return {"name": original["name"], "company": typo(rng, original["company"]), "email": None, "phone": None}
    return {"name": typo(rng, original["name"]), "company": original["company"], "email": None, "phone": None}


def load(db: database.Database, tenant_id: str, customers: int, planted: float) -> dict[tuple[str, str], str]:
    """Stream the customers in with COPY (into a table of the same shape, then one INSERT); returns the planted pairs (older id, later id) -> kind."""
    rng = random.Random(7)
    recent: list[tuple[str, dict]] = []  # originals to plant twins of, among the rows written so far
    pairs: dict[tuple[str, str], str] = {}
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    engine = sa.create_engine(db.url(database.OWNER))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT set_config('app.tenant_id', %s, false)", (tenant_id,))
        columns = "tenant_id, id, name, kind, company, email, phone, social, preferences, custom_fields, version, " \
                  "created_at, updated_at"
        cursor.execute("CREATE TEMP TABLE staged (LIKE customers INCLUDING DEFAULTS)")  # COPY bypasses no RLS
        with cursor.copy(f"COPY staged ({columns}) FROM STDIN") as copy:
            for n in range(customers):
                row_id = str(uuid.uuid4())
                if recent and rng.random() < planted:
                    original_id, original = recent.pop(rng.randrange(len(recent)))
                    kind = rng.choice(KINDS)
                    row = twin(rng, original, kind, n)
                    if kind == "same e-mail" and not original["email"] or kind == "same phone" and not original["phone"]:
                        kind = "typo in the name"
                    pairs[(original_id, row_id)] = kind
                else:
                    row = person(rng, n)
                    if len(recent) < 1000:
                        recent.append((row_id, row))
                    elif rng.random() < 0.05:
                        recent[rng.randrange(len(recent))] = (row_id, row)
                at = start + dt.timedelta(seconds=n)
                copy.write_row((tenant_id, row_id, row["name"], "person", row["company"], row["email"], row["phone"],
                                "{}", "{}", "{}", 1, at, at))
        cursor.execute(f"INSERT INTO customers ({columns}) SELECT {columns} FROM staged")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    with sa.create_engine(db.url(database.OWNER)).connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE customers"))
    return pairs


def rename(db: database.Database, tenant_id: str, count: int) -> None:
    """``count`` customers changed: a letter added to their names, their version moved on."""
    engine = sa.create_engine(db.url(database.OWNER))
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_id})
        conn.execute(sa.text("UPDATE customers SET name = name || 'x', version = version + 1, updated_at = now()"
                             " WHERE id IN (SELECT id FROM customers ORDER BY random() LIMIT :n)"), {"n": count})
    engine.dispose()


# -- the method before (saas.core.data_quality.report until issue 20): kept here to compare with --

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
BIG_BLOCK = 20_000


def old_pairs(people: list[tuple], region: str, min_score: int = 90) -> set[tuple[str, str]]:
    """Every pair the old report found: ``people`` (id, name, company, email, phone), oldest first."""
    from rapidfuzz import fuzz, process

    from saas.core.customers import contact

    found = set()
    for field, normalise in ((3, contact.email), (4, lambda raw: contact.phone(raw, region))):
        groups = defaultdict(list)
        for p in people:
            value, _ = normalise(p[field])
            if value:
                groups[value].append(p[0])
        for ids in groups.values():
            found.update((ids[0], later) for later in ids[1:])
    keys = [_NOISE.sub(" ", f"{p[1]} {p[2] or ''}").strip().casefold() for p in people]
    by_first = defaultdict(list)
    for index, key in enumerate(keys):
        if key:
            by_first[key[0]].append(index)
    blocks = []
    for members in by_first.values():
        if len(members) <= BIG_BLOCK:
            blocks.append(members)
            continue
        by_two = defaultdict(list)
        for index in members:
            by_two[keys[index][:2]].append(index)
        blocks.extend(by_two.values())
    for members in blocks:
        block = [keys[i] for i in members]
        for position, key in enumerate(block[:-1]):
            for _, _, offset in process.extract(key, block[position + 1:], scorer=fuzz.WRatio,
                                                score_cutoff=min_score, limit=None):
                found.add((people[members[position]][0], people[members[position + 1 + offset]][0]))
    return {(str(a), str(b)) for a, b in found}


def recall(planted: dict[tuple[str, str], str], found: set[tuple[str, str]]) -> str:
    """The share of planted pairs found as a pair, and (after the slash) the share whose two records
    are in one group of likely duplicates (connected through found pairs: both linked to the oldest
    record of a common name count), by kind of twin."""
    unordered = found | {(b, a) for a, b in found}
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for a, b in found:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    parts = []
    for kind in (None, *KINDS):
        mine = [pair for pair, k in planted.items() if kind is None or k == kind]
        if not mine:
            parts.append(f"{kind} -")
            continue
        hit = sum(pair in unordered for pair in mine)
        grouped = sum(root(a) == root(b) for a, b in mine)
        parts.append(f"{kind or 'all'} {hit / len(mine):.3f} / {grouped / len(mine):.3f} (of {len(mine):,})")
    return "; ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.duplicates", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--planted", type=float, default=0.02, help="share of customers written as a twin")
    parser.add_argument("--changed", type=int, default=1000, help="customers renamed before the incremental scan")
    parser.add_argument("--old-max", type=int, default=100_000,
                        help="run the method before (quadratic in a block) up to this many customers")
    parser.add_argument("--admin-url", default=database.ADMIN_URL)
    args = smoke.parse(parser, argv, customers=400, changed=10, planted=0.1)
    with database.scratch(args.admin_url, NAME, args.smoke) as name:
        return run(args, name)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(args, name: str) -> int:
    from cryptography.fernet import Fernet

    from saas.app import create_app
    from saas.core import queues
    from saas.core.customers import contact
    from saas.core.data_quality import scan
    from saas.core.data_quality.models import DuplicatePair
    from saas.core.db import db as sqla
    from saas.core.tenancy import current_tenant, tenant_context
    from saas.testing import sign_up

    db = database.recreate(args.admin_url, name)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": db.url(database.APP), "MIGRATION_DATABASE_URL": db.url(database.OWNER),
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-to-pass", "RATELIMIT_STORAGE_URI": "memory://", **UNLIMITED_API,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    })
    with app.app_context():
        upgrade(revision="heads")
    tenant_id = sign_up(app.test_client()).id
    started = time.perf_counter()
    planted = load(db, str(tenant_id), args.customers, args.planted)
    print(f"loaded {args.customers:,} customers, {len(planted):,} of them planted twins, in "
          f"{time.perf_counter() - started:.0f} s (PostgreSQL {database.server_version(db)})", flush=True)

    def scanned() -> tuple[float, dict, set[tuple[str, str]]]:
        with app.app_context(), tenant_context(tenant_id):
            began = time.perf_counter()
            outcome = scan.scan()
            seconds = time.perf_counter() - began
            found = {(str(a), str(b)) for a, b in sqla.session.execute(
                sa.select(DuplicatePair.first_id, DuplicatePair.second_id).where(DuplicatePair.score >= 90))}
            queues.InProcessQueue._pending.set([])
            return seconds, outcome, found

    before = peak_mib()
    seconds, outcome, found = scanned()
    print(f"first scan: {seconds:.1f} s for {outcome['changed']:,} customers ({outcome['changed'] / seconds:,.0f}/s), "
          f"{outcome['pairs']:,} pairs stored (score >= {scan.FLOOR}), {len(found):,} at 90 or more; "
          f"peak memory {before:.0f} MiB before the scan, {peak_mib():.0f} MiB after", flush=True)
    print(f"recall of the planted pairs (sorted neighbourhood, window {scan.WINDOW}, two orderings; as a pair / as a group): "
          f"{recall(planted, found)}", flush=True)
    if args.customers <= args.old_max:
        with app.app_context(), tenant_context(tenant_id):
            from saas.core.customers import Customer

            region = contact.region_of(current_tenant().settings)
            people = sqla.session.execute(sa.select(Customer.id, Customer.name, Customer.company, Customer.email,
                                                    Customer.phone).order_by(Customer.created_at, Customer.id)).all()
            began = time.perf_counter()
            old = old_pairs(people, region)
            old_seconds = time.perf_counter() - began
        print(f"the method before (all pairs in a first-character block, in the request): {old_seconds:.1f} s, "
              f"{len(old):,} pairs; recall {recall(planted, old)}", flush=True)
    else:
        print(f"the method before: not run above --old-max {args.old_max:,} customers", flush=True)
    rename(db, str(tenant_id), args.changed)
    seconds, outcome, found = scanned()
    print(f"incremental scan after {args.changed:,} customers changed: {seconds:.1f} s, keys of "
          f"{outcome['changed']:,} refreshed, {outcome['pairs']:,} pairs written again; recall now {recall(planted, found)}", flush=True)
    print(f"peak memory of this process {peak_mib():.0f} MiB", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
