"""Creating, changing, finding and soft-deleting customers."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from saas.core.accounts import Membership
from saas.core.customers import assignments, contact, custom_fields, signals
from saas.core.customers import tags as tag_service
from saas.core.customers.models import Customer
from saas.core.db import db
from saas.core.errors import Conflict, Invalid, NotFound
from saas.core.events import emit
from saas.core.event_types import CUSTOMER_CREATED, CUSTOMER_DELETED, CUSTOMER_RESTORED, CUSTOMER_UPDATED
from saas.core.plugins import installed
from saas.core.tenancy import current_tenant, get_owned
from saas.core.types import utcnow


def get(customer_id: uuid.UUID, *, include_deleted: bool = False) -> Customer:
    customer = get_owned(Customer, customer_id, "customer not found")
    if customer.deleted_at is not None and not include_deleted:
        raise NotFound("customer not found")
    return customer


def _check_owner(owner_id: uuid.UUID | None) -> None:
    if owner_id is None:
        return
    exists = db.session.scalar(sa.select(Membership.id).where(Membership.user_id == owner_id))
    if exists is None:
        raise Invalid("the owner is not a member of this workspace", {"owner_id": ["Not a member."]})


def clean_contact(data: dict) -> dict:
    """``data`` with its e-mail and phone normalised (E.164 in the workspace's phone region); 422 if
    either cannot be one."""
    errors = {}
    region = contact.region_of(current_tenant().settings)
    for field, normalise in (("email", contact.email), ("phone", lambda raw: contact.phone(raw, region))):
        if data.get(field):
            value, problem = normalise(data[field])
            if problem:
                errors[field] = [problem]
            data[field] = value
    if errors:
        raise Invalid("invalid contact data", errors)
    return data


def create(data: dict) -> Customer:
    data = clean_contact(dict(data))
    tags = tag_service.named(data.pop("tags", []))
    _check_owner(data.get("owner_id"))
    data["custom_fields"] = custom_fields.validate(data.pop("custom_fields", {}) or {})
    customer = Customer(**data, tags=tags)
    _check_with_modules(customer, data)
    _check_external_id(data.get("external_id"))
    db.session.add(customer)
    flush(customer)
    signals.created.send([customer.id])
    emit(CUSTOMER_CREATED, customer_id=customer.id, name=customer.name)
    assignments.tell_new_owner(customer.owner_id, [customer])
    return customer


def update(customer: Customer, data: dict, *, expected_version: int | None = None,
           tell_owner: bool = True) -> Customer:
    """Apply a partial update; a stale ``expected_version`` raises :class:`Conflict`. A new account
    manager is notified (``tell_owner=False``: the caller tells them once for many customers)."""
    check_version(customer, expected_version)
    with db.session.no_autoflush:  # the checks' queries must not write half the change as a version of its own
        changed = _apply(customer, clean_contact(dict(data)))
    flush(customer)  # before telling the new owner: notify() flushes, and a concurrent edit is a 409 here
    if tell_owner and "owner_id" in changed:
        assignments.tell_new_owner(customer.owner_id, [customer])
    return customer


def _apply(customer: Customer, data: dict) -> list[str]:
    """Set ``data`` on ``customer`` (checked, the event recorded); returns the fields that changed."""
    if "tags" in data:
        tags = tag_service.named(data.pop("tags"))
        if tags != customer.tags:
            customer.tags = tags
            customer.updated_at = utcnow()  # a new version: tags are part of the record
    if "owner_id" in data:
        _check_owner(data["owner_id"])
    if data.get("external_id") and data["external_id"] != customer.external_id:
        _check_external_id(data["external_id"])
    if "custom_fields" in data:
        data["custom_fields"] = custom_fields.validate(data.pop("custom_fields") or {}, existing=customer.custom_fields)
    for key, value in data.items():
        setattr(customer, key, value)
    _check_with_modules(customer, data)
    state = sa.inspect(customer)
    changed = sorted(key for key in (*data, "tags") if state.attrs[key].history.has_changes())
    if changed:
        emit(CUSTOMER_UPDATED, customer_id=customer.id, fields=changed)
    return changed


def find_by_external_id(external_id: str) -> Customer | None:
    return db.session.scalar(sa.select(Customer).where(Customer.external_id == external_id))


def _check_external_id(external_id: str | None) -> None:
    if external_id and find_by_external_id(external_id) is not None:
        raise Conflict(f"external_id '{external_id}' belongs to another customer",
                       {"external_id": ["Already used by another customer."]})


def check_version(customer: Customer, expected_version: int | None) -> None:
    """Optimistic locking: the version the client read must still be the customer's (409 if not)."""
    if expected_version is not None and expected_version != customer.version:
        raise Conflict(
            f"the customer was changed meanwhile (version {customer.version}, you sent {expected_version})",
            {"version": ["Stale version; reload and try again."]},
        )


def _check_with_modules(customer: Customer, changes: dict) -> None:
    """The enabled modules' ``saas_validate_customer``: any field error refuses the change (422)."""
    errors: dict[str, list[str]] = {}
    for _, found in installed().call_current("saas_validate_customer", customer=customer, changes=changes):
        for field, messages in (found or {}).items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise Invalid("the customer breaks a rule of an enabled module", errors)


def flush(customer: Customer) -> Customer:
    """Write the pending changes now; a concurrent change to the same customer is a 409."""
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict("the customer was changed meanwhile; reload and try again") from None
    except sa.exc.IntegrityError:  # a concurrent request took the same external_id
        raise Conflict("external_id already belongs to another customer",
                       {"external_id": ["Already used by another customer."]}) from None
    return customer


def soft_delete(customer: Customer) -> None:
    customer.deleted_at = utcnow()
    flush(customer)
    emit(CUSTOMER_DELETED, customer_id=customer.id)


def restore(customer: Customer) -> Customer:
    if customer.deleted_at is None:
        raise Conflict("the customer is not deleted")
    if customer.merged_into_id is not None:
        raise Conflict(f"the customer was merged into {customer.merged_into_id}; it stays as a record of the merge")
    customer.deleted_at = None
    flush(customer)
    emit(CUSTOMER_RESTORED, customer_id=customer.id)
    signals.activity_changed.send([customer.id])
    return customer
