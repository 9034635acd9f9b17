"""Finding likely duplicates as a job, over stored keys, for new and changed customers only.

A scan of a workspace does three things, each resumable after a crash:

1. *Keys*: every live customer whose ``version`` differs from its ``duplicate_keys.computed_from``
   (or who has no keys yet) gets its normalised e-mail and phone (:mod:`saas.core.customers.contact`),
   its name key (name and company, lower case, punctuation as spaces) and the flags the report
   counts (invalid, not in normal form); committed every ``BATCH`` customers and marked ``dirty``.
   Keys of deleted and merged customers go, with their pairs.
2. *Pairs of the dirty customers*: their old pairs go, then they are paired again (the older
   record first): with the oldest other record of the same e-mail, the same phone or the same name
   key (score 100, one SQL statement per key, on the indexed keys), and by name in a *sorted
   neighbourhood* of the distinct name keys, each standing for its oldest record: the keys are
   sorted, and each is compared with its next ``WINDOW`` keys by rapidfuzz's ``WRatio`` in
   vectorised batches (``process.cpdist``, every core); a second pass sorts the keys reversed, so
   that two names that differ in their first characters (a typo in the surname, "Wang Fang" and
   "Wnag Fang") still meet at their common ending. Pairs scoring at least ``FLOOR`` are
   kept; the report filters them by its ``min_score``. Inserts are committed in batches; only once
   every pair is written are the keys no longer dirty, so a crash means the next run pairs them again.
3. When the scan finished is kept in ``duplicate_scans``: the report says how old its pairs are.

What the sorted neighbourhood misses, compared with comparing every two names of a block of the same
first character (the method before it): two similar names further apart than ``WINDOW`` keys in both
orderings, which happens where many keys share both a beginning and an ending that sort between them
(a common surname and a common given name: "王芳" and "王 芳" among thousands of "王…芳"s). The
benchmark (``bench/duplicates.py``) measures the recall of planted pairs against the old method's.
The reason in return: the work grows as ``n log n`` (the sort) plus ``2 * WINDOW * n`` comparisons,
instead of the square of the largest block (70,000 "王"s in a million Chinese customers).

Each record of a common name is paired with the oldest one only, and two similar names through
their oldest records, where the old method paired every two (a group of likely duplicates is the
same; the count of pairs is smaller).

Incremental runs compare only the windows around the keys of dirty customers (a changed name may
also move two unchanged neighbours apart: their stored pair stays, it was found when they were
neighbours). What an incremental run leaves for a full one (``full=True``): when the oldest record
of a name changes its name, the next oldest becomes the name's representative, but its pairs with
similar names are only found when it or they change.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Iterable, Iterator

import numpy as np
import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlalchemy.dialects import postgresql, sqlite

from saas.core.accounts import Tenant
from saas.core.customers import Customer, contact
from saas.core.data_quality.models import CLEAN, INVALID, UNNORMALISED, DuplicateKeys, DuplicatePair, DuplicateScan
from saas.core.db import db
from saas.core.hooktypes import Schedule
from saas.core.queues import after_commit, current_queue, job
from saas.core.tenancy import current_tenant, current_tenant_id, tenant_context
from saas.core.types import new_id, utcnow

log = logging.getLogger(__name__)

BATCH = 5000  # customers whose keys are computed, or pairs written, per transaction
WINDOW = 10  # neighbours each name key is compared with, in each of the two orderings
FLOOR = 80  # the lowest name score kept: the report's min_score cannot ask for less
SCAN_TIMEOUT = 3600  # seconds: a first scan of a million customers takes a few minutes
SAME_EMAIL, SAME_PHONE, SIMILAR_NAME = "same e-mail", "same phone", "similar name and company"
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)

K = DuplicateKeys
P = DuplicatePair


def live() -> sa.ColumnElement:
    return sa.and_(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None))


def name_key(name: str | None, company: str | None) -> str | None:
    key = _NOISE.sub(" ", f"{name or ''} {company or ''}").strip().casefold()
    return key[:402] or None


def _checked(normalised: tuple[str | None, str | None], raw: str | None) -> tuple[str | None, int]:
    value, problem = normalised
    if problem:
        return None, INVALID
    return value, UNNORMALISED if raw and value != raw else CLEAN


def keys_of(row, region: str) -> dict:
    """One customer's keys (``row``: id, name, company, email, phone, version, created_at)."""
    email, email_flag = _checked(contact.email(row.email), row.email)
    phone, phone_flag = _checked(contact.phone(row.phone, region), row.phone)
    return {"customer_id": row.id, "created_at": row.created_at, "email_key": email, "phone_key": phone,
            "name_key": name_key(row.name, row.company), "email_flag": email_flag, "phone_flag": phone_flag,
            "computed_from": row.version, "dirty": True}


