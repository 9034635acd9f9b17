"""Signing a company up, and the people and keys that act for it."""

from __future__ import annotations

import functools
import re
import uuid
import zoneinfo

import phonenumbers
import sqlalchemy as sa
from babel.numbers import list_currencies
from blinker import Namespace

from saas.core.accounts import (
    DEFAULT_SETTINGS,
    ApiKey,
    Membership,
    Role,
    Scope,
    Tenant,
    User,
    acting_person,
)
from saas.core.customers import Customer
from saas.core.db import db, insert_unique
from saas.core.errors import Conflict, Forbidden, Invalid, NotFound
from saas.core.event_types import MEMBER_REMOVED
from saas.core.events import emit
from saas.core.messages import N_
from saas.core.notifications import notify
from saas.core.pagination import Page, paginate
from saas.core.password_reset import set_password
from saas.core.sql import contains
from saas.core.passwords import check_strength, hash_password, verify_password
from saas.core.tenancy import current_tenant, get_owned, global_lookup, tenant_context
from saas.core.types import new_id, utcnow

SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,48}[a-z0-9]")
RESERVED_SLUGS = {"api", "admin", "app", "login", "logout", "signup", "static", "t", "www", "help", "status"}
LOCALES = ("en", "zh_CN")

member_added = Namespace().signal("tenants.member_added", doc=(
    "A person was added to the bound workspace, in the transaction that adds them: the sender is "
    "the Membership, ``new_account`` whether their account was made for it with the password the "
    "admin gave (then they are active; else invited, until they accept: an account made without a "
    "password has none until the person chooses it). The web connects the invitation e-mail to it."))


def normalise_email(email: str) -> str:
    """One account per address whatever its spelling: mail providers ignore case in practice."""
    return email.strip().lower()


