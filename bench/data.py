"""The data generator: 100 small tenants and one big one, loaded set-based as the owner role.

Customers come with a figures row each (tier and stage) and tags, as the app's own customers do.

Every tenant's rows go in one ``INSERT ... SELECT FROM generate_series`` per table. The owner is
bound by row-level security too (the tables use FORCE), so each tenant's inserts run after
``set_config('app.tenant_id', <tenant>, true)`` in the same transaction, exactly as the app does.
Ids are UUIDv7-shaped (the 48-bit millisecond time of ``created_at``, then random bits), so they
are time-ordered like the app's own.
"""

from __future__ import annotations

import time
import uuid

import psycopg

# (name, colour, share of customers carrying it). "vip" is the benchmark's filter.
TAGS = (
    ("vip", "#c0392b", 0.10),
    ("wholesale", "#2980b9", 0.25),
    ("retail", "#27ae60", 0.45),
    ("newsletter", "#8e44ad", 0.30),
    ("lapsed", "#7f8c8d", 0.08),
    ("corporate", "#d35400", 0.12),
    ("referral", "#16a085", 0.05),
    ("tea-lover", "#f39c12", 0.15),
)
SETTINGS = '{"currency": "CNY", "timezone": "Asia/Shanghai", "locale": "zh_CN"}'
UUID7 = (
    "(lpad(to_hex(floor(extract(epoch FROM {ts}) * 1000)::bigint), 12, '0') || '7' || substr({h}, 1, 3)"
    " || substr('89ab', 1 + floor(random() * 4)::int, 1) || substr({h}, 4, 15))::uuid"
)

SMALL_TENANTS = f"""
INSERT INTO tenants (id, slug, name, status, settings, created_at, updated_at)
SELECT {UUID7.format(ts="s.ts", h="s.h")}, 'bench-small-' || lpad(s.i::text, 3, '0'),
       'Small Co ' || s.i, 'active', %(settings)s::json, s.ts, s.ts
FROM (SELECT i, now() - make_interval(days => 800 - i) AS ts, md5(random()::text || i) AS h
      FROM generate_series(1, %(count)s) AS g(i)) s
RETURNING id
"""

SET_TENANT = "SELECT set_config('app.tenant_id', %(tenant)s, true)"

INSERT_TAGS = f"""
INSERT INTO tags (tenant_id, id, name, color, created_at, updated_at)
SELECT %(tenant)s, {UUID7.format(ts="now()", h="md5(random()::text || v.name)")}, v.name, v.color, now(), now()
FROM unnest(%(names)s::text[], %(colors)s::text[]) AS v(name, color)
"""

INSERT_CUSTOMERS = f"""
INSERT INTO customers (tenant_id, id, name, kind, company, title, industry, region, address, email, phone,
                       social, birthday, source, owner_id, team, preferences, notes, custom_fields, version,
                       deleted_at, created_at, updated_at)
SELECT %(tenant)s, {UUID7.format(ts="s.ts", h="s.h")},
       CASE WHEN s.i %% 7 = 0
            THEN (ARRAY['西湖','龙井','钱塘','江南','东方','华茂','联创','天元'])[1 + s.i %% 8]
                 || (ARRAY['茶业','贸易','科技','餐饮','酒店','商贸'])[1 + s.i %% 6] || '有限公司 ' || s.i
            ELSE (ARRAY['王','李','张','刘','陈','杨','赵','黄','周','吴','徐','孙','胡','朱','高','林'])[1 + s.i %% 16]
                 || (ARRAY['伟','芳','娜','敏','静','丽','强','磊','军','洋','勇','艳','杰','娟','涛','明'])[1 + (s.i / 16) %% 16]
                 || (ARRAY['','华','平','红','霞','斌','宇','婷'])[1 + (s.i / 256) %% 8]
       END,
       CASE WHEN s.i %% 7 = 0 THEN 'company' ELSE 'person' END,
       CASE WHEN s.i %% 3 = 0 THEN (ARRAY['杭州茶行','上海茶城','苏州会馆','宁波商会','绍兴酒楼'])[1 + s.i %% 5] END,
       CASE WHEN s.i %% 4 = 0 THEN (ARRAY['采购经理','店长','总经理','行政主管'])[1 + s.i %% 4] END,
       (ARRAY['retail','hospitality','wholesale','office','education'])[1 + s.i %% 5],
       (ARRAY['华东','华南','华北','西南','东北','西北'])[1 + s.i %% 6],
       CASE WHEN s.i %% 2 = 0 THEN '浙江省杭州市西湖区文三路 ' || (s.i %% 900 + 1) || ' 号' END,
       'c' || s.i || '@' || %(domain)s,
       '+86 13' || lpad(((s.i::bigint * 7919) %% 1000000000)::text, 9, '0'),
       CASE WHEN s.i %% 3 = 0 THEN json_build_object('wechat', 'wx_' || s.i) ELSE '{{}}'::json END,
       CASE WHEN s.i %% 5 <> 0 THEN date '1955-01-01' + (s.i * 37) %% 18000 END,
       (ARRAY['referral','walk-in','website','trade-show','wechat'])[1 + s.i %% 5],
       NULL,
       (ARRAY['east','west','key-accounts'])[1 + s.i %% 3],
       CASE WHEN s.i %% 2 = 0
            THEN json_build_object('preferred_channel', (ARRAY['phone','email','visit','chat'])[1 + s.i %% 4],
                                   'contact_time', 'weekdays 9:00-11:00')
            ELSE '{{}}'::json END,
       CASE WHEN s.i %% 10 = 0 THEN '偏好明前龙井，每季度回访一次。' END,
       '{{}}'::json,
       1,
       CASE WHEN s.i %% 100 = 0 THEN s.ts + interval '30 days' END,
       s.ts, s.ts
FROM (SELECT i, now() - make_interval(secs => %(span)s * (1 - i::float8 / %(count)s) + random() * 60) AS ts,
             md5(random()::text || i) AS h
      FROM generate_series(1, %(count)s) AS g(i)) s
"""

