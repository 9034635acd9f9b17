"""Sending a survey: who is asked (customers, a segment, a tier), who is not (asked within the
workspace's ``throttle_days`` by any survey, unsubscribed, unreachable by the channel), one
invitation each, and the delivery of each link in a job of its own (rq retries a failure)."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.dialects import postgresql, sqlite
from flask_babel import gettext as _

from saas.core import mail
from saas.core.accounts import Tenant
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.errors import Conflict, Invalid
from saas.core.module_settings import settings_of
from saas.core.modules import enabled_modules
from saas.core.queues import enqueue_after_commit, job
from saas.core.segments import saved as segments
from saas.core.segments.matching import matching
from saas.core.segments.models import SegmentFilter
from saas.core.tenancy import current_tenant, current_tenant_id, tenant_context
from saas.core.types import new_id, utcnow

from plugins.surveys import channels, links
from plugins.surveys.models import Invitation, OptOut, State, Survey
from plugins.surveys.settings import NAME
from plugins.surveys.texts import babel_locale, language_of, shown

MAX_IDS = 1000  # customer ids in one request
MAX_RECIPIENTS = 5000  # customers one send reaches at once, in the request; more: a schedule (a job)


def recipients(*, customer_ids=None, segment_id=None, tier=None) -> sa.Select:
    """``SELECT customers.id`` of the live customers the request names (exactly one of the three)."""
    if customer_ids is not None:
        wanted = list(dict.fromkeys(customer_ids))
        found = set(db.session.scalars(sa.select(Customer.id).where(
            Customer.id.in_(wanted), Customer.deleted_at.is_(None))))
        unknown = [str(i) for i in wanted if i not in found]
        if unknown:
            raise Invalid("unknown customers", {"customer_ids": [f"No such customer: {', '.join(unknown[:20])}."]})
        return sa.select(Customer.id).where(Customer.id.in_(wanted))
    if segment_id is not None:
        return matching(segments.segment_filter(segment_id))
    return matching(SegmentFilter(tiers=(tier,)))


def send(survey: Survey, who: sa.Select, *, channel: str = channels.EMAIL, give_links: bool = False) -> dict:
    """Invite the customers ``who`` selects to answer ``survey``; returns how many, who was left out
    and why, and (``give_links``) each one's link instead of delivering it."""
    if survey.state is not State.active:
        raise Conflict(f"a {survey.state.value} survey is not sent: activate it first", {"state": ["Not active."]})
    plugin_channels = channels.of_plugins(current_tenant())
    if give_links:
        channel = channels.LINKS
    elif channel != channels.EMAIL and channel not in plugin_channels:
        raise Invalid("unknown channel", {"channel": [f"One of: {', '.join([channels.EMAIL, *sorted(plugin_channels)])}."]})
    ids = who.subquery()
    reached = db.session.scalar(sa.select(sa.func.count()).select_from(ids))
    if reached > MAX_RECIPIENTS:
        raise Invalid(f"{reached} customers are more than one send reaches ({MAX_RECIPIENTS}): give the survey "
                      "a schedule for this segment or tier instead, which sends from a job",
                      {"segment_id": [f"At most {MAX_RECIPIENTS} customers at once."]})
    customers = db.session.scalars(sa.select(Customer).where(Customer.id.in_(sa.select(ids.c.id)))
                                   .order_by(Customer.id)).all()
    invited, skipped = invite(survey, customers, channel, plugin_channels)
    tenant_id = current_tenant_id()
    given = [{"customer_id": i.customer_id, "url": links.answer_url(tenant_id, i.id), "expires_at": i.expires_at}
             for i in invited] if give_links else None
    return {"invited": len(invited), "skipped": skipped, "links": given}