def validate_settings(settings: dict) -> dict:
    errors = {}
    if "currency" in settings and settings["currency"] not in list_currencies():
        errors["currency"] = ["Not an ISO 4217 currency code."]
    if "timezone" in settings:
        try:
            zoneinfo.ZoneInfo(settings["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a tzdata folder
            errors["timezone"] = ["Not an IANA time zone (e.g. Asia/Shanghai)."]
    if "locale" in settings and settings["locale"] not in LOCALES:
        errors["locale"] = [f"One of: {', '.join(LOCALES)}."]
    if "phone_region" in settings and settings["phone_region"] not in phonenumbers.SUPPORTED_REGIONS:
        errors["phone_region"] = ["An ISO 3166 country code that has phone numbers (e.g. CN)."]
    if errors:
        raise Invalid("invalid settings", {"settings": errors})
    return settings


def create_user(email: str, password: str, name: str = "", *, password_field: str = "password") -> User:
    """``password_field`` names the password in the caller's request, for the error's ``fields``."""
    email = normalise_email(email)
    problems = check_strength(password, email)
    if problems:
        raise Invalid("weak password", {password_field: problems})
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise Conflict("a user with this e-mail exists already", {"email": ["Already registered."]})
    user = User(email=email, password_hash=hash_password(password), name=name)
    insert_unique(user, Conflict("a user with this e-mail exists already", {"email": ["Already registered."]}))
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


@functools.cache
def timezones() -> tuple[str, ...]:
    """The IANA time zones a person may choose, sorted (the system's or tzdata's database)."""
    return tuple(sorted(zoneinfo.available_timezones()))


def update_profile(user: User, *, name: str, locale: str | None, timezone: str | None) -> User:
    """A person's own name, language and time zone (None: their workspace's)."""
    errors = {}
    if len(name) > 200:
        errors["name"] = ["Use at most 200 characters."]
    if locale is not None and locale not in LOCALES:
        errors["locale"] = [f"One of: {', '.join(LOCALES)}."]
    if timezone is not None and timezone not in timezones():
        errors["timezone"] = ["Not an IANA time zone (e.g. Asia/Shanghai)."]
    if errors:
        raise Invalid("invalid profile", errors)
    user.name, user.locale, user.timezone = name.strip(), locale, timezone
    db.session.flush()
    return user


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """A new password for someone who proves they know the current one."""
    if not verify_password(user.password_hash, current_password):
        raise Invalid("wrong password", {"current_password": ["Not your current password."]})
    set_password(user, new_password, field="new_password")


def sign_up(*, company_name: str, slug: str, admin_email: str, admin_password: str,
            admin_name: str = "", settings: dict | None = None,
            with_api_key: bool = True) -> tuple[Tenant, User, str | None]:
    """Create a tenant, its owner and (``with_api_key``, for the API's caller, who is shown it) a
    first API key; returns ``(tenant, user, api_key or None)``.

    An e-mail that is already registered may sign up another company only with its own password.
    """
    if not SLUG_PATTERN.fullmatch(slug) or slug in RESERVED_SLUGS:
        raise Invalid("bad slug", {"slug": ["3-50 lower-case letters, digits and dashes; not reserved."]})
    settings = validate_settings({**DEFAULT_SETTINGS, **(settings or {})})
    if db.session.scalar(sa.select(Tenant.id).where(Tenant.slug == slug)):
        raise Conflict("this slug is taken", {"slug": ["Already taken."]})
    user = find_user(admin_email)
    if user is None:
        user = create_user(admin_email, admin_password, admin_name, password_field="admin_password")
    elif not verify_password(user.password_hash, admin_password):
        raise Conflict("this e-mail is registered; sign up with its password", {"admin_email": ["Already registered."]})
    tenant = Tenant(id=new_id(), slug=slug, name=company_name, settings=settings)
    with tenant_context(tenant.id):
        # The tenant row first (nothing relates the other rows to it in the ORM); a concurrent
        # sign-up may have taken the slug since we looked.
        insert_unique(tenant, Conflict("this slug is taken", {"slug": ["Already taken."]}))
        db.session.add(Membership(user_id=user.id, role=Role.owner))
        db.session.flush()  # in the new workspace's context, with a key or without
        key = issue_api_key("Created at sign-up", [s.value for s in Scope], created_by=user.id)[1] \
            if with_api_key else None
    return tenant, user, key


def update_tenant(tenant: Tenant, *, name: str | None = None, settings: dict | None = None) -> Tenant:
    if name is not None:
        tenant.name = name
    if settings:
        tenant.settings = {**tenant.settings, **validate_settings(settings)}
    db.session.flush()
    return tenant


def memberships_of(user: User, status: str = "active") -> list[tuple[Membership, Tenant]]:
    """A user's workspaces (or invitations), oldest first: a global look-up that RLS admits for
    this user's rows only."""
    with global_lookup(user_id=str(user.id)):
        rows = db.session.execute(
            sa.select(Membership, Tenant).join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.user_id == user.id, Membership.status == status, Tenant.status == "active")
            .order_by(Membership.created_at, Membership.id)
        ).all()
    return [(m, t) for m, t in rows]


def answer_invitation(user: User, tenant_id: uuid.UUID, accept: bool) -> None:
    """Join (or turn down) a workspace the user was invited to; who invited them hears of a yes."""
    with tenant_context(tenant_id):
        member = db.session.scalar(
            sa.select(Membership).where(Membership.user_id == user.id, Membership.status == "invited"))
        if member is None:
            raise NotFound("invitation not found")
        if accept:
            member.status = "active"
            if member.invited_by is not None:
                notify([member.invited_by], N_("%(person)s accepted your invitation"),
                       params={"person": user.name or user.email}, link="/settings/members",
                       kind="core.invitation_accepted")
        else:
            db.session.delete(member)
        db.session.flush()


def join(user: User, tenant_id: uuid.UUID, *, name: str, password: str) -> None:
    """A person invited without a password accepts, choosing their name and password."""
    if len(name) > 200:
        raise Invalid("invalid name", {"name": ["Use at most 200 characters."]})
    set_password(user, password)
    user.name = name.strip()
    answer_invitation(user, tenant_id, accept=True)


# Members ------------------------------------------------------------------------------------


def get_member(member_id: uuid.UUID) -> Membership:
    return get_owned(Membership, member_id, "member not found")


def members(*, cursor: str | None = None, limit: int = 200, q: str | None = None) -> Page:
    """The workspace's members (and invitations), oldest first; with ``q``, those whose name or
    e-mail holds it."""
    stmt = sa.select(Membership)
    if q and q.strip():
        stmt = stmt.join(User, User.id == Membership.user_id).where(
            sa.or_(contains(User.name, q.strip()), contains(User.email, q.strip())))
    return paginate(stmt, db.session, [Membership.created_at, Membership.id], descending=False,
                    cursor=cursor, limit=limit)


def add_member(*, email: str, role: Role, actor_role: Role, team: str | None = None,
               name: str = "", password: str | None = None) -> Membership:
    """Add a person: an existing account, or a new one with ``password``, or without it a new
    account that has no password (so no way in) until the person accepts and chooses one."""
    _may_grant(actor_role, role)
    user = find_user(email)
    status = "invited"  # an existing account joins only when its owner accepts
    if user is None and password:
        user, status = create_user(email, password, name), "active"
    elif user is None:
        user = User(email=normalise_email(email), password_hash="", name=name)  # no hash matches ""
        insert_unique(user, Conflict("a user with this e-mail exists already", {"email": ["Already registered."]}))
    existing = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
    if existing is not None and existing.status == "invited":  # asked again (the link expired): a new invitation
        _may_grant(actor_role, existing.role)
        existing.role, existing.team = role, team
        db.session.flush()
        member_added.send(existing, user=user, new_account=False)
        return existing
    if existing is not None:
        raise Conflict("already a member", {"email": ["Already a member of this workspace."]})
    member = Membership(user_id=user.id, role=role, team=team, status=status, invited_by=acting_person())
    db.session.add(member)
    db.session.flush()
    member_added.send(member, user=user, new_account=status == "active")
    return member


def change_member(member: Membership, *, actor_role: Role, role: Role | None = None,
                  team: str | None = None, clear_team: bool = False) -> Membership:
    if role is not None and role != member.role:
        _may_grant(actor_role, role)
        _may_grant(actor_role, member.role)
        if member.role is Role.owner:
            _keep_an_owner(member)
        member.role = role
    if team is not None or clear_team:
        member.team = team
    db.session.flush()
    return member


def remove_member(member: Membership, *, actor_role: Role) -> None:
    _may_grant(actor_role, member.role)
    if member.role is Role.owner:
        _keep_an_owner(member)
    managed = 0
    for customer in db.session.scalars(sa.select(Customer).where(Customer.owner_id == member.user_id)):
        customer.owner_id = None  # through the ORM: a new version and an audit entry for each
        managed += 1
    emit(MEMBER_REMOVED, user_id=member.user_id, team=member.team, customers=managed)
    db.session.delete(member)
    db.session.flush()


def _may_grant(actor_role: Role, role: Role) -> None:
    if role is Role.owner and actor_role is not Role.owner:
        raise Forbidden("only an owner may grant or take the owner role")


def _keep_an_owner(member: Membership) -> None:
    """409 where ``member`` is the last active owner of a workspace that stays (one being deleted
    needs no owner any more)."""
    if current_tenant().status == "active" and is_last_owner(member):
        raise Conflict("a workspace needs at least one owner")


def is_last_owner(member: Membership) -> bool:
    """Whether the workspace would be left without an active owner (one who may manage or delete
    it) without ``member``; an invited owner who has not joined yet does not count."""
    others = db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
        Membership.role == Role.owner, Membership.status == "active", Membership.id != member.id))
    return member.role is Role.owner and member.status == "active" and others == 0