# -- the job -----------------------------------------------------------------------------------------

def job_key(tenant_id) -> str:
    return f"duplicates:{tenant_id}"


def schedule_scan(tenant_id: uuid.UUID, *, full: bool = False) -> None:
    """Queue a scan of the workspace (a waiting one is enough)."""
    current_queue().enqueue_once(job_key(tenant_id), scan_tenant, str(tenant_id), full, queue="low",
                                 timeout=SCAN_TIMEOUT)


def scan_after_commit(tenant_id: uuid.UUID) -> None:
    """:func:`schedule_scan` once the transaction commits (so the job sees what it wrote)."""
    after_commit(_schedule_each, tenant_id)


def _schedule_each(tenant_ids: list[uuid.UUID]) -> None:
    for tenant_id in dict.fromkeys(tenant_ids):
        schedule_scan(tenant_id)


@job
def scan_tenant(tenant_id: str, full: bool = False) -> dict:
    """Scan one workspace; ``full`` computes every customer's keys again (the phone region changed)."""
    current_queue().started(job_key(tenant_id))
    with tenant_context(uuid.UUID(tenant_id)):
        if db.session.get(Tenant, uuid.UUID(tenant_id)) is None:
            return {}
        outcome = scan(full=full)
    log.info("tenant %s: keys of %d customers refreshed, %d gone, %d pairs written", tenant_id,
             outcome["changed"], outcome["removed"], outcome["pairs"])
    return outcome


def scan_all() -> int:
    """The nightly schedule: one scan per active workspace (catching what no request told of:
    rows written by SQL, a restored customer)."""
    tenant_ids = list(db.session.scalars(sa.select(Tenant.id).where(Tenant.status == "active")))
    db.session.rollback()
    for tenant_id in tenant_ids:
        schedule_scan(tenant_id)
    return len(tenant_ids)


SCHEDULES = (Schedule("data_quality.duplicates", "50 2 * * *", scan_all, "low"),)


def scan(*, full: bool = False) -> dict:
    """The bound workspace's scan (see the module's docstring); commits as it goes."""
    tenant_id = current_tenant_id()
    state = db.session.get(DuplicateScan, tenant_id) or DuplicateScan(tenant_id=tenant_id, changed=0)
    state.started_at = utcnow()
    db.session.add(state)
    if full:
        db.session.execute(sa.update(K).where(K.tenant_id == tenant_id).values(computed_from=-1))
    db.session.commit()
    changed = refresh_keys()
    removed = drop_gone()
    pairs = find_pairs()
    state = db.session.get(DuplicateScan, tenant_id)
    state.finished_at, state.changed = utcnow(), changed
    db.session.commit()
    return {"changed": changed, "removed": removed, "pairs": pairs}


def last_scan() -> DuplicateScan | None:
    return db.session.get(DuplicateScan, current_tenant_id())


