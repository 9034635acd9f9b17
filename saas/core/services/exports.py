"""Taking customers out: any segment as CSV or XLSX, in batches, safe to open in a spreadsheet.

A CSV cell that starts with ``= + - @`` (or a tab or carriage return) would run as a formula in
Excel, LibreOffice or Google Sheets; such text gets a leading apostrophe (OWASP's "CSV injection"
advice). In XLSX every text is a string cell with Excel's quote prefix, so it is never a formula and
stays one's own text. Numbers and dates are written as values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import uuid
from decimal import Decimal
from typing import Any, Iterator

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from saas.core.classification import CustomerFigures
from saas.core.customers.module_data import export_fields
from saas.core.customers import CustomFieldDefinition, Customer, CustomerTag, Tag
from saas.core.db import db
from saas.core.segments import SegmentFilter, conditions, with_figures
from saas.core.sql import strings_of
from saas.core.tenancy import tenant_context

BATCH = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
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


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula, made plain text; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (bool, int, Decimal, dt.date)):
        return value.replace(tzinfo=None) if isinstance(value, dt.datetime) else value  # spreadsheets: UTC, no zone
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(item) for item in value)
    return str(getattr(value, "value", value))


def rows(tenant_id: uuid.UUID, filters: tuple[SegmentFilter, ...]) -> Iterator[list]:
    """The header, then one row per live customer matching every filter, fetched ``BATCH`` at a time.

    Each batch opens its own tenant context, so the rows can be produced while a response streams.
    """
    with tenant_context(tenant_id):
        modules = export_fields()
        definitions = _custom_field_keys()
    yield ([label for _, label, _ in COLUMNS] + ["Tags"] + [label for label, _ in definitions]
           + [f"{field.label} ({module})" for module, field in modules])
    after = None
    while True:
        with tenant_context(tenant_id):
            stmt = with_figures(sa.select(*(column for _, _, column in COLUMNS), _TAGS.label("tags"),
                                          Customer.custom_fields))
            stmt = stmt.where(Customer.deleted_at.is_(None), *(c for f in filters for c in conditions(f)))
            if after is not None:
                stmt = stmt.where(Customer.id > after)
            batch = db.session.execute(stmt.order_by(Customer.id).limit(BATCH)).all()
            extra = [field.values([row.id for row in batch]) for _, field in modules] if batch else []
            db.session.rollback()
        for row in batch:
            custom = row.custom_fields or {}
            yield ([_cell(value) for value in row[:len(COLUMNS)]] + [_cell(row.tags)]
                   + [_cell(custom.get(key)) for _, key in definitions]
                   + [_cell(values.get(row.id)) for values in extra])
        if len(batch) < BATCH:
            return
        after = batch[-1].id


def _custom_field_keys() -> list[tuple[str, str]]:
    found = db.session.execute(sa.select(CustomFieldDefinition.label, CustomFieldDefinition.key)
                               .order_by(CustomFieldDefinition.key)).all()
    return [(label, key) for label, key in found]


def as_csv(lines: Iterator[list]) -> Iterator[str]:
    """CSV text in chunks, with a byte-order mark so Excel reads the UTF-8 (Chinese names) right."""
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for n, line in enumerate(lines, 1):
        writer.writerow([neutralise(value) for value in line])
        if n % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))  # control characters XML cannot hold
    cell.data_type = "s"  # never a formula, whatever it starts with (openpyxl makes "=..." one)
    cell.quotePrefix = True
    return cell


def as_xlsx(lines: Iterator[list]) -> tempfile.SpooledTemporaryFile:
    """An XLSX workbook (written row by row in openpyxl's write-only mode) in a temporary file."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Customers")
    for line in lines:
        sheet.append([_text_cell(sheet, value) if isinstance(value, str) else value for value in line])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    book.save(out)
    out.seek(0)
    return out
