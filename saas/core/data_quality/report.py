"""The workspace's data quality (信息管理准确率): completeness, invalid values, likely duplicates.

Accuracy, the seed plan's figure (target 98%), is the share of live customer records with nothing
to fix: no e-mail or phone that is invalid or written other than in its normal form, and not the
surplus record of a likely duplicate pair (of a pair, one record is the customer, the other the
error). Nothing here compares records: the duplicate scan (:mod:`saas.core.data_quality.scan`, a
job) keeps each customer's keys and flags and the pairs it found, and the report counts them in
SQL, with the time of the last scan (``computed_at``). Pairs whose records were merged or deleted
since are left out at once; a record changed since counts as it was at the scan.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from saas.core import pagination
from saas.core.customers import Customer
from saas.core.data_quality import scan
from saas.core.data_quality.models import CLEAN, INVALID, UNNORMALISED, DuplicateKeys, DuplicatePair
from saas.core.db import db
from saas.core.tenancy import current_tenant_id

KEY_FIELDS = ("phone", "email", "region", "industry", "owner_id", "source")
TARGET = 0.98
BATCH = 5000
K, P = DuplicateKeys, DuplicatePair


@dataclass(frozen=True)
class Contact:
    id: uuid.UUID
    name: str
    company: str | None
    email: str | None
    phone: str | None
    version: int  # what a merge of the pair sends back, so a record changed meanwhile is not merged over


@dataclass(frozen=True)
class Window:
    """Customers created in ``[start, end)``; everyone by default."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None

    def condition(self, of=Customer):
        return sa.and_(of.deleted_at.is_(None), of.merged_into_id.is_(None),
                       of.created_at >= self.start if self.start else sa.true(),
                       of.created_at < self.end if self.end else sa.true())


def contacts(window: Window = Window()) -> list[Contact]:
    """Every live customer's name and contact data, oldest first."""
    rows = db.session.execute(
        sa.select(Customer.id, Customer.name, Customer.company, Customer.email, Customer.phone, Customer.version)
        .where(window.condition()).order_by(Customer.created_at, Customer.id).execution_options(yield_per=BATCH))
    return [Contact(*row) for row in rows]


First, Second = aliased(Customer, name="first"), aliased(Customer, name="second")


def _pairs(window: Window, min_score: int) -> sa.Select:
    """The stored pairs scoring ``min_score`` or more whose two records are live (and in ``window``)."""
    tenant_id = current_tenant_id()
    return (sa.select(P.id, P.first_id, P.second_id, P.score, P.reason, P.found_at)
            .join(First, sa.and_(First.tenant_id == P.tenant_id, First.id == P.first_id))
            .join(Second, sa.and_(Second.tenant_id == P.tenant_id, Second.id == P.second_id))
            .where(P.tenant_id == tenant_id, P.score >= min_score, window.condition(First), window.condition(Second)))


def report(window: Window = Window(), *, min_score: int = 90) -> dict:
    """Completeness of the key fields, invalid and unnormalised values, duplicates and accuracy:
    a handful of statements over the customers, their keys and the stored pairs."""
    live = db.session.execute(sa.select(
        sa.func.count(),
        *(sa.func.sum(sa.case((sa.and_(getattr(Customer, f).is_not(None),
                                       sa.cast(getattr(Customer, f), sa.String) != ""), 1), else_=0))
          for f in KEY_FIELDS)).where(window.condition())).one()
    total = live[0]
    keyed = sa.and_(K.tenant_id == Customer.tenant_id, K.customer_id == Customer.id)
    flags = db.session.execute(sa.select(*(
        sa.func.coalesce(sa.func.sum(sa.case((getattr(K, f"{field}_flag") == flag, 1), else_=0)), 0)
        for flag in (INVALID, UNNORMALISED) for field in ("email", "phone")))
        .select_from(Customer).join(K, keyed).where(window.condition())).one()
    pairs = _pairs(window, min_score).subquery("pairs")
    counted = db.session.execute(sa.select(
        sa.select(sa.func.count()).select_from(pairs).scalar_subquery(),
        sa.select(sa.func.count()).select_from(
            sa.union(sa.select(pairs.c.first_id), sa.select(pairs.c.second_id)).subquery()).scalar_subquery(),
    )).one()
    to_fix = db.session.scalar(sa.select(sa.func.count()).select_from(Customer).outerjoin(K, keyed).where(
        window.condition(), sa.or_(K.email_flag != CLEAN, K.phone_flag != CLEAN,
                                   Customer.id.in_(sa.select(pairs.c.second_id)))))
    last = scan.last_scan()
    return {
        "customers": total,
        "completeness": {field: _share(filled or 0, total) for field, filled in zip(KEY_FIELDS, live[1:])},
        "invalid": {"email": flags[0], "phone": flags[1]},
        "unnormalised": {"email": flags[2], "phone": flags[3]},
        "duplicate_pairs": counted[0],
        "duplicate_rate": _share(counted[1], total),
        "accuracy": _share(total - to_fix, total),
        "target": TARGET,
        "computed_at": last.finished_at if last else None,
    }


def pairs_page(*, min_score: int = 90, cursor: str | None = None, limit: int = 100,
               window: Window = Window()) -> pagination.Page:
    """The stored pairs, best first (score, then newest), a page at a time; each item a dict with
    both records' name, company, e-mail, phone and version (what a merge button sends back)."""
    people = [getattr(side, field).label(f"{prefix}_{field}") for prefix, side in (("first", First), ("second", Second))
              for field in ("name", "company", "email", "phone", "version")]
    stmt = _pairs(window, min_score).add_columns(*people)
    return pagination.paginate(stmt, db.session, [P.score, P.id], descending=True, cursor=cursor, limit=limit,
                               as_dicts=True)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
