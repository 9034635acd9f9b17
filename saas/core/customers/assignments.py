"""Telling an account manager that customers were given to them by someone else (one notification
for a bulk assignment, not one per customer)."""

from __future__ import annotations

import uuid

from saas.core.accounts import acting_person
from saas.core.customers.models import Customer
from saas.core.messages import N_
from saas.core.notifications import notify


def tell_new_owner(owner_id: uuid.UUID | None, customers: list[Customer]) -> None:
    """Notify ``owner_id`` that ``customers`` are now theirs, unless they did it themselves."""
    if owner_id is None or not customers or owner_id == acting_person():
        return
    if len(customers) == 1:
        notify([owner_id], N_("%(customer)s is now your customer"), params={"customer": customers[0].name},
               link=f"/customers/{customers[0].id}", kind="core.customer_assigned")
    else:
        notify([owner_id], N_("%(count)s customers are now yours"), params={"count": len(customers)},
               link=f"/customers?owner_id={owner_id}", kind="core.customer_assigned")