def acts_as_owner(principal) -> bool:
    """Whether ``principal`` (saas.auth) acts for an owner: a signed-in owner, or an admin-scoped
    API key that an owner of the workspace made (the sign-up's key is the owner's)."""
    if principal.membership is not None:
        return principal.membership.role is Role.owner
    key = principal.api_key
    if key is None or "admin" not in key.scopes or key.created_by is None:
        return False
    return db.session.scalar(sa.select(Membership.id).where(
        Membership.user_id == key.created_by, Membership.role == Role.owner,
        Membership.status == "active")) is not None


def require_owner(principal, what: str) -> None:
    """403 unless ``principal`` :func:`acts_as_owner`; ``what`` completes "only an owner may ..."."""
    if not acts_as_owner(principal):
        raise Forbidden(f"only an owner may {what}")


# API keys -----------------------------------------------------------------------------------


def issue_api_key(name: str, scopes: list[str], created_by: uuid.UUID | None = None) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the full key, which is never shown again."""
    key, prefix, key_hash = ApiKey.generate()
    row = ApiKey(name=name, prefix=prefix, key_hash=key_hash, scopes=sorted(set(scopes)), created_by=created_by)
    db.session.add(row)
    db.session.flush()
    return row, key


def api_keys(*, cursor: str | None = None, limit: int = 200) -> Page:
    return paginate(sa.select(ApiKey), db.session, [ApiKey.created_at, ApiKey.id], descending=False,
                    cursor=cursor, limit=limit)


def get_api_key(key_id: uuid.UUID) -> ApiKey:
    return get_owned(ApiKey, key_id, "API key not found")


def revoke_api_key(key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.flush()
