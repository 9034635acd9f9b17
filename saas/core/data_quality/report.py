"""The workspace's data quality (信息管理准确率): completeness, invalid values, likely duplicates.

Accuracy, the seed plan's figure (target 98%), is the share of live customer records with nothing
to fix: no e-mail or phone that is invalid or written other than in its normal form, and not the
surplus record of a likely duplicate pair (of a pair, one record is the customer, the other the
error). Duplicates are found by the same normalised e-mail or phone, and by names (with company)
that rapidfuzz (WRatio) scores at least ``min_score`` out of 100, compared within blocks of the same first
character, so the work grows with the size of the blocks rather than the square of the workspace.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from rapidfuzz import fuzz, process

from saas.core.customers import Customer, contact
from saas.core.customers import records as customer_service
from saas.core.db import db
from saas.core.tenancy import current_tenant
from saas.core.types import utcnow

KEY_FIELDS = ("phone", "email", "region", "industry", "owner_id", "source")
TARGET = 0.98
BATCH = 5000
BIG_BLOCK = 20_000  # a first character this common is split by the second one
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Pair:
    first: uuid.UUID
    second: uuid.UUID  # the later record: the surplus one if they are the same customer
    score: int
    reason: str


@dataclass(frozen=True)
class Contact:
    id: uuid.UUID
    name: str
    company: str | None
    email: str | None
    phone: str | None
    version: int  # what a merge of the pair sends back, so a record changed meanwhile is not merged over


@dataclass(frozen=True)
class Review:
    """One pass over the records: the report's figures, and the contacts and pairs they came from
    (for a page that shows the pairs too, without finding them a second time)."""

    figures: dict
    people: list[Contact]
    pairs: list[Pair]


@dataclass(frozen=True)
class Window:
    """Customers created in ``[start, end)``; everyone by default."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None

    def condition(self):
        return sa.and_(Customer.deleted_at.is_(None), Customer.merged_into_id.is_(None),
                       Customer.created_at >= self.start if self.start else sa.true(),
                       Customer.created_at < self.end if self.end else sa.true())


def contacts(window: Window = Window()) -> list[Contact]:
    """Every live customer's name and contact data, oldest first (the first of a pair is the older)."""
    rows = db.session.execute(
        sa.select(Customer.id, Customer.name, Customer.company, Customer.email, Customer.phone, Customer.version)
        .where(window.condition()).order_by(Customer.created_at, Customer.id).execution_options(yield_per=BATCH))
    return [Contact(*row) for row in rows]


def _region() -> str:
    return contact.region_of(current_tenant().settings)


def duplicates(people: list[Contact], *, min_score: int = 90) -> list[Pair]:
    """Likely duplicate pairs, best first: the same e-mail or phone (100), then similar names."""
    region, found = _region(), {}
    for field, reason, normalise in (("email", "same e-mail", contact.email),
                                     ("phone", "same phone", lambda raw: contact.phone(raw, region))):
        groups = defaultdict(list)
        for person in people:
            value, _ = normalise(getattr(person, field))
            if value:
                groups[value].append(person.id)
        for ids in groups.values():
            for later in ids[1:]:
                found.setdefault((ids[0], later), Pair(ids[0], later, 100, reason))
    for pair in _similar_names(people, min_score):
        found.setdefault((pair.first, pair.second), pair)
    return sorted(found.values(), key=lambda p: (-p.score, str(p.first), str(p.second)))


def _key(person: Contact) -> str:
    return _NOISE.sub(" ", f"{person.name} {person.company or ''}").strip().casefold()


def _blocks(people: list[Contact]) -> list[list[int]]:
    by_first = defaultdict(list)
    for index, person in enumerate(people):
        key = _key(person)
        if key:
            by_first[key[0]].append(index)
    blocks = []
    for members in by_first.values():
        if len(members) <= BIG_BLOCK:
            blocks.append(members)
            continue
        by_two = defaultdict(list)
        for index in members:
            by_two[_key(people[index])[:2]].append(index)
        blocks.extend(by_two.values())
    return blocks


def _similar_names(people: list[Contact], min_score: int) -> list[Pair]:
    pairs = []
    for members in _blocks(people):
        keys = [_key(people[i]) for i in members]
        for position, key in enumerate(keys[:-1]):
            later = keys[position + 1:]
            for _, score, offset in process.extract(key, later, scorer=fuzz.WRatio,
                                                    score_cutoff=min_score, limit=None):
                pairs.append(Pair(people[members[position]].id, people[members[position + 1 + offset]].id,
                                  int(round(score)), "similar name and company"))
    return pairs


def report(window: Window = Window(), *, min_score: int = 90) -> dict:
    """Completeness of the key fields, invalid and unnormalised values, duplicates and accuracy."""
    return review(window, min_score=min_score).figures


def review(window: Window = Window(), *, min_score: int = 90) -> Review:
    """:func:`report`'s figures with the contacts and the duplicate pairs behind them."""
    live = db.session.execute(sa.select(
        sa.func.count(),
        *(sa.func.sum(sa.case((sa.and_(getattr(Customer, f).is_not(None),
                                       sa.cast(getattr(Customer, f), sa.String) != ""), 1), else_=0))
          for f in KEY_FIELDS)).where(window.condition())).one()
    total = live[0]
    people = contacts(window)
    region, faulty = _region(), set()
    invalid = {"email": 0, "phone": 0}
    unnormalised = {"email": 0, "phone": 0}
    for person in people:
        for field, normalise in (("email", contact.email), ("phone", lambda raw: contact.phone(raw, region))):
            raw = getattr(person, field)
            value, problem = normalise(raw)
            if problem:
                invalid[field] += 1
                faulty.add(person.id)
            elif raw and value != raw:
                unnormalised[field] += 1
                faulty.add(person.id)
    pairs = duplicates(people, min_score=min_score)
    surplus = {pair.second for pair in pairs}
    in_pairs = {pair.first for pair in pairs} | surplus
    return Review(figures={
        "customers": total,
        "completeness": {field: _share(filled or 0, total) for field, filled in zip(KEY_FIELDS, live[1:])},
        "invalid": invalid,
        "unnormalised": unnormalised,
        "duplicate_pairs": len(pairs),
        "duplicate_rate": _share(len(in_pairs), total),
        "accuracy": _share(total - len(faulty | surplus), total),
        "target": TARGET,
        "computed_at": utcnow(),
    }, people=people, pairs=pairs)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def normalise_all() -> dict[str, int]:
    """Rewrite every e-mail and phone that has a normal form in it (invalid ones stay, for a person
    to fix); each change goes through the ORM, so it is audited and emits ``customer.updated``."""
    region, changed = _region(), {"email": 0, "phone": 0}
    for person in contacts():
        changes = {}
        for field, normalise in (("email", contact.email), ("phone", lambda raw: contact.phone(raw, region))):
            raw = getattr(person, field)
            value, problem = normalise(raw)
            if raw and not problem and value != raw:
                changes[field] = value
                changed[field] += 1
        if changes:
            customer_service.update(customer_service.get(person.id), changes)
    return changed


def pairs_out(pairs: list[Pair], limit: int) -> list[dict]:
    ids = set(itertools.chain.from_iterable((p.first, p.second) for p in pairs[:limit]))
    names = dict(db.session.execute(sa.select(Customer.id, Customer.name).where(Customer.id.in_(ids))).all()) if ids else {}
    return [{"customer_id": p.first, "customer_name": names.get(p.first), "duplicate_id": p.second,
             "duplicate_name": names.get(p.second), "score": p.score, "reason": p.reason} for p in pairs[:limit]]
