"""Reading a spreadsheet row by row, whatever it was saved as: CSV in UTF-8 (with or without a BOM)
or GB18030 (old Chinese Excel exports), or XLSX. Memory stays flat: CSV is decoded as a stream and
XLSX read by openpyxl's read-only mode.

A file that cannot be read at all raises :class:`FileProblem` with a sentence for the person who
uploaded it; cells that cannot be taken as they are (an XLSX formula) come back as :class:`Formula`.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from xml.etree.ElementTree import iterparse

from openpyxl import load_workbook

# what a person may name, as read here (utf-8-sig reads UTF-8 with and without the BOM)
NAMED_ENCODINGS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}
CHUNK = 1 << 16
MAX_FIELD = 100_000


class FileProblem(ValueError):
    """The file as a whole cannot be imported; nothing is written."""


@dataclass(frozen=True)
class Formula:
    text: str


@dataclass(frozen=True)
class Sheet:
    kind: str  # "csv" or "xlsx"
    encoding: str | None
    header: list[str]
    delimiter: str = ","


def kind_of(path: Path) -> str:
    with open(path, "rb") as f:
        start = f.read(4)
    if not start:
        raise FileProblem("The file is empty (0 bytes).")
    return "xlsx" if start == b"PK\x03\x04" else "csv"


def open_sheet(path: Path, encoding: str | None = None) -> Sheet:
    """Check the file and read its header; raises :class:`FileProblem`.

    ``encoding`` (``utf-8`` or ``gb18030``) names a CSV's encoding instead of guessing it."""
    kind = kind_of(path)
    if kind == "csv":
        encoding = _csv_encoding(path) if encoding is None else _named_encoding(path, encoding)
    else:
        encoding = None
    delimiter = _delimiter(path, encoding) if kind == "csv" else ","
    if kind == "xlsx":
        _refuse_merged_cells(path)
    rows = rows_of(path, Sheet(kind, encoding, [], delimiter), with_header=True)
    _, header = next(rows, (None, None))
    if header is None or not any(str(cell or "").strip() for cell in header):
        raise FileProblem("The file has no header row.")
    names = [str(cell or "").strip() for cell in header]
    if len(set(n for n in names if n)) != len([n for n in names if n]):
        raise FileProblem("Two columns have the same name in the header row.")
    if next(rows, None) is None:
        raise FileProblem("The file has a header row but no data rows.")
    return Sheet(kind, encoding, names, delimiter)


def _csv_encoding(path: Path) -> str:
    """The first of UTF-8 and GB18030 that decodes the whole file (read in chunks).

    GB18030 decodes almost any bytes: a Latin-1 "Müller" reads as "M黮ler". Real Chinese text is
    mostly the common (GB2312) characters, so a file whose text is mostly rare ones is refused with
    a hint instead of being imported as gibberish; naming the encoding overrides the guess (a file
    in traditional characters needs it)."""
    if _decodes(path, "utf-8-sig"):
        return "utf-8-sig"
    if not _decodes(path, "gb18030"):
        raise FileProblem("The file is neither UTF-8 nor GB18030 text: save it as CSV UTF-8, or as XLSX.")
    if not _reads_as_chinese(path):
        raise FileProblem("The file does not look like UTF-8 or GB18030 text (it may be Latin-1 or another "
                          "encoding): save it as CSV UTF-8 or as XLSX, or name its encoding if it is GB18030.")
    return "gb18030"


def _named_encoding(path: Path, name: str) -> str:
    encoding = NAMED_ENCODINGS[name]
    if not _decodes(path, encoding):
        raise FileProblem(f"The file is not {name} text: save it as CSV UTF-8, or as XLSX.")
    return encoding


