"""Keyset cursors (``saas.core.pagination``): what a cursor carries comes back typed as its sort
columns are, and a forged value is refused."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

import pytest
import sqlalchemy as sa

from saas.core.pagination import BadCursor, decode_cursor, encode_cursor, spec_of

SPEC = spec_of([sa.column("score", sa.SmallInteger), sa.column("at", sa.DateTime), sa.column("id", sa.Uuid)])


def _token(values) -> str:
    raw = json.dumps({"k": [name for name, _ in SPEC], "v": values}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_cursor_on_a_whole_number_column_comes_back_as_the_number():
    values = [82, dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.timezone.utc), uuid.uuid4()]
    assert decode_cursor(encode_cursor(SPEC, values), SPEC) == values


def test_a_cursor_on_a_date_column_comes_back_as_the_date():
    spec = [("due_on", dt.date), ("id", uuid.UUID)]
    values = [dt.date(2026, 12, 18), uuid.uuid4()]
    assert decode_cursor(encode_cursor(spec, values), spec) == values
    with pytest.raises(BadCursor):
        decode_cursor(encode_cursor([("due_on", str), ("id", str)], ["someday", str(values[1])]), spec)


@pytest.mark.parametrize("score", ["82", True, 8.5, None, 2**15, -2**15 - 1, 2**63])
def test_a_cursor_whose_number_is_not_a_whole_number_is_refused(score):
    with pytest.raises(BadCursor):
        decode_cursor(_token([score, "2026-03-01T08:30:00+00:00", str(uuid.uuid4())]), SPEC)


@pytest.mark.parametrize("column, largest", [(sa.SmallInteger, 2**15 - 1), (sa.Integer, 2**31 - 1),
                                              (sa.BigInteger, 2**63 - 1)])
def test_a_cursor_s_number_stays_within_its_column_s_type(column, largest):
    """Out of the type's range, the database would fail the query (a 500): the cursor is refused."""
    spec = spec_of([sa.column("n", column)])
    assert decode_cursor(encode_cursor(spec, [largest]), spec) == [largest]
    with pytest.raises(BadCursor):
        decode_cursor(encode_cursor(spec, [largest + 1]), spec)
