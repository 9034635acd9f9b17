"""Complaints' part of the demo workspace (the ``saas_demo_data`` hook of ``flask demo seed``):
cases over the last three weeks, worked through the real workflow at the moments a service team
would have worked them: resolved in time and confirmed, resolved late (their breaches kept),
reopened, open and running, open past a clock, and one waiting for the customer; then the clocks'
job at ``now``, so the queue, the review, the profile panel and the card show something on the
first ``make run``. The demo workspace speaks Chinese."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from saas.core.customers import Customer
from saas.core.db import db

from plugins.complaints import cases, escalation

H = dt.timedelta(hours=1)
# (days ago, category, priority, description, [(hours after opening, action, fields)])
CASES = (
    (20, "delivery", "normal", "快递外箱破损，两罐龙井受潮", [
        (0.5, "acknowledge", {}), (6, "agree_plan", {"plan": "补发两罐并承担运费"}),
        (30, "resolve", {"resolution": "已补发并电话确认收货", "cause": "快递破损"}), (40, "confirm", {})]),
    (17, "product_quality", "high", "新到的明前龙井香气不足", [
        (2, "acknowledge", {}), (30, "agree_plan", {"plan": "寄送同批次样品复检"}),
        (70, "resolve", {"resolution": "复检确认批次问题，全额退款", "cause": "批次香气不足"})]),
    (15, "service_attitude", "normal", "客服电话无人接听", [
        (0.2, "acknowledge", {}), (1, "resolve", {"resolution": "客户经理回电致歉", "cause": "客服响应慢"}),
        (3, "confirm", {})]),
    (12, "price", "low", "调价没有提前通知", [
        (1, "acknowledge", {}), (10, "agree_plan", {"plan": "下一单按原价结算"}),
        (20, "resolve", {"resolution": "已按原价结算", "cause": "价格调整未通知"}), (26, "close", {})]),
    (9, "delivery", "urgent", "礼盒没有赶上客户的开业典礼", [
        (0.3, "acknowledge", {}), (2, "agree_plan", {"plan": "加急补送并附赠茶点"}),
        (8, "resolve", {"resolution": "已加急补送", "cause": "快递破损"}),
        (30, "reopen", {"note": "补送的礼盒也有破损"}), (50, "resolve", {"resolution": "门店自提更换", "cause": "快递破损"}),
        (60, "confirm", {})]),
    (6, "product_quality", "normal", "茶叶中发现杂质", [
        (0.5, "acknowledge", {}), (5, "agree_plan", {"plan": "上门取回并检测"}),
        (20, "resolve", {"resolution": "检测后退换", "cause": "包装车间清洁不到位"})]),
    (3, "service_attitude", "high", "业务员承诺的赠品没有兑现", [(3, "acknowledge", {})]),
    (1.5, "delivery", "normal", "发货比约定晚了三天", [(0.4, "acknowledge", {}), (4, "pause", {"note": "等客户提供签收照片"})]),
    (0.3, "product_quality", "normal", "白茶饼有霉点", []),
    (0.02, "price", "normal", "发票金额与合同不符", []),
)


def fill(now: dt.datetime) -> int:
    """In the bound workspace: the cases above, for demo customers with an owner; returns how many."""
    customers = list(db.session.scalars(sa.select(Customer).where(Customer.deleted_at.is_(None),
                                                                  Customer.owner_id.is_not(None))
                                        .order_by(Customer.name, Customer.id).limit(len(CASES) * 3)))
    if not customers:
        return 0
    opened = 0
    for n, (days, category, priority, description, steps) in enumerate(CASES):
        customer = customers[(n * 3) % len(customers)] if n != 9 else customers[0]  # the first: a repeat complainer
        start = now - dt.timedelta(days=days)
        case = cases.open_case(customer.id, category=category, priority=priority, description=description,
                               channel=("phone", "email", "chat", "in_person")[n % 4], actor="system", at=start)
        for hours, action, fields in steps:
            at = start + hours * H
            if at < now:
                cases.act(case, action, actor="system", at=at, **fields)
        opened += 1
    escalation.escalate(now)
    return opened
