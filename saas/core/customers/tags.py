"""Tags: created on first use, renamed, counted, deleted."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.customers import Customer, CustomerTag, Tag
from saas.core.db import db, insert_unique
from saas.core.errors import Conflict, Invalid
from saas.core.tenancy import get_owned


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Invalid("empty tag name", {"name": ["A tag needs a name."]})
    return name


def _taken(name: str) -> Conflict:
    return Conflict(f"a tag named '{name}' exists", {"name": ["Already exists."]})


def get(tag_id: uuid.UUID) -> Tag:
    return get_owned(Tag, tag_id, "tag not found")


def create(name: str, color: str | None = None) -> Tag:
    name = clean_name(name)
    if db.session.scalar(sa.select(Tag.id).where(Tag.name == name)) is not None:
        raise _taken(name)
    tag = Tag(name=name, color=color)
    insert_unique(tag, _taken(name))
    return tag


def update(tag: Tag, changes: dict) -> Tag:
    if "name" in changes:
        changes["name"] = clean_name(changes["name"])
        clash = db.session.scalar(sa.select(Tag.id).where(Tag.name == changes["name"], Tag.id != tag.id))
        if clash is not None:
            raise _taken(changes["name"])
    for key, value in changes.items():
        setattr(tag, key, value)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise _taken(changes["name"]) from None
    return tag


def named(names: list[str]) -> list[Tag]:
    """The tags with these names, created if missing (safe against a concurrent creation)."""
    wanted = list(dict.fromkeys(clean_name(n) for n in names))
    if not wanted:
        return []
    found = {t.name: t for t in db.session.scalars(sa.select(Tag).where(Tag.name.in_(wanted)))}
    for name in wanted:
        if name not in found:
            try:
                found[name] = create(name)
            except Conflict:
                found[name] = db.session.scalar(sa.select(Tag).where(Tag.name == name))
    return [found[n] for n in wanted]


def usage(tag_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many (not deleted) customers carry each tag, in one query."""
    if not tag_ids:
        return {}
    rows = db.session.execute(
        sa.select(CustomerTag.tag_id, sa.func.count())
        .join(Customer, sa.and_(Customer.tenant_id == CustomerTag.tenant_id, Customer.id == CustomerTag.customer_id))
        .where(Customer.deleted_at.is_(None), CustomerTag.tag_id.in_(tag_ids))
        .group_by(CustomerTag.tag_id)
    ).all()
    return dict(rows)
