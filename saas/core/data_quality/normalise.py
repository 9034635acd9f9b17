"""Every e-mail and phone rewritten in its normal form: a job, a page of customers a transaction.

A workspace of a million records written before normalisation (or straight into the database)
would be a million audited updates and ``customer.updated`` events; in one request they held the
customers' rows, and the request, for minutes. The job walks the live customers by keyset pages
(:func:`saas.core.batches.committed_pages`) and commits after each, so a person editing a record
waits for one page at most. It is safe to stop: a page committed is normal, and a rerun finds
nothing to change there (a value is rewritten to its normal form, never by a delta), so no record
is updated, audited or announced twice.
"""

from __future__ import annotations

import logging
import uuid

import sqlalchemy as sa

from saas.core import batches
from saas.core.accounts import Tenant
from saas.core.customers import Customer, contact
from saas.core.customers import records as customer_service
from saas.core.data_quality import scan
from saas.core.db import db
from saas.core.queues import current_queue, job
from saas.core.tenancy import current_tenant, current_tenant_id, tenant_context

log = logging.getLogger(__name__)
TIMEOUT = 3600


def normalise_all() -> dict[str, int]:
    """Rewrite every e-mail and phone of the bound workspace that has a normal form in it (invalid
    ones stay, for a person to fix), committing a page at a time; each change goes through the
    ORM, so it is audited and emits ``customer.updated``. Returns how many of each changed."""
    region, changed = contact.region_of(current_tenant().settings), {"email": 0, "phone": 0}
    live = sa.select(Customer.id, Customer.email, Customer.phone).where(
        Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))
    for page in batches.committed_pages(live, [Customer.id]):
        changes = {}
        for person in page:
            fields = {}
            for field, normalise in (("email", contact.email), ("phone", lambda raw: contact.phone(raw, region))):
                raw = getattr(person, field)
                value, problem = normalise(raw)
                if raw and not problem and value != raw:
                    fields[field] = value
            if fields:
                changes[person.id] = fields
        if not changes:
            continue
        customers = db.session.scalars(sa.select(Customer).where(Customer.id.in_(list(changes))))
        for customer in customers:
            customer_service.update(customer, changes[customer.id])
            for field in changes[customer.id]:
                changed[field] += 1
    return changed


def job_key(tenant_id) -> str:
    return f"normalise:{tenant_id}"


def schedule(tenant_id: uuid.UUID) -> None:
    """Queue the rewrite of the workspace's contact data (a waiting one is enough)."""
    current_queue().enqueue_once(job_key(tenant_id), normalise_tenant, str(tenant_id), queue="low", timeout=TIMEOUT)


@job
def normalise_tenant(tenant_id: str) -> dict[str, int]:
    """The job: :func:`normalise_all` for one workspace, then a duplicate scan, so that the report
    counts the flags as they are now."""
    current_queue().started(job_key(tenant_id))
    with tenant_context(uuid.UUID(tenant_id)):
        if db.session.get(Tenant, uuid.UUID(tenant_id)) is None:
            return {}
        changed = normalise_all()
        db.session.commit()
        scan.schedule_scan(current_tenant_id())
    log.info("tenant %s: %d e-mails and %d phones rewritten in their normal form", tenant_id, changed["email"],
             changed["phone"])
    return changed
