"""Merging two records of the same customer into one.

The survivor keeps its own values and gains what only the other record had: empty fields filled,
tags, social accounts, preferences and custom fields added, every purchase, interaction and tier or
stage change moved, its figures recomputed,
and each enabled module's data moved through ``saas_merge_customers``. The other record stays as a
tombstone (deleted, ``merged_into_id`` pointing at the survivor), so nothing is lost and the merge
can be traced and undone by hand: each moved row's audit entry names both customers.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.customers import signals
from saas.core.customers.models import Customer, Interaction, Purchase
from saas.core.customers.module_data import merge_module_data
from saas.core.customers.records import check_version, flush
from saas.core.db import db
from saas.core.errors import Conflict, Invalid, NotFound
from saas.core.events import emit
from saas.core.event_types import CUSTOMER_MERGED
from saas.core.types import utcnow

FILLED = ("company", "title", "industry", "region", "address", "email", "phone", "birthday", "source",
          "owner_id", "team", "notes")
COMBINED = ("social", "preferences", "custom_fields")  # the survivor's keys win


class ModuleRefusedMerge(Conflict):
    """An enabled module could not move its data: the whole merge is undone."""


def merge(survivor_id: uuid.UUID, merged_id: uuid.UUID, *, expected_version: int | None = None,
          expected_merged_version: int | None = None) -> Customer:
    """Merge customer ``merged_id`` into ``survivor_id`` in the current transaction; returns the survivor.

    ``expected_version`` and ``expected_merged_version`` are the versions the caller read of each
    (optional): a record changed since is a 409, so no one merges over a change they did not see."""
    if survivor_id == merged_id:
        raise Invalid("a customer cannot be merged into itself", {"merged_id": ["The same customer."]})
    survivor, merged = _lock(survivor_id, merged_id)
    check_version(survivor, expected_version)
    check_version(merged, expected_merged_version)
    try:
        merge_module_data(survivor.id, merged.id)
    except Exception as error:  # recorded for the admins by the plugin host; nothing is written
        raise ModuleRefusedMerge(f"an enabled module could not merge its data, so nothing was merged: {error}") from None
    moved = {}
    for model in (Purchase, Interaction):
        rows = db.session.scalars(sa.select(model).where(model.customer_id == merged.id)).all()
        for row in rows:
            row.customer_id = survivor.id
        moved[model.__tablename__] = len(rows)
    signals.merged.send(survivor.id, merged_id=merged.id)  # what other features keep comes along
    external_id = survivor.external_id or merged.external_id  # unique: the tombstone gives it up first
    if merged.external_id and not survivor.external_id:
        merged.external_id = None
        db.session.flush()
    with db.session.no_autoflush:  # loading the tags must not write half a merge: one version more
        survivor.external_id = external_id
        for field in FILLED:
            if getattr(survivor, field) in (None, "") and getattr(merged, field) not in (None, ""):
                setattr(survivor, field, getattr(merged, field))
        for field in COMBINED:
            setattr(survivor, field, {**(getattr(merged, field) or {}), **(getattr(survivor, field) or {})})
        survivor.tags = sorted({*survivor.tags, *merged.tags}, key=lambda tag: tag.name)
        survivor.updated_at = utcnow()  # a new version even when only purchases move
        merged.deleted_at = utcnow()
        merged.merged_into_id = survivor.id
    flush(survivor)
    emit(CUSTOMER_MERGED, customer_id=survivor.id, merged_id=merged.id, **moved)
    signals.activity_changed.send([survivor.id])
    return survivor


def _lock(survivor_id: uuid.UUID, merged_id: uuid.UUID) -> tuple[Customer, Customer]:
    """Both customers, locked in id order (two merges of the same pair cannot deadlock)."""
    found = {c.id: c for c in db.session.scalars(
        sa.select(Customer).where(Customer.id.in_([survivor_id, merged_id])).order_by(Customer.id).with_for_update()
    )}
    survivor, merged = found.get(survivor_id), found.get(merged_id)
    if survivor is None or survivor.deleted_at is not None:
        raise NotFound("customer not found")
    if merged is None:
        raise NotFound("the customer to merge was not found", {"merged_id": ["No such customer."]})
    if merged.merged_into_id is not None:
        raise Conflict(f"that customer was already merged into {merged.merged_into_id}",
                       {"merged_id": ["Already merged."]})
    if merged.deleted_at is not None:
        raise Conflict("that customer is deleted: restore it first", {"merged_id": ["Deleted."]})
    return survivor, merged
