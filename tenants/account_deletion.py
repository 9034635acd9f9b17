"""A person deletes their own account: their place in every workspace, then the account itself.

Refused (409) while they are the last owner of a workspace, which would be left without anyone
who may manage or delete it. What they did stays in each workspace, unsigned: the customers they
managed lose their account manager (through the ORM, so each gets a new version and an audit
entry, as when a member is removed), their interactions lose their staff member (the foreign key's
ON DELETE SET NULL, in workspaces they have left too), and the notifications addressed to them go.
"""

from __future__ import annotations

import sqlalchemy as sa

from saas.core.accounts import Membership, Role, Tenant, User
from saas.core.db import db
from saas.core.errors import Conflict, Invalid
from saas.core.notifications import Notification
from saas.core.passwords import verify_password
from saas.core.tenancy import global_lookup, tenant_context
from tenants.accounts import is_last_owner, remove_member


class LastOwner(Conflict):
    """The person is the last owner of ``workspaces``, named in the message and the fields."""

    def __init__(self, workspaces: list[Tenant]):
        self.workspaces = workspaces
        names = ", ".join(tenant.name for tenant in workspaces)
        super().__init__(f"you are the last owner of {names}: make another member an owner, or delete "
                         "the workspace, before deleting your account", {"workspaces": [t.slug for t in workspaces]})


def last_owned(user: User) -> list[Tenant]:
    """The workspaces ``user`` is the only active owner of."""
    with global_lookup(user_id=str(user.id)):
        owned = db.session.execute(
            sa.select(Membership, Tenant).join(Tenant, Tenant.id == Membership.tenant_id)
            .where(Membership.user_id == user.id, Membership.role == Role.owner, Membership.status == "active",
                   Tenant.status == "active")).all()
    alone = []
    for member, tenant in owned:
        with tenant_context(tenant.id):
            if is_last_owner(member):
                alone.append(tenant)
    return alone


def delete_account(user: User, password: str | None) -> None:
    """Delete ``user`` for good, confirmed by their password (422 otherwise); 409 while they are
    a workspace's last owner, naming it."""
    if not isinstance(password, str) or not user.password_hash or not verify_password(user.password_hash, password):
        raise Invalid("wrong password", {"password": ["Not your current password."]})
    alone = last_owned(user)
    if alone:
        raise LastOwner(alone)
    with global_lookup(user_id=str(user.id)):
        tenant_ids = db.session.scalars(sa.select(Membership.tenant_id).where(Membership.user_id == user.id)).all()
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            db.session.execute(sa.delete(Notification).where(Notification.user_id == user.id))
            for member in db.session.scalars(sa.select(Membership).where(Membership.user_id == user.id)):
                remove_member(member, actor_role=Role.owner)  # as an owner removing them would
    db.session.execute(sa.delete(User).where(User.id == user.id))
    db.session.flush()
