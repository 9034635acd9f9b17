"""Taking customers out: the rows of any segment, in batches, for a spreadsheet
(:mod:`saas.core.spreadsheets` writes them as CSV or XLSX)."""

from __future__ import annotations

import uuid
from typing import Iterator

import sqlalchemy as sa

from saas.core.classification import CustomerFigures
from saas.core.customers import Customer, CustomerTag, CustomFieldDefinition, Tag
from saas.core.customers.module_data import export_fields
from saas.core.db import db
from saas.core.segments.matching import conditions, with_figures
from saas.core.segments.models import SegmentFilter
from saas.core.spreadsheets import cell_value
from saas.core.sql import strings_of
from saas.core.tenancy import tenant_context

BATCH = 1000
COLUMNS = (  # (key, label, column)
    ("id", "Id", Customer.id), ("external_id", "External id", Customer.external_id),
    ("name", "Name", Customer.name), ("kind", "Kind", Customer.kind), ("company", "Company", Customer.company),
    ("title", "Title", Customer.title), ("industry", "Industry", Customer.industry),
    ("region", "Region", Customer.region), ("address", "Address", Customer.address),
    ("email", "Email", Customer.email), ("phone", "Phone", Customer.phone),
    ("birthday", "Birthday", Customer.birthday), ("source", "Source", Customer.source),
    ("owner_id", "Owner id", Customer.owner_id), ("team", "Team", Customer.team),
    ("tier", "Tier", CustomerFigures.tier), ("lifecycle_stage", "Lifecycle stage", CustomerFigures.lifecycle_stage),
    ("revenue_window", "Spend in window", CustomerFigures.revenue_window),
    ("revenue_total", "Revenue total", CustomerFigures.revenue_total),
    ("orders_total", "Orders total", CustomerFigures.orders_total),
    ("last_purchase_at", "Last purchase", CustomerFigures.last_purchase_at),
    ("created_at", "Created", Customer.created_at),
)
_TAGS = strings_of(
    sa.select(Tag.name).join(CustomerTag, sa.and_(Tag.tenant_id == CustomerTag.tenant_id, Tag.id == CustomerTag.tag_id))
    .where(CustomerTag.tenant_id == Customer.tenant_id, CustomerTag.customer_id == Customer.id).order_by(Tag.name)
)


def rows(tenant_id: uuid.UUID, filters: tuple[SegmentFilter, ...], *,
         ids: tuple[uuid.UUID, ...] | None = None) -> Iterator[list]:
    """The header, then one row per live customer matching every filter (and among ``ids`` if
    given: a selection), fetched ``BATCH`` at a time.

    Each batch opens its own tenant context, so the rows can be produced while a response streams.
    """
    with tenant_context(tenant_id):
        modules = export_fields()
        definitions = _custom_field_keys()
        matched = [c for f in filters for c in conditions(f)]  # once: a module's conditions ask its hook
    yield ([label for _, label, _ in COLUMNS] + ["Tags"] + [label for label, _ in definitions]
           + [f"{field.label} ({module})" for module, field in modules])
    after = None
    while True:
        with tenant_context(tenant_id):
            stmt = with_figures(sa.select(*(column for _, _, column in COLUMNS), _TAGS.label("tags"),
                                          Customer.custom_fields))
            stmt = stmt.where(Customer.deleted_at.is_(None), *matched)
            if ids is not None:
                stmt = stmt.where(Customer.id.in_(ids))
            if after is not None:
                stmt = stmt.where(Customer.id > after)
            batch = db.session.execute(stmt.order_by(Customer.id).limit(BATCH)).all()
            extra = [field.values([row.id for row in batch]) for _, field in modules] if batch else []
            db.session.rollback()
        for row in batch:
            custom = row.custom_fields or {}
            yield ([cell_value(value) for value in row[:len(COLUMNS)]] + [cell_value(row.tags)]
                   + [cell_value(custom.get(key)) for _, key in definitions]
                   + [cell_value(values.get(row.id)) for values in extra])
        if len(batch) < BATCH:
            return
        after = batch[-1].id


def _custom_field_keys() -> list[tuple[str, str]]:
    found = db.session.execute(sa.select(CustomFieldDefinition.label, CustomFieldDefinition.key)
                               .order_by(CustomFieldDefinition.key)).all()
    return [(label, key) for label, key in found]
