"""Segments (客户细分): filters over customers and their classification, saved by name; the
customer list, which is such a filter; and taking any segment out as CSV or XLSX.

- ``models``: :class:`SegmentFilter` and the saved :class:`Segment`
- ``matching``: a filter as SQL conditions, the ids it matches, counts
- ``saved``: saving, changing and finding segments
- ``search``: the customer list (search, filters, sort, cursor pages)
- ``exports``: a segment's customers as rows for a spreadsheet

A :class:`Segment` stores a :class:`SegmentFilter` as JSON. :func:`matching` turns a filter into a
``SELECT`` of customer ids, so a module (surveys, visits, loyalty...) can target "all important
customers in Zhejiang" without knowing how tiers or tags are stored::

    from saas.core.segments import matching, segment_filter
    ids = db.session.scalars(matching(segment_filter(segment_id)))

Every condition given must hold (AND); a list within a condition matches any of its values (OR).
"""

from saas.core.segments.matching import (
    conditions,
    count,
    counts,
    matching,
    with_figures,
)
from saas.core.segments.models import SCORES, Segment, SegmentFilter
from saas.core.segments.saved import segment_filter

__all__ = ["SCORES", "Segment", "SegmentFilter", "conditions", "count", "counts", "matching", "segment_filter", "with_figures"]
