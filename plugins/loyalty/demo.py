"""``flask loyalty demo``: fill the loyalty pages of the demo workspace (``flask demo seed``
enables the module there): a year of points back-filled from its purchases, a rewards catalogue,
and a few redemptions and adjustments, so the overview, the catalogue and the ledgers show
something on the first ``make run``."""

from __future__ import annotations

import datetime as dt

import click
import sqlalchemy as sa

from saas.core.accounts import Tenant
from saas.core.db import db
from saas.core.errors import Conflict
from saas.core.modules import enabled_modules
from saas.core.tenancy import tenant_context
from saas.core.types import utcnow

from plugins.loyalty import ledger, overview, rewards
from plugins.loyalty.models import Reward

DEMO_SLUG = "longjing-demo"  # tenants.demo.SLUG (a module does not import tenants)
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


@click.command("demo")
@click.option("--slug", default=DEMO_SLUG, show_default=True, help="The workspace to fill.")
@click.option("--if-empty", is_flag=True, help="Do nothing if the workspace has rewards already.")
def demo(slug: str, if_empty: bool) -> None:
    """Fill a workspace's loyalty pages: back-filled points, rewards, redemptions."""
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    if tenant is None or ledger.NAME not in enabled_modules(tenant):
        raise click.ClickException(f"No workspace '{slug}' with the loyalty module on.")
    with tenant_context(tenant.id):
        if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Reward)):
            click.echo("The workspace has rewards already.")
            return
        earned = fill()
        db.session.commit()
    click.echo(f"{earned} purchases earned points; {len(CATALOGUE)} rewards added.")


def fill(now: dt.datetime | None = None) -> int:
    """In the bound workspace: back-fill the last year, add the catalogue, redeem and adjust a few."""
    now = now or utcnow()
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
