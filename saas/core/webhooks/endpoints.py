"""Managing a tenant's webhook endpoints: registering (with the address check), changing,
rotating secrets, reading the delivery log and redelivering."""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from flask import current_app

from saas.core.db import db
from saas.core.errors import Conflict, Invalid, NotFound
from saas.core.netguard import check_url
from saas.core.pagination import Page, paginate
from saas.core.plugins import installed
from saas.core.queues import after_commit
from saas.core.tenancy import get_owned
from saas.core.types import utcnow
from saas.core.webhooks.models import (
    ALL_EVENTS,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from saas.core.webhooks.outbound import hand_over


def _checked_url(url: str) -> str:
    problem = check_url(url, allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"])
    if problem:
        raise Invalid("this URL cannot receive webhooks", {"url": [problem]})
    return url


def _checked_event_types(event_types: list[str]) -> list[str]:
    known = {t.name for t in installed().event_types()}
    unknown = sorted(set(event_types) - known - {ALL_EVENTS})
    if unknown:
        raise Invalid("unknown event types", {"event_types": [f"Not in the catalogue: {', '.join(unknown)}."]})
    return [ALL_EVENTS] if ALL_EVENTS in event_types else sorted(set(event_types))


def create(data: dict) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(url=_checked_url(data["url"]), description=data.get("description"),
                               event_types=_checked_event_types(data.get("event_types") or [ALL_EVENTS]),
                               enabled=data.get("enabled", True))
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def list_endpoints(*, cursor: str | None = None, limit: int = 50) -> Page:
    """The tenant's endpoints, oldest first."""
    return paginate(sa.select(WebhookEndpoint), db.session, [WebhookEndpoint.created_at, WebhookEndpoint.id],
                    descending=False, cursor=cursor, limit=limit)


def get(endpoint_id: uuid.UUID) -> WebhookEndpoint:
    return get_owned(WebhookEndpoint, endpoint_id, "webhook endpoint not found")


def disabled_endpoints() -> list[WebhookEndpoint]:
    """The endpoints Retain stopped sending to (410, or failing for days), for the admins to see."""
    return list(db.session.scalars(sa.select(WebhookEndpoint).where(
        WebhookEndpoint.enabled.is_(False), WebhookEndpoint.disabled_reason.is_not(None))
        .order_by(WebhookEndpoint.updated_at.desc())))


def update(endpoint: WebhookEndpoint, data: dict) -> WebhookEndpoint:
    if "url" in data and data["url"] != endpoint.url:
        endpoint.url = _checked_url(data["url"])
        _try_again_now(endpoint)  # a new receiver: no back-off inherited from the old one
    if "event_types" in data:
        endpoint.event_types = _checked_event_types(data["event_types"] or [ALL_EVENTS])
    if "description" in data:
        endpoint.description = data["description"]
    if data.get("enabled") and not endpoint.enabled:  # switched back on: a fresh start
        endpoint.disabled_reason, endpoint.failing_since = None, None
        _try_again_now(endpoint)
    if "enabled" in data:
        endpoint.enabled = data["enabled"]
    db.session.flush()
    return endpoint


def _try_again_now(endpoint: WebhookEndpoint) -> None:
    endpoint.paused_until = None
    db.session.execute(sa.update(WebhookDelivery)
                       .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryStatus.pending)
                       .values(next_attempt_at=utcnow()).execution_options(synchronize_session=False))


def delete(endpoint: WebhookEndpoint) -> None:
    """Forget the endpoint, with its delivery log."""
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.flush()


def rotate_secret(endpoint: WebhookEndpoint) -> str:
    """A new secret; deliveries are signed with both until the overlap ends."""
    secret = endpoint.rotate(dt.timedelta(hours=current_app.config["WEBHOOK_SECRET_OVERLAP_HOURS"]))
    db.session.flush()
    return secret


def deliveries(endpoint: WebhookEndpoint, *, status: str | None, cursor: str | None, limit: int) -> Page:
    """The endpoint's delivery log, newest first."""
    stmt = sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    return paginate(stmt, db.session, [WebhookDelivery.created_at, WebhookDelivery.id], descending=True,
                    cursor=cursor, limit=limit)


def delivery(endpoint: WebhookEndpoint, delivery_id: uuid.UUID) -> WebhookDelivery:
    found = get_owned(WebhookDelivery, delivery_id, "delivery not found")
    if found.endpoint_id != endpoint.id:
        raise NotFound("delivery not found")
    return found


def redeliver(endpoint: WebhookEndpoint, found: WebhookDelivery) -> WebhookDelivery:
    """Send the delivery again now, whatever its status and the endpoint's back-off (one more
    attempt; if it fails, the retry schedule goes on from where it was)."""
    if not endpoint.enabled:
        raise Conflict("the endpoint is disabled: enable it first")
    if found.claimed_until is not None and found.claimed_until > utcnow():
        raise Conflict("the delivery is being sent right now; look again in a moment")
    found.status, found.next_attempt_at, found.finished_at = DeliveryStatus.pending, utcnow(), None
    endpoint.paused_until = None  # asked for now: no back-off in the way
    db.session.flush()
    return found


def send_now(endpoint: WebhookEndpoint) -> None:
    """Have the endpoint's due deliveries sent once the transaction that made them due commits."""
    after_commit(_send_all, (endpoint.tenant_id, endpoint.id))


def _send_all(endpoints: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
    for tenant_id, endpoint_id in endpoints:
        hand_over(tenant_id, [endpoint_id])
