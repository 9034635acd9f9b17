"""The demo workspace: Hangzhou Longjing Trading, a tea wholesaler, with a few years of history.

:func:`seed` signs the company up, invites its staff and writes customers, tags, purchases and
interactions. The data comes from ``random.Random(rng_seed)``, so the same seed gives the same
workspace; dates are counted back from now so the history always looks current.

Every customer gets a *profile* that fixes its trailing-12-month spend band (the default tiers:
core >= 100,000, important >= 30,000, basic >= 10,000 CNY), or makes it a dormant buyer (bought
only more than 12 months ago) or a prospect (no purchase, only interactions). Profiles are dealt
in fixed shares, so the tier spread is the same for every seed.

The workspace is written as it grew, classified at the end of each of the last twelve months, so
its tier and stage history (what the dashboard's trends read) covers a year from the first run.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from saas.core.accounts import Role
from saas.core.batches import one_transaction
from saas.core.classification import months_before
from saas.core.classification import recompute as classification
from saas.core.customers import (
    Channel,
    Customer,
    CustomerKind,
    Direction,
    Interaction,
    Purchase,
    Tag,
)
from saas.core.db import db
from saas.core.plugins import installed
from saas.core.tenancy import tenant_context
from saas.core.types import new_id, utcnow
from tenants import accounts
from tenants.modules import set_module

COMPANY = "Hangzhou Longjing Trading"
SLUG = "longjing-demo"
DEMO_MODULES = ("loyalty", "churn", "surveys", "visits", "complaints")
OWNER_EMAIL = "owner@longjing.example"
OWNER_NAME = "林晓雯"
PASSWORD = "longjing-demo-2026"
SETTINGS = {"currency": "CNY", "timezone": "Asia/Shanghai", "locale": "zh_CN"}
CURRENCY = "CNY"
LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")

# (e-mail, name, role, team, job): the two sales reps come first; they own most customers.
STAFF = (
    ("wang.jianguo@longjing.example", "王建国", Role.agent, "sales", "sales"),
    ("chen.siyu@longjing.example", "陈思雨", Role.agent, "sales", "sales"),
    ("zhao.min@longjing.example", "赵敏", Role.agent, "service", "service"),
    ("zhou.zhiyuan@longjing.example", "周志远", Role.manager, None, "manager"),
)

TAGS = {
    "VIP": "#d4a017",
    "节日礼品": "#c0392b",
    "批发": "#2e86c1",
    "回头客": "#27ae60",
    "明前茶预订": "#7dcea0",
    "茶馆渠道": "#8e5b3a",
    "线上渠道": "#8e44ad",
    "价格敏感": "#7f8c8d",
}
VALUE_TAG = "VIP"

# region -> cities -> districts
REGIONS = {
    "浙江": {"杭州": ("西湖区", "上城区", "拱墅区", "滨江区"), "宁波": ("海曙区", "鄞州区"), "绍兴": ("越城区", "柯桥区")},
    "江苏": {"南京": ("鼓楼区", "秦淮区", "建邺区"), "苏州": ("姑苏区", "工业园区"), "无锡": ("梁溪区", "滨湖区")},
    "上海": {"上海": ("黄浦区", "静安区", "徐汇区", "浦东新区")},
    "广东": {"广州": ("天河区", "越秀区", "海珠区"), "深圳": ("福田区", "南山区")},
    "北京": {"北京": ("东城区", "朝阳区", "海淀区")},
    "福建": {"福州": ("鼓楼区", "台江区"), "厦门": ("思明区", "湖里区")},
}
REGIONS_BY_CITY = {city: districts for cities in REGIONS.values() for city, districts in cities.items()}
REGION_WEIGHTS = {"浙江": 35, "江苏": 18, "上海": 17, "广东": 12, "北京": 10, "福建": 8}
STREETS = ("龙井路", "解放路", "中山路", "人民路", "文化路", "湖滨路", "建国路", "延安路", "南京路", "滨江大道")

# industry -> company-name suffixes
INDUSTRIES = {
    "茶馆": ("茶馆", "茶楼", "茶舍"),
    "酒店": ("大酒店", "国际酒店", "精品酒店"),
    "餐饮": ("餐厅", "酒家", "私房菜"),
    "零售": ("茶庄", "茶行", "茶叶商行"),
    "企业礼品": ("商贸有限公司", "礼品有限公司", "文化传播有限公司"),
    "电商": ("电子商务有限公司", "网络科技有限公司"),
}
NAME_WORDS = (
    "西湖", "钱塘", "江南", "湖畔", "静心", "听雨", "清风", "明月", "云栖", "梅家坞", "九溪", "南山",
    "茗香", "一品", "东方", "金陵", "姑苏", "外滩", "岭南", "闽南", "京华", "兰亭", "雅集", "半山",
    "竹里", "松涛", "和鸣", "观澜", "德馨", "福源", "瑞丰", "恒泰", "汇丰", "鼎盛", "御茗", "春和",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方"
GIVEN_NAMES = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "文", "华", "建华", "志强", "晓东", "丹", "萍", "海燕", "雪梅", "子涵", "思远", "浩然",
    "雨桐", "一鸣", "嘉怡", "俊杰", "梦琪", "欣怡", "宇航",
)
PERSON_TITLES = ("茶艺爱好者", "采购经理", "行政主管", "店长", "总经理助理", None, None)
CONTACT_ROLES = ("采购", "总经理", "店长", "行政", "餐饮总监")
SOURCES = {"展会": 20, "转介绍": 25, "官网": 15, "电商平台": 15, "老客户": 25}
EMAIL_DOMAINS = ("qq.example", "163.example", "126.example", "foxmail.example", "corp.example")
CHANNEL_PREFERENCES = ("phone", "email", "visit", "chat")
CONTACT_TIMES = ("weekdays 9:00-11:00", "weekdays 14:00-17:00", "weekdays after 19:00", "weekends 10:00-12:00")
MOBILE_PREFIXES = ("130", "131", "135", "136", "137", "138", "139", "150", "151", "158", "159",
                   "177", "186", "187", "188", "189")
NOTES = (
    "偏好明前龙井，每年三月提前预订。", "中秋、春节前集中采购礼盒。", "对价格敏感，常比价。",
    "要求发票随货寄出。", "茶馆门店三家，按月补货。", "喜欢试新茶，邀请参加品鉴会。", None, None, None,
)


@dataclass(frozen=True)
class Product:
    name: str
    category: str
    price: Decimal


CATALOGUE = tuple(Product(name, category, Decimal(price)) for name, category, price in (
    ("西湖龙井 明前特级 500g", "green", "3800.00"),
    ("西湖龙井 雨前一级 500g", "green", "1280.00"),
    ("西湖龙井 茶馆散装 500g", "green", "360.00"),
    ("龙井 节日礼盒 250g", "green", "588.00"),
    ("安吉白茶 特级 500g", "green", "980.00"),
    ("洞庭碧螺春 明前 500g", "green", "1600.00"),
    ("黄山毛峰 一级 500g", "green", "680.00"),
    ("龙井 袋泡茶 25包", "green", "45.00"),
    ("福鼎白毫银针 500g", "white", "1500.00"),
    ("福鼎白牡丹 500g", "white", "560.00"),
    ("寿眉老白茶饼 350g", "white", "260.00"),
    ("武夷山大红袍 500g", "oolong", "880.00"),
    ("安溪铁观音 清香型 500g", "oolong", "420.00"),
    ("凤凰单丛 蜜兰香 500g", "oolong", "650.00"),
    ("普洱熟茶饼 357g", "dark", "198.00"),
    ("普洱生茶饼 古树 357g", "dark", "680.00"),
    ("安化黑茶 茯砖 1kg", "dark", "150.00"),
))


@dataclass(frozen=True)
class Profile:
    """A kind of customer: its share, its trailing-12-month spend range and order counts."""

    name: str
    share: float
    spend: tuple[int, int] | None  # target spend in the last 12 months; None: no recent purchase
    recent_orders: tuple[int, int]
    older_orders: tuple[int, int]


# Targets start at 1.25x a band's floor: whole quantities lose at most a fifth of each order
# (see _order_lines), so the realised spend always stays inside its band.
PROFILES = (
    Profile("core", 0.10, (125_000, 380_000), (10, 16), (5, 10)),
    Profile("important", 0.30, (37_500, 97_000), (6, 10), (3, 6)),
    Profile("basic", 0.32, (12_500, 29_000), (4, 7), (2, 4)),
    Profile("general", 0.04, (1_500, 9_000), (1, 3), (0, 3)),
    Profile("dormant", 0.10, None, (0, 0), (2, 8)),
    Profile("prospect", 0.14, None, (0, 0), (0, 0)),
)
VALUE_PROFILES = {"core", "important"}
DORMANT_YEARLY_SPEND = 24_000  # what a dormant customer used to buy in a year

RECENT_DAYS = (1, 360)  # a safe margin inside the trailing 12 months
OLDER_DAYS = (380, 910)  # 12.5 to 30 months ago
EARLIER_SPEND = (0.65, 1.0)  # a yearly spend then, against the last 12 months'
INTERACTION_DAYS = 548  # 18 months
HISTORY_MONTHS = 12  # classified month by month: the dashboard's trends
NEW_CUSTOMER_SHARE = 0.12  # buyers whose first order was in the last four months
NEW_CUSTOMER_DAYS = 120
AT_RISK_SHARE = 0.15  # core/important buyers whose regular orders stopped 75-120 days ago
AT_RISK_DAYS = (75, 120)


@dataclass(frozen=True)
class Topic:
    subject: str
    direction: Direction
    channels: tuple[Channel, ...]
    outcomes: tuple[str, ...]
    job: str  # who handles it: "owner" (the account manager), "service" or "manager"


BUYER_TOPICS = (
    Topic("季度回访", Direction.outbound, (Channel.phone, Channel.visit), (
        "客户对春茶品质满意", "下月有补货计划", "希望增加普洱品类", "反馈包装偏大，已记录"), "owner"),
    Topic("新茶品鉴邀请", Direction.outbound, (Channel.chat, Channel.sms, Channel.email), (
        "确认参加品鉴会", "本次无法参加，请寄样品", "已读未回"), "owner"),
    Topic("报价", Direction.inbound, (Channel.chat, Channel.email, Channel.phone), (
        "已发报价单，等待确认", "接受报价，下周下单", "嫌价格偏高，申请折扣"), "owner"),
    Topic("节日礼盒预订", Direction.inbound, (Channel.phone, Channel.chat), (
        "预订中秋礼盒", "预订春节礼盒，需定制logo", "数量待定"), "owner"),
    Topic("年度合作洽谈", Direction.outbound, (Channel.meeting, Channel.visit), (
        "续签年度供货协议", "需要总部审批", "争取到独家供货"), "manager"),
    Topic("投诉处理", Direction.inbound, (Channel.phone, Channel.chat), (
        "物流破损，已补发", "茶叶受潮，已退款", "发货延迟，已致歉并赠送小样"), "service"),
    Topic("发货与对账", Direction.inbound, (Channel.phone, Channel.email), (
        "已核对账单", "补开发票", "确认收货"), "service"),
)
PROSPECT_TOPICS = (
    Topic("询价", Direction.inbound, (Channel.phone, Channel.chat, Channel.email), (
        "已发价目表", "索要样品", "比较中，暂不下单"), "owner"),
    Topic("展会跟进", Direction.outbound, (Channel.phone, Channel.chat), (
        "有兴趣，约下月拜访", "暂无需求", "转给采购负责人"), "owner"),
    Topic("样品寄送", Direction.outbound, (Channel.sms, Channel.chat), (
        "样品已签收", "反馈口感不错", "等待试饮反馈"), "owner"),
    Topic("新茶品鉴邀请", Direction.outbound, (Channel.chat, Channel.email), (
        "确认参加品鉴会", "本次无法参加"), "owner"),
)
WIN_BACK_TOPIC = Topic("流失挽回回访", Direction.outbound, (Channel.phone, Channel.visit), (
    "价格：竞争对手低8%", "换了供应商，承诺再比较", "需求减少，保持联系", "接受回归优惠，准备下单"), "owner")


@dataclass(frozen=True)
class Staff:
    """The members who own customers and handle their interactions (user ids)."""

    reps: tuple[uuid.UUID, ...]
    service: uuid.UUID
    manager: uuid.UUID


def seed(customers: int = 300, *, rng_seed: int = 20261123) -> dict:
    """Create the demo workspace and commit; returns its sign-in and API key."""
    rng = random.Random(rng_seed)
    now = utcnow()
    tenant, _, api_key = accounts.sign_up(
        company_name=COMPANY, slug=SLUG, admin_email=OWNER_EMAIL, admin_password=PASSWORD,
        admin_name=OWNER_NAME, settings=SETTINGS,
    )
    with tenant_context(tenant.id), one_transaction():  # the demo lands whole, or not at all
        staff = _add_staff()
        tags = _add_tags()
        taken: set[str] = set()
        rows = [_customer(rng, i, profile, staff, tags, taken)
                for i, profile in enumerate(_deal_profiles(rng, customers))]
        purchases = [p for customer, profile in rows for p in _purchases(rng, now, customer, profile)]
        interactions = [i for customer, profile in rows for i in _interactions(rng, now, customer, profile, staff)]
        _number_orders(purchases)
        _date_customers([customer for customer, _ in rows], purchases, interactions)
        _replay([customer for customer, _ in rows], purchases, interactions, now)
        _enable_modules(tenant, now)
        db.session.commit()
    return {"company": COMPANY, "slug": SLUG, "email": OWNER_EMAIL, "password": PASSWORD, "api_key": api_key}


def _enable_modules(tenant, now) -> None:
    """The built-in modules the demo shows, where installed, each filling its own pages."""
    plugins = installed()
    for name in DEMO_MODULES:
        if name in plugins.modules:
            set_module(plugins, tenant, name, enabled=True)
    plugins.call("saas_demo_data", tenant, now=now)


# Staff and tags -----------------------------------------------------------------------------


def _add_staff() -> Staff:
    ids: dict[str, list[uuid.UUID]] = {}
    for email, name, role, team, job in STAFF:
        member = accounts.add_member(email=email, role=role, actor_role=Role.owner, team=team,
                                     name=name, password=PASSWORD)
        ids.setdefault(job, []).append(member.user_id)
    return Staff(reps=tuple(ids["sales"]), service=ids["service"][0], manager=ids["manager"][0])


def _add_tags() -> dict[str, Tag]:
    tags = {name: Tag(name=name, color=color) for name, color in TAGS.items()}
    db.session.add_all(tags.values())
    return tags


# Customers ----------------------------------------------------------------------------------


def _deal_profiles(rng: random.Random, count: int) -> list[Profile]:
    """Profiles in their fixed shares (largest remainders), shuffled."""
    exact = [p.share * count for p in PROFILES]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(PROFILES)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: count - sum(counts)]:
        counts[i] += 1
    dealt = [p for p, n in zip(PROFILES, counts) for _ in range(n)]
    rng.shuffle(dealt)
    return dealt


def _customer(rng: random.Random, index: int, profile: Profile, staff: Staff,
              tags: dict[str, Tag], taken: set[str]) -> tuple[Customer, Profile]:
    region = _weighted(rng, REGION_WEIGHTS)
    city = rng.choice(list(REGIONS[region]))
    is_company = rng.random() < 0.6
    owner_id = rng.choice(staff.reps) if rng.random() < 0.85 else None
    fields = _company_fields(rng, index, city, taken) if is_company else _person_fields(rng, index)
    customer = Customer(
        id=new_id(),
        **fields,
        region=region,
        address=_address(rng, city),
        phone=_phone(rng) if rng.random() < 0.88 else None,
        source=_weighted(rng, SOURCES),
        owner_id=owner_id,
        team="sales" if owner_id else None,
        preferences=_preferences(rng) if rng.random() < 0.5 else {},
        social={"wechat": f"wxid_{rng.getrandbits(40):010x}"} if rng.random() < 0.6 else {},
        tags=_pick_tags(rng, profile, tags),
    )
    return customer, profile


def _company_fields(rng: random.Random, index: int, city: str, taken: set[str]) -> dict:
    industry = rng.choice(list(INDUSTRIES))
    name = _company_name(rng, city, industry, taken)
    contact = f"{rng.choice(SURNAMES)}{rng.choice(('经理', '总', '女士', '先生'))}"
    return {
        "kind": CustomerKind.company,
        "name": name,
        "industry": industry,
        "email": f"purchase{index:04d}@{rng.choice(EMAIL_DOMAINS)}" if rng.random() < 0.8 else None,
        "notes": _join(f"联系人：{contact}（{rng.choice(CONTACT_ROLES)}）", rng.choice(NOTES)),
    }


def _company_name(rng: random.Random, city: str, industry: str, taken: set[str]) -> str:
    """A name no other demo company has, e.g. 杭州西湖茶庄."""
    while True:
        name = f"{city}{rng.choice(NAME_WORDS)}{rng.choice(INDUSTRIES[industry])}"
        if name not in taken:
            taken.add(name)
            return name


def _person_fields(rng: random.Random, index: int) -> dict:
    employer = f"{rng.choice(NAME_WORDS)}{rng.choice(INDUSTRIES['企业礼品'])}" if rng.random() < 0.3 else None
    return {
        "kind": CustomerKind.person,
        "name": f"{rng.choice(SURNAMES)}{rng.choice(GIVEN_NAMES)}",
        "company": employer,
        "title": rng.choice(PERSON_TITLES),
        "industry": "企业礼品" if employer else None,
        "email": f"tea{index:04d}@{rng.choice(EMAIL_DOMAINS[:4])}" if rng.random() < 0.7 else None,
        "birthday": _birthday(rng) if rng.random() < 0.6 else None,
        "notes": rng.choice(NOTES),
    }


def _join(*parts: str | None) -> str:
    return "".join(p for p in parts if p)


def _address(rng: random.Random, city: str) -> str:
    district = rng.choice(REGIONS_BY_CITY[city])
    return f"{city}市{district}{rng.choice(STREETS)}{rng.randint(1, 399)}号"


def _phone(rng: random.Random) -> str:
    """A mobile number: mostly as Retain keeps one entered through it (E.164), and now and then as
    an old spreadsheet wrote it, so the data-quality page has a little to normalise."""
    head, mid, tail = rng.choice(MOBILE_PREFIXES), f"{rng.randint(0, 9999):04d}", f"{rng.randint(0, 9999):04d}"
    if rng.random() < 0.95:
        return f"+86{head}{mid}{tail}"
    return rng.choice((f"+86 {head} {mid} {tail}", f"{head}{mid}{tail}", f"{head}-{mid}-{tail}", f"{head} {mid} {tail}"))


def _birthday(rng: random.Random) -> dt.date:
    return dt.date(rng.randint(1960, 2000), 1, 1) + dt.timedelta(days=rng.randint(0, 364))


def _preferences(rng: random.Random) -> dict:
    return {"preferred_channel": rng.choice(CHANNEL_PREFERENCES), "contact_time": rng.choice(CONTACT_TIMES)}


def _pick_tags(rng: random.Random, profile: Profile, tags: dict[str, Tag]) -> list[Tag]:
    """Up to three tags; VIP only for customers of real value."""
    others = [name for name in TAGS if name != VALUE_TAG]
    if profile.name in VALUE_PROFILES and rng.random() < 0.6:
        names = [VALUE_TAG, *rng.sample(others, rng.randint(0, 2))]
    else:
        names = rng.sample(others, rng.randint(0, 3))
    return [tags[name] for name in names]


def _replay(customers: list[Customer], purchases: list[Purchase], interactions: list[Interaction],
            now: dt.datetime) -> None:
    """Write the workspace as it grew over the last :data:`HISTORY_MONTHS` months: at the end of
    each month the customers and activity dated up to then, then a classification at that moment,
    as the nightly run would have done. The classification history then holds a year of tier and
    stage changes, so the dashboard's trends start a year ago; the last run, now, leaves every
    customer with the tier and stage its whole history gives."""
    rows = sorted(customers, key=lambda c: c.created_at)
    activity = sorted([*purchases, *interactions], key=_dated)
    for at in [*(months_before(now, n) for n in range(HISTORY_MONTHS, 0, -1)), now]:
        while rows and rows[0].created_at <= at:
            db.session.add(rows.pop(0))
        db.session.flush()  # customers first: no ORM relationship orders them before their activity
        while activity and _dated(activity[0]) <= at:
            db.session.add(activity.pop(0))
        db.session.flush()
        classification.refresh(now=at)


def _dated(row: Purchase | Interaction) -> dt.datetime:
    return row.purchased_at if isinstance(row, Purchase) else row.occurred_at


def _date_customers(customers: list[Customer], purchases: list[Purchase],
                    interactions: list[Interaction]) -> None:
    """A customer's record dates from a few days before its first order or contact."""
    first: dict[uuid.UUID, dt.datetime] = {}
    events = [(p.customer_id, p.purchased_at) for p in purchases]
    events += [(i.customer_id, i.occurred_at) for i in interactions]
    for customer_id, when in events:
        first[customer_id] = min(when, first.get(customer_id, when))
    for customer in customers:
        customer.created_at = first[customer.id] - dt.timedelta(days=3)