def invite(survey: Survey, customers: list[Customer], channel: str, plugin_channels: dict, *,
           due_at: dt.datetime | None = None, source: str | None = None) -> tuple[list[Invitation], list[dict]]:
    """An invitation for each of ``customers`` who may be asked now (not unsubscribed, not asked
    within ``throttle_days``, reachable by ``channel``), and the others with why; delivered by a job
    after commit, or, ``due_at`` later, by the sweep. Two queries, an executemany INSERT and a query of what it wrote.

    Each invitation is keyed (``source``, unique in the workspace) on what made it: an event and the
    survey, or a send of the survey to the customer when they had ``n`` invitations of it. Two sends
    running at once (a double click, the schedule beside a person) both pass the throttle, which
    reads what is committed, and both count the same ``n``: their keys conflict, and ON CONFLICT DO
    NOTHING leaves the second one's out (PostgreSQL waits for the first transaction, then skips), so
    no customer gets two links; they are skipped as ``already_invited``. One send after the other
    counts one more and sends again, as the throttle allows."""
    rules = settings_of(NAME)
    now = utcnow()
    sent_at = due_at or now
    wanted = [customer.id for customer in customers]
    opted_out = set(db.session.scalars(sa.select(OptOut.customer_id).where(OptOut.customer_id.in_(wanted))))
    # one statement, so the throttle and the key read the same committed invitations
    asked, recent = {}, set()
    since = now - dt.timedelta(days=rules["throttle_days"])
    for customer_id, of_this_survey, last_sent in db.session.execute(
            sa.select(Invitation.customer_id, sa.func.sum(sa.case((Invitation.survey_id == survey.id, 1), else_=0)),
                      sa.func.max(Invitation.sent_at))
            .where(Invitation.customer_id.in_(wanted)).group_by(Invitation.customer_id)):
        asked[customer_id] = int(of_this_survey or 0)
        if rules["throttle_days"] and last_sent > since:  # a pending invitation (due later) counts at its time
            recent.add(customer_id)
    skipped, rows = [], []
    tenant_id = current_tenant_id()
    for customer in customers:
        reason = ("unsubscribed" if customer.id in opted_out else "throttled" if customer.id in recent
                  else None if _reaches(channel, plugin_channels, customer) else "unreachable")
        if reason:
            skipped.append({"customer_id": customer.id, "reason": reason})
            continue
        rows.append({"tenant_id": tenant_id, "id": new_id(), "survey_id": survey.id, "version": survey.version,
                     "customer_id": customer.id, "channel": channel, "sent_at": sent_at, "due_at": due_at,
                     "source": source or f"send:{survey.id}:{customer.id}:{asked.get(customer.id, 0)}",
                     "queued_at": None if due_at or channel == channels.LINKS else now,
                     "expires_at": sent_at + dt.timedelta(days=rules["link_days"]), "draft": {},
                     "delivered_at": None, "finished_at": None})
    made, table = set(), Invitation.__table__
    if rows:  # an executemany (psycopg pipelines it; a multi-row VALUES costs more to compile than it saves)
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        db.session.execute(dialect.insert(table).on_conflict_do_nothing(), rows)
        made = set(db.session.scalars(sa.select(Invitation.id).where(Invitation.id.in_([row["id"] for row in rows]))))
    skipped += [{"customer_id": row["customer_id"], "reason": "already_invited"} for row in rows if row["id"] not in made]
    invited = [Invitation(**row) for row in rows if row["id"] in made]  # as written (not added to the session)
    for invitation in invited:
        if invitation.queued_at is not None:
            enqueue_after_commit(deliver, str(tenant_id), str(invitation.id))
    return invited, skipped


def deliver_due(now: dt.datetime | None = None) -> int:
    """Queue the delivery of the bound workspace's invitations that have come due (sent after an
    event, with a delay); each is queued once, rq retrying it. Returns how many."""
    now = now or utcnow()
    due = db.session.scalars(sa.select(Invitation).where(
        Invitation.due_at <= now, Invitation.queued_at.is_(None), Invitation.finished_at.is_(None))
        .with_for_update(skip_locked=True)).all()
    tenant_id = str(current_tenant_id())
    for invitation in due:
        invitation.queued_at = now
        enqueue_after_commit(deliver, tenant_id, str(invitation.id))
    return len(due)


def _reaches(channel: str, plugin_channels: dict, customer: Customer) -> bool:
    if channel == channels.LINKS:
        return True
    if channel == channels.EMAIL:
        return bool(customer.email)
    return bool(plugin_channels[channel].reaches(customer))


def language(customer: Customer, tenant: Tenant) -> str:
    """The customer's language ("en" or "zh-CN"): their preference, else the workspace's."""
    preferred = (customer.preferences or {}).get("language") if isinstance(customer.preferences, dict) else None
    return language_of(preferred or tenant.settings.get("locale"))


@job
def deliver(tenant_id: str, invitation_id: str) -> None:
    """Deliver one invitation's link by its channel; raising leaves it to rq's retries. Delivered
    (or answered, or its module switched off) already: nothing to do."""
    with tenant_context(uuid.UUID(tenant_id)):
        tenant = db.session.get(Tenant, uuid.UUID(tenant_id))
        invitation = db.session.get(Invitation, (uuid.UUID(tenant_id), uuid.UUID(invitation_id)), with_for_update=True)
        if (tenant is None or invitation is None or invitation.delivered_at or invitation.finished_at
                or NAME not in enabled_modules(tenant)):
            return
        recipient = _recipient(tenant, invitation)
        if invitation.channel == channels.EMAIL:
            _mail(recipient)
        else:
            channel = channels.of_plugins(tenant).get(invitation.channel)
            if channel is None:  # the channel's module was switched off meanwhile
                return
            channel.deliver(recipient)
        invitation.delivered_at = utcnow()
        db.session.commit()


def _recipient(tenant: Tenant, invitation: Invitation) -> channels.Recipient:
    customer = db.session.get(Customer, (tenant.id, invitation.customer_id))
    survey = db.session.get(Survey, (tenant.id, invitation.survey_id))
    spoken = language(customer, tenant)
    return channels.Recipient(
        tenant_id=tenant.id, customer_id=customer.id, name=customer.name, email=customer.email, phone=customer.phone,
        social=dict(customer.social or {}), language=spoken, title=shown(survey.title, spoken),
        url=links.answer_url(tenant.id, invitation.id), unsubscribe_url=links.unsubscribe_url(tenant.id, invitation.id))


def _mail(recipient: channels.Recipient) -> None:
    with force_locale(babel_locale(recipient.language)):
        subject = _("A few questions from %(title)s", title=recipient.title)
        text = "\n\n".join([
            _("Dear %(name)s,", name=recipient.name),
            _("Would you tell us how we are doing? It takes a minute: %(url)s", url=recipient.url),
            _("No more surveys from us: %(url)s", url=recipient.unsubscribe_url)])
    mail.send(recipient.email, subject, text)
