"""Writing rows out for spreadsheets, as CSV or XLSX, safe to open.

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

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

BATCH = 1000  # CSV lines per chunk
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula, made plain text; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_value(value: Any) -> Any:
    """A value as a spreadsheet cell holds it: text, a number, a date (UTC, without a zone), or empty."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, Decimal, dt.date)):
        return value.replace(tzinfo=None) if isinstance(value, dt.datetime) else value  # spreadsheets: UTC, no zone
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(item) for item in value)
    return str(getattr(value, "value", value))


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


def as_xlsx(lines: Iterator[list], title: str = "Customers") -> tempfile.SpooledTemporaryFile:
    """An XLSX workbook of one sheet, ``title`` (written row by row in openpyxl's write-only mode),
    in a temporary file."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for line in lines:
        sheet.append([_text_cell(sheet, value) if isinstance(value, str) else value for value in line])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    book.save(out)
    out.seek(0)
    return out
