"""The rewards catalogue, and redeeming a reward with points.

A redemption locks the reward (its stock) and then the customer's account (their balance), always
in that order, so concurrent redemptions take turns and neither overspends nor oversells.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.db import db
from saas.core.errors import Conflict, Invalid, NotFound
from saas.core.pagination import Page, paginate
from saas.core.types import utcnow

from plugins.loyalty import ledger
from plugins.loyalty.models import Entry, EntryKind, Reward


def get(reward_id: uuid.UUID, *, lock: bool = False) -> Reward:
    stmt = sa.select(Reward).where(Reward.id == reward_id, Reward.archived_at.is_(None))
    reward = db.session.scalar(stmt.with_for_update() if lock else stmt)
    if reward is None:
        raise NotFound("reward not found")
    return reward


def catalogue(*, cursor: str | None, limit: int) -> Page:
    """The rewards not archived, by name."""
    return paginate(sa.select(Reward).where(Reward.archived_at.is_(None)), db.session, [Reward.name, Reward.id],
                    descending=False, cursor=cursor, limit=limit)


def create(values: dict) -> Reward:
    reward = Reward(**values)
    db.session.add(reward)
    db.session.flush()
    return reward


def update(reward: Reward, values: dict) -> Reward:
    for key, value in values.items():
        setattr(reward, key, value)
    if reward.active_from and reward.active_until and reward.active_until <= reward.active_from:
        raise Invalid("the offer must end after it starts", {"active_until": ["The offer ends after it starts."]})
    db.session.flush()
    return reward


def archive(reward: Reward) -> None:
    """Off the catalogue; the redemptions that bought it keep pointing at it."""
    reward.archived_at = utcnow()


class NotRedeemable(Conflict):
    """Why a reward cannot be redeemed (``why``: ``not_on_offer``, ``tier``, ``out_of_stock`` or
    ``balance``), with the figures a page needs to say so in its own language."""

    def __init__(self, why: str, message: str, **details):
        super().__init__(message)
        self.why = why
        self.details = details


def redeem(customer_id: uuid.UUID, reward_id: uuid.UUID) -> Entry:
    """Spend the reward's points on it for the customer; a 409 (:class:`NotRedeemable`) says why not."""
    reward = get(reward_id, lock=True)
    if not reward.on_offer(utcnow()):
        raise NotRedeemable("not_on_offer", f"'{reward.name}' is not on offer now.", reward=reward.name)
    if reward.tiers:
        tier = ledger.tier_of(customer_id)
        if tier not in reward.tiers:
            raise NotRedeemable("tier", f"'{reward.name}' is for {', '.join(reward.tiers)} customers; this one is "
                                f"{tier or 'unclassified'}.", reward=reward.name, tiers=list(reward.tiers), tier=tier)
    if reward.stock is not None and reward.stock < 1:
        raise NotRedeemable("out_of_stock", f"'{reward.name}' is out of stock.", reward=reward.name)
    account = ledger.locked_account(customer_id)
    if account.balance < reward.points_cost:
        raise NotRedeemable("balance", f"Not enough points: {account.balance:,} of the {reward.points_cost:,} that "
                            f"'{reward.name}' costs.", reward=reward.name, balance=account.balance,
                            cost=reward.points_cost)
    entry = ledger.record(customer_id, EntryKind.redeem, -reward.points_cost, f"redeem:{uuid.uuid4()}", reward.name,
                          reward_id=reward.id)
    if reward.stock is not None:
        reward.stock -= 1
    return entry
