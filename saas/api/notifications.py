"""``/api/v1/notifications`` and ``/api/v1/todo``: the person's own notifications in this workspace
(newest first, keyset pages, marking them read, the unread count) and their to-do list.

The person is the signed-in user, or for an API key the member who issued it: a key acts as its
issuer here. A key nobody issued (or whose issuer left the workspace) has no one's notifications,
and is refused (403). Another person's or workspace's notification is a 404.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask_babel import gettext
from marshmallow import fields as f
from werkzeug.exceptions import Forbidden, NotFound

from saas.api.base import ApiBlueprint, PageArgs, page_schema
from saas.api.schema import Schema
from saas.auth import current_principal
from saas.core import notifications, todo
from saas.core.accounts import Membership
from saas.core.db import db

bp = ApiBlueprint("notifications", __name__, url_prefix="/api/v1",
                  description="The caller's own notifications and to-do list")


class NotificationSchema(Schema):
    id = f.UUID()
    kind = f.String(metadata={"example": "core.import_finished"})
    title = f.Function(lambda note: notifications.shown(note, gettext)[0],
                       metadata={"type": "string", "description": "In English, as every API answer (the pages show it in the reader's language)"})
    body = f.Function(lambda note: notifications.shown(note, gettext)[1], metadata={"type": "string"})
    link = f.String(allow_none=True, metadata={"description": "A path on this site"})
    created_at = f.AwareDateTime()
    read_at = f.AwareDateTime(allow_none=True)


class NotificationArgs(PageArgs):
    unread = f.Boolean(load_default=False, metadata={"description": "Only the unread ones"})


class UnreadCountSchema(Schema):
    unread = f.Integer()


class ReadAllSchema(Schema):
    marked = f.Integer(metadata={"description": "How many were unread"})


class TodoItemSchema(Schema):
    key = f.String()
    title = f.String()
    due_at = f.AwareDateTime()
    link = f.String(metadata={"description": "The page where it is done"})
    kind = f.String(metadata={"example": "loyalty.expiring"})
    customer_id = f.UUID(allow_none=True)


class TodoListSchema(Schema):
    items = f.List(f.Nested(TodoItemSchema))


def _member() -> Membership:
    """The caller's membership: the signed-in person's, or the API key issuer's."""
    principal = current_principal()
    if principal.membership is not None:
        return principal.membership
    issuer = principal.api_key.created_by if principal.api_key is not None else None
    member = issuer and db.session.scalar(sa.select(Membership).where(
        Membership.user_id == issuer, Membership.status == "active"))
    if not member:
        raise Forbidden("This API key acts for no member of the workspace: it has no notifications.")
    return member


@bp.route("/notifications", methods=["GET"])
@bp.arguments(NotificationArgs, location="query", as_kwargs=True)
@bp.response(200, page_schema(NotificationSchema, "NotificationPage"))
@bp.errors(400, 403, 422)
def list_notifications(cursor, limit, unread):
    """The caller's notifications, newest first (``unread=true``: only the unread ones)."""
    return notifications.of(_member().user_id, cursor=cursor, limit=limit, unread=unread)


@bp.route("/notifications/unread-count", methods=["GET"])
@bp.response(200, UnreadCountSchema)
@bp.errors(403)
def unread_count():
    """How many of the caller's notifications are unread."""
    return {"unread": notifications.unread_count(_member().user_id)}


@bp.route("/notifications/<uuid:notification_id>/read", methods=["POST"])
@bp.response(200, NotificationSchema)
@bp.errors(403, 404)
def mark_read(notification_id: uuid.UUID):
    """Mark one of the caller's notifications read (again: no change)."""
    note = notifications.get(_member().user_id, notification_id)
    if note is None:
        raise NotFound("notification not found")
    notifications.mark_read(note)
    return note


@bp.route("/notifications/read-all", methods=["POST"])
@bp.response(200, ReadAllSchema)
@bp.errors(403)
def mark_all_read():
    """Mark every notification of the caller read."""
    return {"marked": notifications.mark_all_read(_member().user_id)}


@bp.route("/todo", methods=["GET"])
@bp.response(200, TodoListSchema)
@bp.errors(403)
def list_todo():
    """What the caller has to do in this workspace, from every enabled module, soonest due first."""
    principal = current_principal()
    return {"items": todo.todo_items(principal.tenant, _member())}