def refresh_keys() -> int:
    """Compute the keys of every live customer changed since its keys were (step 1)."""
    tenant_id, region = current_tenant_id(), contact.region_of(current_tenant().settings)
    done, last = 0, None
    while True:
        stmt = (sa.select(Customer.id, Customer.name, Customer.company, Customer.email, Customer.phone,
                          Customer.version, Customer.created_at)
                .outerjoin(K, sa.and_(K.tenant_id == Customer.tenant_id, K.customer_id == Customer.id))
                .where(Customer.tenant_id == tenant_id, live(),
                       sa.or_(K.customer_id.is_(None), K.computed_from != Customer.version))
                .order_by(Customer.id).limit(BATCH))
        if last is not None:
            stmt = stmt.where(Customer.id > last)
        rows = db.session.execute(stmt).all()
        if not rows:
            return done
        ids = [row.id for row in rows]
        db.session.execute(sa.delete(K).where(K.tenant_id == tenant_id, K.customer_id.in_(ids)))
        _insert(K, [{"tenant_id": tenant_id, **keys_of(row, region)} for row in rows])
        db.session.commit()
        done, last = done + len(rows), ids[-1]


def drop_gone() -> int:
    """Keys and pairs of customers deleted or merged since (a merge already removed its own)."""
    tenant_id = current_tenant_id()
    gone = (sa.select(K.customer_id).join(Customer, sa.and_(Customer.tenant_id == K.tenant_id, Customer.id == K.customer_id))
            .where(K.tenant_id == tenant_id, sa.not_(live())))
    ids = list(db.session.scalars(gone))
    for chunk in _chunks(ids, 1000):
        forget(chunk)
    db.session.commit()
    return len(ids)


def forget(customer_ids: list[uuid.UUID]) -> None:
    """Remove these customers' keys and pairs (a merged or deleted record)."""
    tenant_id = current_tenant_id()
    db.session.execute(sa.delete(P).where(P.tenant_id == tenant_id, sa.or_(P.first_id.in_(customer_ids),
                                                                            P.second_id.in_(customer_ids))))
    db.session.execute(sa.delete(K).where(K.tenant_id == tenant_id, K.customer_id.in_(customer_ids)))


def find_pairs() -> int:
    """Pair the dirty customers again (step 2); returns how many pairs were written."""
    tenant_id = current_tenant_id()
    dirty = set(db.session.scalars(sa.select(K.customer_id).where(K.tenant_id == tenant_id, K.dirty)))
    if not dirty:
        return 0
    everyone = len(dirty) == db.session.scalar(sa.select(sa.func.count()).select_from(K).where(K.tenant_id == tenant_id))
    if everyone:
        db.session.execute(sa.delete(P).where(P.tenant_id == tenant_id))
    else:
        for chunk in _chunks(list(dirty), 1000):
            db.session.execute(sa.delete(P).where(P.tenant_id == tenant_id, sa.or_(P.first_id.in_(chunk),
                                                                                    P.second_id.in_(chunk))))
    found: dict[tuple[uuid.UUID, uuid.UUID], tuple[int, str]] = {}
    for field, reason in (("email_key", SAME_EMAIL), ("phone_key", SAME_PHONE), ("name_key", SIMILAR_NAME)):
        for first, second in _same(field, everyone):
            found.setdefault((first, second), (100, reason))
    for first, second, score in similar_names(None if everyone else dirty):
        found.setdefault((first, second), (score, SIMILAR_NAME))
    now, written = utcnow(), 0
    for chunk in _chunks(list(found.items()), BATCH):
        # a pair of two unchanged records can be found again (a changed record shares the name of
        # the oldest of a pair): it stays as it was
        _insert(P, [{"tenant_id": tenant_id, "id": new_id(), "first_id": first, "second_id": second, "score": score,
                     "reason": reason, "found_at": now} for (first, second), (score, reason) in chunk],
                keep_existing=True)
        db.session.commit()
        written += len(chunk)
    db.session.execute(sa.update(K).where(K.tenant_id == tenant_id, K.dirty).values(dirty=False))
    db.session.commit()
    return written


