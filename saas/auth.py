"""Who is calling: a Bearer API key or the web session, and the tenant that comes with it.

The tenant is taken from the credentials only (the key's tenant, or the session's chosen
workspace re-checked against the user's membership), never from a URL, body or query string.
Every ``/api/`` request is authenticated here unless its view is marked :func:`public`; the scope
needed defaults to ``read`` for safe methods and ``write`` otherwise, so a view cannot forget it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import uuid
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, g, redirect, request, session, url_for
from flask_login import current_user, login_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, NotFound, Unauthorized

from saas.core.accounts import ApiKey, Membership, Role, Scope, Tenant, User
from saas.core import notifications
from saas.core.audit import Actor, reset_actor, set_actor
from saas.core.db import db
from saas.core.modules import enabled_modules
from saas.core.password_reset import fingerprint
from saas.core.plugins import installed
from saas.core.tenancy import bind_tenant, global_lookup, tenant_context, unbind_tenant
from saas.core.types import utcnow
from saas.extensions import csrf

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
INBOUND_WEBHOOK = Actor("webhook", "inbound")
VISITOR = Actor("visitor")  # someone on a module's public page, proven by its link


@dataclass(frozen=True)
class Principal:
    tenant: Tenant
    scopes: frozenset[Scope]
    user: User | None = None
    membership: Membership | None = None
    api_key: ApiKey | None = None

    @property
    def role(self) -> Role:
        """The role used for role rules; an admin-scoped key acts as an admin."""
        if self.membership is not None:
            return self.membership.role
        return Role.admin if Scope.admin in self.scopes else Role.agent

    @property
    def actor(self) -> Actor:
        if self.api_key is not None:
            return Actor("api_key", str(self.api_key.id))
        return Actor("user", str(self.user.id))


def public(view):
    """Mark a view as reachable without credentials."""
    view._public = True
    return view


def requires(scope: Scope):
    """Require a scope beyond the method's default (e.g. ``Scope.admin``)."""

    def decorator(view):
        view._required_scope = scope
        return view

    return decorator


def current_principal() -> Principal:
    return g.principal


def may(permission: str) -> bool:
    """Whether the caller's role holds ``permission``, one that a module declared with
    ``saas_permissions`` (an unknown name is a programming error: KeyError)."""
    return current_principal().role.value in installed().permission(permission).roles