# Every customer has a figures row, as the app gives one to each customer it creates; tiers and
# stages spread over all their values (a fifth of the tiers never computed), so that the page's
# join returns values and the bare app's answer is checked against them.
INSERT_FIGURES = """
INSERT INTO customer_figures (tenant_id, customer_id, tier, lifecycle_stage)
SELECT c.tenant_id, c.id,
       (ARRAY['core','important','basic','general','potential',NULL])[1 + abs(hashtext(c.id::text)) %% 6],
       (ARRAY['potential','new','active','dormant','churned'])[1 + abs(hashtext(c.id::text || 's')) %% 5]
FROM customers c WHERE c.tenant_id = %(tenant)s
"""

INSERT_CUSTOMER_TAGS = """
INSERT INTO customer_tags (tenant_id, customer_id, tag_id)
SELECT c.tenant_id, c.id, t.id
FROM customers c
JOIN tags t ON t.tenant_id = c.tenant_id
JOIN unnest(%(names)s::text[], %(shares)s::float8[]) AS f(name, share) ON f.name = t.name
WHERE c.tenant_id = %(tenant)s
  AND (hashtext(c.id::text || f.name)::float8 + 2147483648) / 4294967296 < f.share
"""

YEAR = 365 * 24 * 3600


def _customers(conn: psycopg.Connection, tenant: uuid.UUID, count: int, *, years: float, domain: str) -> None:
    conn.execute(SET_TENANT, {"tenant": str(tenant)})
    conn.execute(INSERT_TAGS, {"tenant": str(tenant), "names": [t[0] for t in TAGS], "colors": [t[1] for t in TAGS]})
    conn.execute(INSERT_CUSTOMERS, {"tenant": str(tenant), "count": count, "span": years * YEAR, "domain": domain})


def _figures_and_tagging(conn: psycopg.Connection, tenant: uuid.UUID) -> None:
    conn.execute(SET_TENANT, {"tenant": str(tenant)})
    conn.execute(INSERT_FIGURES, {"tenant": str(tenant)})
    conn.execute(INSERT_CUSTOMER_TAGS, {"tenant": str(tenant), "names": [t[0] for t in TAGS],
                                        "shares": [t[2] for t in TAGS]})


def generate(owner_dsn: str, big_tenant: uuid.UUID, *, big: int, small_tenants: int, small: int,
             log=print) -> dict[str, float]:
    """Load everything; returns the seconds each phase took.

    Customers first, then ANALYZE, then the figures and the tag links on a fresh connection: the
    foreign-key checks of ``customer_figures`` and ``customer_tags`` are planned once per
    connection, and planned against an unanalysed, nearly empty ``customers`` (the small tenants'
    rows) they scan it sequentially for every row: minutes for 50,000 customers.
    """
    timings = {}

    def phase(name: str, started: float, what: str) -> None:
        timings[name] = time.perf_counter() - started
        log(f"  {what}: {timings[name]:.1f} s")

    started = time.perf_counter()
    with psycopg.connect(owner_dsn) as conn, conn.transaction():
        ids = [row[0] for row in conn.execute(SMALL_TENANTS, {"settings": SETTINGS, "count": small_tenants})]
        for tenant in ids:
            _customers(conn, tenant, small, years=2, domain="small.example")
        phase("customers_small", started, f"{small_tenants} tenants x {small:,} customers")
        started = time.perf_counter()
        _customers(conn, big_tenant, big, years=4, domain="big.example")
        phase("customers_big", started, f"1 tenant x {big:,} customers")

    started = time.perf_counter()
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        conn.execute("ANALYZE tenants, tags, customers")
    phase("analyze", started, "ANALYZE before the figures and the tag links")

    started = time.perf_counter()
    with psycopg.connect(owner_dsn) as conn, conn.transaction():
        for tenant in [*ids, big_tenant]:
            _figures_and_tagging(conn, tenant)
    phase("customer_tags", started, "figures and tag links, all tenants")

    started = time.perf_counter()
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) tenants, api_keys, tags, customers, customer_figures, customer_tags")
    phase("vacuum_analyze", started, "VACUUM ANALYZE")
    return timings


def counts(owner_dsn: str, tenant: uuid.UUID) -> dict[str, int]:
    """Row counts for the report (the owner sees one tenant at a time, so count via the catalogue)."""
    with psycopg.connect(owner_dsn) as conn:
        with conn.transaction():
            conn.execute(SET_TENANT, {"tenant": str(tenant)})
            big = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
            tagged = conn.execute(
                "SELECT count(*) FROM customer_tags ct JOIN tags t ON t.tenant_id = ct.tenant_id AND t.id = ct.tag_id"
                " WHERE t.name = 'vip'"
            ).fetchone()[0]
        tenants = conn.execute("SELECT count(*) FROM tenants").fetchone()[0]
        estimate = dict(conn.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN ('customers', 'customer_tags')"
        ).fetchall())
    return {"tenants": tenants, "big_tenant_customers": big, "big_tenant_vip": tagged,
            "customers_all_tenants": estimate.get("customers", 0),
            "customer_tags_all_tenants": estimate.get("customer_tags", 0)}
