"""Churn's part of the demo workspace (the ``saas_demo_data`` hook of ``flask demo seed``): every
demo customer scored by the real scoring, so the customers at risk are the ones the seed's year
of purchases makes drift away, each with its reasons; the win-back tasks those warnings opened,
spread over the last six months and worked as a sales team works them: some contacted, some with
an offer made, some lost with the churn reason, and some won back by a purchase after the task
opened (the real won-back rule, with the purchase's amount), so the task list, the KPIs and the
profile's panel show something on the first ``make run``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from saas.core.classification import CustomerFigures
from saas.core.customers import Customer, activity
from saas.core.db import db
from saas.core.module_settings import settings_of
from saas.core.tenancy import current_tenant

from plugins.churn import scoring, tasks
from plugins.churn.models import OPEN_STATUSES, Task
from plugins.churn.settings import NAME, due_days_of

HISTORY_DAYS = 180  # the tasks open over the last six months
# What the sales team recorded, by churn reason (the demo workspace speaks Chinese).
NOTES = (("price_competition", "竞争对手报价低 8%"), ("product_quality", "上一批龙井香气不足"),
         ("service", "两次发货延迟，客户不满意"), ("other", "公司今年预算缩减"))
OFFERS = ("下一单九折", "赠送 50 g 明前龙井", "免运费并优先发货", "专属客户经理上门品鉴")
# The share of the opened tasks left in each state, in the order they are dealt (the rest stay open).
WORK = (("won_back", 0.25), ("lost", 0.15), ("offer_made", 0.2), ("contacted", 0.15))


def fill(now: dt.datetime) -> dict[str, int]:
    """In the bound workspace: score everyone, then date and work the tasks the warnings opened;
    returns how many tasks ended in each state."""
    scoring.rescore()
    opened = db.session.scalars(sa.select(Task).join(Customer, Customer.id == Task.customer_id)
                                .where(Task.status.in_(OPEN_STATUSES))
                                .order_by(Task.score.desc(), Customer.name, Customer.email)).all()  # as the seed goes
    settings, dealt = settings_of(NAME), {}
    for n, task in enumerate(opened):
        _date(task, now, n, len(opened), settings)
    start = 0
    for status, share in WORK:
        chosen = opened[start:start + max(1, round(share * len(opened)))] if len(opened) >= len(WORK) else []
        start += len(chosen)
        for n, task in enumerate(chosen):
            _work(task, status, n, now)
        dealt[status] = len(chosen)
    won = [task.customer_id for task in opened if task.won_back_purchase_id is not None]
    if won:
        scoring.rescore(won)  # the customers won back bought again: their scores fall
    return dealt


def _date(task: Task, now: dt.datetime, n: int, count: int, settings: dict) -> None:
    """Spread the tasks over the history, newest for the highest scores, due by their tier."""
    task.opened_at = now - dt.timedelta(days=HISTORY_DAYS * (n + 1) / (count + 1))
    task.due_on = task.opened_at.date() + dt.timedelta(days=due_days_of(settings, task.tier))


def _work(task: Task, status: str, n: int, now: dt.datetime) -> None:
    reason, note = NOTES[n % len(NOTES)]
    after = min(task.opened_at + dt.timedelta(days=3 + 4 * (n % 5)), now - dt.timedelta(hours=1))
    if status == "won_back":
        tasks.update(task, {"status": "offer_made", "reason": reason, "reason_note": note,
                            "offer": OFFERS[n % len(OFFERS)]})
        amount = _usual_order(task.customer_id)
        purchase, _created = activity.record_purchase(
            {"customer_id": task.customer_id, "product": "明前龙井 250 g", "category": "绿茶", "quantity": 1,
             "unit_price": amount, "amount": amount, "purchased_at": after,
             "external_ref": f"LJ-{after.year}-WB{n + 1:04d}"},
            default_currency=current_tenant().settings.get("currency", "CNY"))
        won = tasks.won_back_by(purchase.id)
        if won is not None:
            won.closed_at = after
    elif status == "lost":
        tasks.update(task, {"status": "lost", "reason": reason, "reason_note": note})
        task.closed_at = after
    elif status == "offer_made":
        tasks.update(task, {"status": "offer_made", "reason": reason, "reason_note": note,
                            "offer": OFFERS[n % len(OFFERS)]})
    else:
        tasks.update(task, {"status": "contacted", "reason_note": note})
    db.session.flush()


def _usual_order(customer_id) -> Decimal:
    """The customer's average order, else a plausible one."""
    figures = db.session.scalar(sa.select(CustomerFigures).where(CustomerFigures.customer_id == customer_id))
    usual = figures.average_order_value if figures is not None else None
    return usual if usual else Decimal("2000.00")