def _decoded(path: Path, encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            yield decoder.decode(chunk)
        yield decoder.decode(b"", final=True)


def _decodes(path: Path, encoding: str) -> bool:
    try:
        for _ in _decoded(path, encoding):
            pass
    except UnicodeDecodeError:
        return False
    return True


def _reads_as_chinese(path: Path) -> bool:
    """At least half of the file's non-ASCII characters are common Chinese (GB2312) ones."""
    wide = common = 0
    for text in _decoded(path, "gb18030"):
        ascii_ = len(text.encode("ascii", "ignore"))
        wide += len(text) - ascii_
        common += (len(text.encode("gb2312", "ignore")) - ascii_) // 2  # two bytes each in GB2312
    return 2 * common >= wide
def _refuse_merged_cells(path: Path) -> None:
    """Merged cells hide which row a value belongs to: the sheet must be unmerged first.

    Read-only openpyxl does not load merges, so the worksheet's XML is scanned for them: the part
    openpyxl reads rows from (the workbook's first worksheet, stored under any part name)."""
    with _workbook(path) as book:
        if not book.worksheets:
            raise FileProblem("The XLSX file has no worksheet.")
        part = book.worksheets[0]._worksheet_path  # openpyxl keeps it on the read-only sheet
    try:
        with zipfile.ZipFile(path) as archive, archive.open(part) as sheet:
            for _, element in iterparse(sheet):
                if element.tag.endswith("}mergeCell"):
                    raise FileProblem(f"The sheet has merged cells ({element.get('ref')}): unmerge them "
                                      "so every row has its own values.")
                element.clear()
    except (zipfile.BadZipFile, KeyError, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError) as error:
        raise FileProblem(f"The file is not a readable XLSX workbook ({type(error).__name__}).") from None
    except SyntaxError as error:  # ElementTree's ParseError
        raise FileProblem(f"The XLSX worksheet is damaged ({error}).") from None


@contextlib.contextmanager
def _workbook(path: Path) -> Iterator:
    """The workbook, read-only (rows stream from the file); a damaged one is a :class:`FileProblem`."""
    with open(path, "rb") as handle:  # a file object: openpyxl would refuse a path without ".xlsx"
        try:
            book = load_workbook(handle, read_only=True, data_only=False)
        except Exception as error:  # openpyxl raises many kinds on a damaged file
            raise FileProblem(f"The file is not a readable XLSX workbook ({type(error).__name__}).") from None
        try:
            yield book
        finally:
            book.close()


def rows_of(path: Path, sheet: Sheet, *, with_header: bool = False) -> Iterator[tuple[int, list]]:
    """``(row number, cells)`` of the non-blank rows, numbered as a spreadsheet shows them (the
    header is row 1); cells are text for CSV, and text, numbers, dates or :class:`Formula` for XLSX."""
    reader = _csv_rows(path, sheet.encoding, sheet.delimiter) if sheet.kind == "csv" else _xlsx_rows(path)
    for number, row in enumerate(reader, 1):
        if number == 1 and not with_header:
            continue
        if any(cell not in (None, "") for cell in row):
            yield number, row


def _delimiter(path: Path, encoding: str) -> str:
    """Comma, semicolon (European Excel) or tab, as the first lines show."""
    with open(path, encoding=encoding, newline="") as text:
        sample = "".join(text.readline() for _ in range(20))
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[list]:
    csv.field_size_limit(MAX_FIELD)
    with open(path, encoding=encoding, newline="") as text:
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        try:
            yield from reader
        except csv.Error as error:
            raise FileProblem(f"The CSV is malformed near line {reader.line_num}: {error}.") from None


def _xlsx_rows(path: Path) -> Iterator[list]:
    with _workbook(path) as book:
        if not book.worksheets:
            raise FileProblem("The XLSX file has no worksheet.")
        rows = book.worksheets[0].iter_rows()
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as error:  # a damaged sheet: bad XML, impossible cell values
                raise FileProblem(f"The XLSX worksheet cannot be read ({type(error).__name__}).") from None
            yield [Formula(str(cell.value)) if getattr(cell, "data_type", None) == "f" else cell.value
                   for cell in row]


def text_of(cell) -> str:
    """A cell as the text a person would have typed."""
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()