# Purchases ----------------------------------------------------------------------------------


def _purchases(rng: random.Random, now: dt.datetime, customer: Customer, profile: Profile) -> list[Purchase]:
    favourites = rng.sample(CATALOGUE, 3)
    is_new = profile.spend is not None and rng.random() < NEW_CUSTOMER_SHARE
    orders = []
    if profile.spend is not None:
        target = _spend_target(rng, profile.spend)
        count = rng.randint(*profile.recent_orders)
        first, last = RECENT_DAYS
        if is_new:
            count, last = max(1, count // 3), NEW_CUSTOMER_DAYS
        elif profile.name in VALUE_PROFILES and rng.random() < AT_RISK_SHARE:
            first = rng.randint(*AT_RISK_DAYS)
        orders += _order_lines(rng, target, _spread_days(rng, count, first, last), favourites)
    if not is_new:
        count = rng.randint(*profile.older_orders)
        if profile.spend is not None:  # the year before, a customer bought a little less: the business grew
            total = target * rng.uniform(*EARLIER_SPEND) * (OLDER_DAYS[1] - OLDER_DAYS[0]) / 365
        else:
            total = DORMANT_YEARLY_SPEND * rng.uniform(0.8, 1.6) * count / 12
        orders += _order_lines(rng, total, _spread_days(rng, count, *OLDER_DAYS), favourites)
    return [
        Purchase(customer_id=customer.id, product=product.name, category=product.category, quantity=quantity,
                 unit_price=product.price, amount=quantity * product.price, currency=CURRENCY,
                 purchased_at=_business_time(rng, now, days_ago))
        for days_ago, product, quantity in orders
    ]


def _spend_target(rng: random.Random, bounds: tuple[int, int]) -> float:
    low, high = bounds
    return low + (high - low) * rng.random() ** 1.5  # more customers near the band's floor


def _spread_days(rng: random.Random, count: int, first: int, last: int) -> list[int]:
    """``count`` order days between ``first`` and ``last`` days ago, roughly evenly spaced."""
    if count == 0:
        return []
    step = (last - first) / count
    return [round(first + step * (k + rng.uniform(0.1, 0.9))) for k in range(count)]


def _order_lines(rng: random.Random, total: float, days: list[int],
                 favourites: list[Product]) -> list[tuple[int, Product, Decimal]]:
    """Split ``total`` over the order days; each line buys whole units of one product.

    Only products costing at most a fifth of the line's share are picked (the cheapest one when
    none does), so rounding the quantity down keeps each line between 80% and 100% of its share.
    """
    weights = [rng.uniform(0.6, 1.4) for _ in days]
    lines = []
    for days_ago, weight in zip(days, weights):
        share = total * weight / sum(weights)
        affordable = [p for p in CATALOGUE if p.price * 5 <= share] or [min(CATALOGUE, key=lambda p: p.price)]
        preferred = [p for p in favourites if p in affordable]
        product = rng.choice(preferred if preferred and rng.random() < 0.8 else affordable)
        quantity = Decimal(max(1, int(Decimal(share) // product.price)))
        lines.append((days_ago, product, quantity))
    return lines


def _number_orders(purchases: list[Purchase]) -> None:
    """Order numbers follow time order: LJ-<year>-<running number>, e.g. LJ-2025-000123."""
    purchases.sort(key=lambda p: p.purchased_at)
    for seq, purchase in enumerate(purchases, start=1):
        purchase.external_ref = f"LJ-{purchase.purchased_at.astimezone(LOCAL_TZ).year}-{seq:06d}"


# Interactions -------------------------------------------------------------------------------


def _interactions(rng: random.Random, now: dt.datetime, customer: Customer, profile: Profile,
                  staff: Staff) -> list[Interaction]:
    if profile.name == "prospect":
        topics = [rng.choice(PROSPECT_TOPICS) for _ in range(rng.randint(2, 5))]
    else:
        topics = [rng.choice(BUYER_TOPICS) for _ in range(rng.randint(3, 6))]
    if profile.name == "dormant":
        topics[-1] = WIN_BACK_TOPIC
    days = sorted(_spread_days(rng, len(topics), 1, INTERACTION_DAYS), reverse=True)
    return [
        Interaction(customer_id=customer.id, channel=rng.choice(topic.channels), direction=topic.direction,
                    subject=topic.subject, outcome=rng.choice(topic.outcomes),
                    occurred_at=_business_time(rng, now, days_ago), staff_id=_handler(rng, topic, customer, staff))
        for topic, days_ago in zip(topics, days)
    ]


def _handler(rng: random.Random, topic: Topic, customer: Customer, staff: Staff) -> uuid.UUID:
    if topic.job == "service":
        return staff.service
    if topic.job == "manager":
        return staff.manager
    return customer.owner_id or rng.choice(staff.reps)


# Helpers ------------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _business_time(rng: random.Random, now: dt.datetime, days_ago: int) -> dt.datetime:
    """A moment in Hangzhou office hours (9:00-18:00), ``days_ago`` days before ``now``, in UTC."""
    day = (now - dt.timedelta(days=days_ago)).astimezone(LOCAL_TZ).date()
    local = dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)), LOCAL_TZ)
    return local.astimezone(dt.timezone.utc)
