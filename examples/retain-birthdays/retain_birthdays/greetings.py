"""Who has a birthday, and greeting them once a year."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.events import emit
from saas.core.hooktypes import EventType
from retain_birthdays.models import Greeting

GREETED = EventType("birthdays.greeted", "A customer was greeted for their birthday",
                    {"customer_id": "01a209c2-8155-7bfd-9ec3-253721798534", "year": 2026, "channel": "sms"})


def upcoming(days: int, today: dt.date) -> list[tuple[Customer, dt.date]]:
    """Customers whose next birthday falls within ``days`` days of ``today``, soonest first."""
    found = []
    for customer in db.session.scalars(
        sa.select(Customer).where(Customer.birthday.is_not(None), Customer.deleted_at.is_(None))
    ):
        next_birthday = _next(customer.birthday, today)
        if (next_birthday - today).days <= days:
            found.append((customer, next_birthday))
    return sorted(found, key=lambda pair: (pair[1], pair[0].name))


def greet(customer_id: uuid.UUID, channel: str, today: dt.date) -> Greeting | None:
    """Greet the customer for this year's birthday, unless that was done already."""
    year = today.year
    exists = db.session.scalar(sa.select(Greeting.id).where(Greeting.customer_id == customer_id, Greeting.year == year))
    if exists is not None:
        return None
    greeting = Greeting(customer_id=customer_id, year=year, channel=channel)
    db.session.add(greeting)
    db.session.flush()
    emit(GREETED, customer_id=customer_id, year=year, channel=channel)
    return greeting


def is_birthday(birthday: dt.date, today: dt.date) -> bool:
    return _next(birthday, today) == today


def _next(birthday: dt.date, today: dt.date) -> dt.date:
    for year in (today.year, today.year + 1):
        try:
            candidate = birthday.replace(year=year)
        except ValueError:  # 29 February in a common year: greet on 1 March
            candidate = dt.date(year, 3, 1)
        if candidate >= today:
            return candidate
    raise AssertionError("unreachable")
