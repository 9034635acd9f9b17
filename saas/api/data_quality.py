"""``/api/v1/data-quality``: how complete, valid and duplicate-free the customer records are."""

from __future__ import annotations

from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs
from saas.api.schema import Schema
from saas.auth import current_principal
from saas.core.data_quality import report as service
from saas.core.data_quality import normalise as normalise_job
from saas.core.data_quality import scan

bp = ApiBlueprint("data_quality", __name__, url_prefix="/api/v1/data-quality",
                  description="Data quality: completeness, invalid values, likely duplicates, accuracy")


class ScoreArgs(Schema):
    min_score = f.Integer(load_default=90, validate=v.Range(scan.FLOOR, 100), metadata={
        "description": f"How alike two names must be ({scan.FLOOR}-100) to be a likely duplicate"})


class DuplicateArgs(ScoreArgs, PageArgs):
    limit = f.Integer(load_default=100, validate=v.Range(1, 1000))


class ScanArgs(Schema):
    full = f.Boolean(load_default=False, metadata={
        "description": "Compute every customer's keys again, not only the changed ones' (after a change of phone region)"})


class FieldCountsSchema(Schema):
    email = f.Integer()
    phone = f.Integer()


class ReportSchema(Schema):
    customers = f.Integer(metadata={"description": "Live customer records"})
    completeness = f.Dict(keys=f.String(), values=f.Float(allow_none=True),
                          metadata={"description": "Share of records with each key field filled"})
    invalid = f.Nested(FieldCountsSchema, metadata={"description": "Values that cannot be an e-mail or phone"})
    unnormalised = f.Nested(FieldCountsSchema,
                            metadata={"description": "Valid, but not in normal form (POST .../normalise fixes them)"})
    duplicate_pairs = f.Integer()
    duplicate_rate = f.Float(allow_none=True, metadata={"description": "Share of records in a likely duplicate pair"})
    accuracy = f.Float(allow_none=True, metadata={
        "description": "Share of records with nothing to fix: no invalid or unnormalised value, not the surplus "
                       "record of a duplicate pair"})
    target = f.Float(metadata={"description": "The seed plan's target for accuracy"})
    computed_at = f.AwareDateTime(allow_none=True, metadata={
        "description": "When the duplicate scan last finished (null: not yet); invalid, unnormalised and duplicates are as of then"})


class PairSchema(Schema):
    id = f.UUID()
    customer_id = f.UUID(metadata={"description": "The older record"})
    customer_name = f.String()
    duplicate_id = f.UUID(metadata={"description": "The later record: merge it into customer_id"})
    duplicate_name = f.String()
    score = f.Integer(metadata={"description": "100 for the same e-mail or phone"})
    reason = f.String(metadata={"example": "same phone"})
    found_at = f.AwareDateTime()


class PairListSchema(Schema):
    items = f.List(f.Nested(PairSchema))
    next_cursor = f.String(allow_none=True)
    computed_at = f.AwareDateTime(allow_none=True, metadata={"description": "When the duplicate scan last finished"})


class ScanQueuedSchema(Schema):
    queued = f.Boolean()


@bp.route("", methods=["GET"])
@bp.arguments(ScoreArgs, location="query", as_kwargs=True)
@bp.response(200, ReportSchema)
@bp.errors(400)
def get_report(min_score):
    """The workspace's data-quality report."""
    return service.report(min_score=min_score)


@bp.route("/duplicates", methods=["GET"])
@bp.arguments(DuplicateArgs, location="query", as_kwargs=True)
@bp.response(200, PairListSchema)
@bp.errors(400)
def duplicates(min_score, limit, cursor=None):
    """Likely duplicate pairs as the last scan found them, best first, a page at a time; merge one
    with ``POST /api/v1/customers/{id}/merge``."""
    page = service.pairs_page(min_score=min_score, cursor=cursor, limit=limit)
    last = scan.last_scan()
    return {"items": [_pair_out(row) for row in page.items], "next_cursor": page.next_cursor,
            "computed_at": last.finished_at if last else None}


def _pair_out(row: dict) -> dict:
    return {"id": row["id"], "customer_id": row["first_id"], "customer_name": row["first_name"],
            "duplicate_id": row["second_id"], "duplicate_name": row["second_name"], "score": row["score"],
            "reason": row["reason"], "found_at": row["found_at"]}


@bp.route("/scan", methods=["POST"])
@bp.arguments(ScanArgs, as_kwargs=True)
@bp.response(202, ScanQueuedSchema)
@bp.errors(400)
def scan_now(full):
    """Look for likely duplicates among the new and changed customers now rather than at the nightly
    scan (a job; ``computed_at`` in the report tells when it finished)."""
    scan.schedule_scan(current_principal().tenant.id, full=full)
    return {"queued": True}


@bp.route("/normalise", methods=["POST"])
@bp.response(202, ScanQueuedSchema)
def normalise():
    """Rewrite every valid e-mail and phone in its normal form (E.164 for phones): a job, a page of
    customers a transaction, then a scan; the report's ``unnormalised`` counts go to 0 once it is done."""
    normalise_job.schedule(current_principal().tenant.id)
    return {"queued": True}
