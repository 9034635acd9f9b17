"""Loyalty's part of the demo workspace (the ``saas_demo_data`` hook of ``flask demo seed``): a year
of points back-filled from its purchases, a rewards catalogue, and a few redemptions and
adjustments, so the overview, the catalogue and the ledgers show something on the first
``make run``."""

from __future__ import annotations

import datetime as dt

from saas.core.db import db
from saas.core.errors import Conflict

from plugins.loyalty import ledger, overview, rewards

CATALOGUE = (
    {"name": "龙井品鉴礼盒", "description": "Four 50 g tins of this season's Longjing", "points_cost": 5_000,
     "stock": 40},
    {"name": "9折采购券", "description": "10% off one order over 50,000", "points_cost": 20_000,
     "tiers": ["core", "important"]},
    {"name": "茶艺课程邀请", "description": "A seat at the spring tea-ceremony class", "points_cost": 2_000,
     "stock": 12},
    {"name": "紫砂壶", "description": "A Yixing clay teapot", "points_cost": 60_000, "stock": 3, "tiers": ["core"]},
)
REDEMPTIONS = 8  # of the largest balances, the cheapest reward each can afford


def fill(now: dt.datetime) -> int:
    """In the bound workspace: back-fill the year up to ``now``, add the catalogue, redeem and adjust a few."""
    earned = ledger.backfill(now - dt.timedelta(days=366), now)
    catalogue = [rewards.create({"tiers": [], **item}) for item in CATALOGUE]
    cheapest_first = sorted(catalogue, key=lambda reward: reward.points_cost)
    for holder in overview.top_balances(REDEMPTIONS):
        for reward in cheapest_first:
            try:
                with db.session.begin_nested():
                    rewards.redeem(holder.customer_id, reward.id)
                break
            except Conflict:
                continue
    for holder in overview.top_balances(3):
        ledger.adjust(holder.customer_id, 500, "补偿：发货延迟")
    return earned