def _same(field: str, everyone: bool) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(oldest, other) of each group of the same key, where either is dirty (every group's, for all)."""
    tenant_id, key = current_tenant_id(), getattr(K, field)
    order = (K.created_at, K.customer_id)
    ranked = (sa.select(K.customer_id.label("id"), K.dirty.label("dirty"),
                        sa.func.first_value(K.customer_id, type_=sa.Uuid()).over(partition_by=key, order_by=order).label("first_id"),
                        sa.func.first_value(K.dirty, type_=sa.Boolean()).over(partition_by=key, order_by=order).label("first_dirty"))
              .where(K.tenant_id == tenant_id, key.is_not(None)))
    if not everyone:
        ranked = ranked.where(key.in_(sa.select(key).where(K.tenant_id == tenant_id, K.dirty, key.is_not(None))))
    ranked = ranked.subquery("ranked")
    stmt = sa.select(ranked.c.first_id, ranked.c.id).where(ranked.c.id != ranked.c.first_id)
    if not everyone:
        stmt = stmt.where(sa.or_(ranked.c.dirty, ranked.c.first_dirty))
    return [tuple(row) for row in db.session.execute(stmt)]


def similar_names(dirty: set[uuid.UUID] | None, *, window: int = WINDOW, floor: int = FLOOR
                  ) -> Iterator[tuple[uuid.UUID, uuid.UUID, int]]:
    """(older, later, score) of the *distinct* name keys alike in a sorted neighbourhood, in both
    orderings, each key standing for its oldest record (the records of one key are paired with that
    one by :func:`_same`); only the windows around keys with a ``dirty`` customer (all if None).

    Comparing distinct keys keeps a window from filling up with the same common name (hundreds of
    "王伟"), which would push a typo's twin out of it."""
    tenant_id = current_tenant_id()
    rows = db.session.execute(sa.select(K.name_key, K.created_at, K.customer_id)
                              .where(K.tenant_id == tenant_id, K.name_key.is_not(None))).all()
    oldest: dict[str, tuple] = {}
    changed: set[str] = set()
    for key, created_at, customer_id in rows:
        if key not in oldest or (created_at, customer_id) < oldest[key]:
            oldest[key] = (created_at, customer_id)
        if dirty is not None and customer_id in dirty:
            changed.add(key)
    del rows
    names = list(oldest)
    for ordering in (None, lambda key: key[::-1]):
        ordered = sorted(names, key=ordering)
        marked = None if dirty is None else np.fromiter((key in changed for key in ordered), bool, len(ordered))
        for offset in range(1, window + 1):
            if offset >= len(ordered):
                break
            if marked is None:
                left, right, starts = ordered[:-offset], ordered[offset:], None
            else:
                starts = np.nonzero(marked[:-offset] | marked[offset:])[0]
                if not len(starts):
                    continue
                left, right = [ordered[p] for p in starts], [ordered[p + offset] for p in starts]
            scores = process.cpdist(left, right, scorer=fuzz.WRatio, score_cutoff=floor, workers=-1)
            for hit in np.nonzero(scores >= floor)[0]:
                a, b = sorted((oldest[left[hit]], oldest[right[hit]]))
                yield a[1], b[1], int(round(float(scores[hit])))


def _insert(model, rows: list[dict], *, keep_existing: bool = False) -> None:
    """Core's executemany (psycopg pipelines it): the ORM's bulk insert went one statement per row
    here, and a multi-row VALUES costs more to compile than it saves. (COPY is refused under RLS.)
    ``keep_existing``: a row that breaks a unique constraint is skipped (ON CONFLICT DO NOTHING)."""
    insert = model.__table__.insert()
    if keep_existing:
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        insert = dialect.insert(model.__table__).on_conflict_do_nothing()
    db.session.execute(insert, rows)


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
