"""Each person's iCalendar feed (RFC 5545, the ``icalendar`` package): their planned visits at a
secret URL that a phone's calendar subscribes to, revocable. The URL's token names the workspace
and a secret whose hash alone is kept; asking for a new URL revokes the old one."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

import icalendar
import sqlalchemy as sa

from saas.core.customers import Customer
from saas.core.db import db
from saas.core.types import utcnow

from plugins.visits import clock
from plugins.visits.models import Feed, Status, Visit

PATH = "/visits/feed/"
DURATION = dt.timedelta(minutes=30)
PAST = dt.timedelta(days=30)  # overdue visits of the last month stay on the calendar


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(user_id: uuid.UUID, tenant_id: uuid.UUID) -> str:
    """A new secret URL path for ``user_id``'s feed; the old one stops working."""
    secret = secrets.token_urlsafe(32)
    feed = db.session.scalar(sa.select(Feed).where(Feed.user_id == user_id)) or Feed(user_id=user_id)
    feed.token_hash, feed.created_at = _hash(secret), utcnow()
    db.session.add(feed)
    db.session.flush()
    return f"{PATH}{tenant_id.hex}.{secret}.ics"


def revoke(user_id: uuid.UUID) -> bool:
    return db.session.execute(sa.delete(Feed).where(Feed.user_id == user_id)).rowcount > 0


def parse_token(token: str) -> tuple[uuid.UUID, str] | None:
    """The workspace and secret a feed URL's token names; None if it is not one."""
    tenant_hex, _, secret = token.removesuffix(".ics").partition(".")
    try:
        return uuid.UUID(hex=tenant_hex), secret
    except ValueError:
        return None


def owner_of(secret: str) -> uuid.UUID | None:
    """The person whose feed ``secret`` opens, in the bound workspace."""
    return db.session.scalar(sa.select(Feed.user_id).where(Feed.token_hash == _hash(secret)))


def calendar(user_id: uuid.UUID, title: str, site: str, now: dt.datetime | None = None) -> bytes:
    """``user_id``'s planned visits from a month ago on, as an iCalendar document: a visit with a
    contact time at that time in the workspace's zone (its VTIMEZONE included), else all day;
    each links to its customer's page on ``site`` (``https://retain.example/``)."""
    now = now or utcnow()
    tz = clock.zone()
    since = clock.today(now=now) - PAST
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Retain//visits//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", str(tz))
    rows = db.session.execute(
        sa.select(Visit, Customer.name)
        .join(Customer, sa.and_(Customer.tenant_id == Visit.tenant_id, Customer.id == Visit.customer_id))
        .where(Visit.owner_id == user_id, Visit.status == Status.planned, Visit.automated.is_(False),
               Visit.due_on >= since)
        .order_by(Visit.due_on, Visit.id).limit(2000))
    for visit, name in rows:
        event = icalendar.Event()
        event.add("uid", f"{visit.id}@retain.visits")
        event.add("dtstamp", now)
        event.add("summary", f"{name}: {visit.purpose.replace('_', ' ')} ({visit.channel})")
        if visit.due_minute is None:
            event.add("dtstart", visit.due_on)
            event.add("dtend", visit.due_on + dt.timedelta(days=1))
        else:
            start = dt.datetime.combine(visit.due_on, dt.time(visit.due_minute // 60, visit.due_minute % 60), tzinfo=tz)
            event.add("dtstart", start)
            event.add("dtend", start + DURATION)
        event.add("url", f"{site.rstrip('/')}/customers/{visit.customer_id}")
        event.add("categories", [visit.channel])
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