def requires_permission(permission: str):
    """Refuse a module's view with 403 unless the caller :func:`may` do ``permission``."""

    def decorator(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            if not may(permission):
                raise Forbidden(f"This needs the '{permission}' permission.")
            return view(*args, **kwargs)

        return checked

    return decorator


def authenticate_api_request():
    """``before_request`` for ``/api/``: resolve the principal, bind its tenant, check the scope."""
    if not request.path.startswith("/api/") or request.endpoint is None:
        return None
    view = current_app.view_functions[request.endpoint]
    if getattr(view, "_public", False) or request.blueprint == "api-docs":
        return None
    principal = _from_api_key() if "Authorization" in request.headers else _from_session()
    if principal is None:
        raise Unauthorized(
            "Send an API key as 'Authorization: Bearer <key>', or sign in.",
            www_authenticate=_bearer_challenge(),
        )
    needed = getattr(view, "_required_scope", None) or (Scope.read if request.method in SAFE_METHODS else Scope.write)
    _bind(principal)
    if needed not in principal.scopes:
        raise Forbidden(f"This needs the '{needed.value}' permission.")
    return None


def authenticate_page():
    """For a module's pages (outside ``/api/``): the signed-in user in their chosen workspace.

    Anyone else is sent to the sign-in page, which brings them back here afterwards.
    """
    principal = _from_session()
    if principal is None:
        return redirect(url_for("web.login", next=request.full_path if request.query_string else request.path))
    _bind(principal)
    return None


def bind_sender(tenant: Tenant) -> None:
    """For a public endpoint whose caller proves itself otherwise (a signed inbound webhook): work
    in ``tenant``, recorded as the inbound webhook. The caller must verify before it writes."""
    g.tenant_token = bind_tenant(tenant.id)
    g.actor_token = set_actor(INBOUND_WEBHOOK)


def bind_visitor(tenant: Tenant | None, module: str) -> None:
    """For a module's public page (one marked :func:`public`: an answer link, an unsubscribe link):
    work in ``tenant``, the workspace the page's own proof named (a signed token), recorded as a
    visitor; :class:`NotFound` where there is no such workspace, it is not active, or it has not
    enabled ``module``, as the module's other routes answer there."""
    if tenant is None or tenant.status != "active":
        raise NotFound("There is no such page.")
    g.tenant_token = bind_tenant(tenant.id)
    g.actor_token = set_actor(VISITOR)
    if module not in enabled_modules(tenant):
        raise NotFound(f"There is no '{module}' module in this workspace.")


def _bind(principal: Principal) -> None:
    g.principal = principal
    g.tenant_token = bind_tenant(principal.tenant.id)
    g.actor_token = set_actor(principal.actor)


def release_request_context(exc=None) -> None:
    """``teardown_request``: unbind the tenant and actor set by :func:`authenticate_api_request`."""
    token = g.pop("tenant_token", None)
    if token is not None:
        unbind_tenant(token)
    token = g.pop("actor_token", None)
    if token is not None:
        reset_actor(token)


def _bearer_challenge():
    return WWWAuthenticate("bearer", {"realm": "retain"})


_KEY_LOOKUP = (  # built once: it runs on every API request
    sa.select(ApiKey, Tenant).join(Tenant, Tenant.id == ApiKey.tenant_id).where(ApiKey.prefix == sa.bindparam("prefix"))
)


def _from_api_key() -> Principal | None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip()
    prefix = ApiKey.parse_prefix(key) if scheme.lower() == "bearer" else None
    if prefix is None:
        return None
    with global_lookup(key_prefix=prefix):
        row = db.session.execute(_KEY_LOOKUP, {"prefix": prefix}).first()
    if row is None:
        return None
    api_key, tenant = row
    if api_key.revoked_at is not None or not tenant.is_active or not api_key.matches(key):
        return None
    _touch(api_key)
    return Principal(tenant=tenant, scopes=api_key.scope_set, api_key=api_key)


def _touch(api_key: ApiKey) -> None:
    """Record last use, at most once a minute per key, so reads do not all become writes."""
    now = utcnow()
    every = dt.timedelta(seconds=current_app.config["API_KEY_TOUCH_SECONDS"])
    if api_key.last_used_at is None or now - api_key.last_used_at > every:
        g.touch_api_key = (api_key.tenant_id, api_key.id, now)


def commit_key_touch(response):
    """``after_request``: write the key's last-used time in its own small transaction."""
    touch = g.pop("touch_api_key", None)
    if touch is None or response.status_code >= 500:
        return response
    tenant_id, key_id, now = touch
    db.session.rollback()
    try:
        db.session.execute(
            sa.update(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.id == key_id).values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except sa.exc.SQLAlchemyError:  # bookkeeping must never fail a request that has succeeded
        db.session.rollback()
        log.warning("could not record the last use of API key %s", key_id, exc_info=True)
    return response


# The password a session was opened with, as a digest: a session whose person has a new password
# since (reset, or changed in another session) is signed out. API keys do not depend on it.
SESSION_PASSWORD = "password_fingerprint"


def sign_in(user: User) -> None:
    """Open a web session for ``user``, bound to their current password."""
    login_user(user)
    session[SESSION_PASSWORD] = fingerprint(user)


def keep_signed_in(user: User) -> None:
    """After ``user`` changed their own password in this session: this one stays signed in (every
    other session of theirs is signed out by :func:`load_user`)."""
    session[SESSION_PASSWORD] = fingerprint(user)


# What a signed-in request needs of its person, in one statement built once (the parameters bound
# per request): the person; their membership of the session's workspace and that workspace (as
# instances, for the principal); the ids and names of all their active workspaces (the header's
# switch, read as columns); and their unread notifications in the session's workspace (the
# header's count). One row per membership, or one row of NULLs beside a person with none.
_their, _workspaces = Membership.__table__.alias("their_memberships"), Tenant.__table__.alias("their_workspaces")
_USER_ID, _TENANT_ID = sa.bindparam("user_id", type_=sa.Uuid), sa.bindparam("tenant_id", type_=sa.Uuid)
_SESSION_USER = (
    sa.select(User, Membership, Tenant,
              _workspaces.c.id.label("workspace_id"), _workspaces.c.name.label("workspace_name"),
              notifications.unread_count_of(_USER_ID, _TENANT_ID).scalar_subquery().label("unread"))
    .select_from(User)
    .outerjoin(_their, sa.and_(_their.c.user_id == User.id, _their.c.status == "active"))
    .outerjoin(_workspaces, sa.and_(_workspaces.c.id == _their.c.tenant_id, _workspaces.c.status == "active"))
    .outerjoin(Membership, sa.and_(Membership.tenant_id == _their.c.tenant_id, Membership.id == _their.c.id,
                                   _their.c.tenant_id == _TENANT_ID))
    .outerjoin(Tenant, Tenant.id == Membership.tenant_id)
    .where(User.id == _USER_ID)
    .order_by(_their.c.created_at, _their.c.id)
)


class Workspace(NamedTuple):
    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class SessionUser:
    """The session's person as a request reads them (:data:`_SESSION_USER`)."""

    user: User
    membership: Membership | None  # of the session's workspace, while active
    tenant: Tenant | None  # the session's workspace, where they are a member
    workspaces: tuple[Workspace, ...]  # all their active workspaces, oldest membership first
    unread: int  # their unread notifications in the session's workspace


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the session's person, while active and with the password the
    session was opened with. The rest of :class:`SessionUser` comes in the same statement, kept
    for :func:`session_user`: every page needs it."""
    try:
        user_uuid = uuid.UUID(user_id)
    except ValueError:
        return None
    found = _read_session_user(user_uuid, _session_tenant())
    if found is None:
        return None
    user = found.user
    if not user.is_active or session.get(SESSION_PASSWORD) != fingerprint(user):
        return None
    return user


def _read_session_user(user_id: uuid.UUID, tenant_id: uuid.UUID | None) -> SessionUser | None:
    """Read :class:`SessionUser`, kept on ``g`` with the ids it was read for. The session's
    workspace is bound for the unread count (row-level security reads it on PostgreSQL); the
    membership is joined only where it names that workspace itself."""
    bound = tenant_context(tenant_id) if tenant_id is not None else contextlib.nullcontext()
    with bound, global_lookup(user_id=str(user_id)):
        rows = db.session.execute(_SESSION_USER, {"user_id": user_id, "tenant_id": tenant_id}).all()
    found = None
    if rows:
        current = next((row for row in rows if row.Membership is not None), rows[0])
        found = SessionUser(user=rows[0].User, membership=current.Membership, tenant=current.Tenant,
                            workspaces=tuple(Workspace(row.workspace_id, row.workspace_name)
                                             for row in rows if row.workspace_id is not None),
                            unread=rows[0].unread)
    g.session_workspace = (user_id, tenant_id, found)
    return found


def _session_tenant() -> uuid.UUID | None:
    try:
        return uuid.UUID(session["tenant_id"]) if "tenant_id" in session else None
    except (ValueError, TypeError):
        return None


def _from_session() -> Principal | None:
    principal = session_principal()
    if principal is not None and request.method not in SAFE_METHODS:
        csrf.protect()  # a cookie-authenticated write must carry the CSRF token
    return principal


def session_user() -> SessionUser | None:
    """The signed-in person as this request read them, reread if the session's workspace changed
    since (a switch, a sign-in)."""
    if not current_user.is_authenticated:
        return None
    tenant_id = _session_tenant()
    loaded = g.get("session_workspace")
    if loaded is not None and loaded[:2] == (current_user.id, tenant_id):
        return loaded[2]
    return _read_session_user(current_user.id, tenant_id)


def session_principal() -> Principal | None:
    """The signed-in user in the workspace chosen in their session, if they still belong to it."""
    found = session_user()
    if found is None or found.membership is None or not found.tenant.is_active:
        return None
    return Principal(tenant=found.tenant, scopes=found.membership.scopes, user=current_user._get_current_object(),
                     membership=found.membership)
