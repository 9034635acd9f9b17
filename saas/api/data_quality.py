"""``/api/v1/data-quality``: how complete, valid and duplicate-free the customer records are."""

from __future__ import annotations

from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint
from saas.api.schema import Schema
from saas.core.data_quality import report as service

bp = ApiBlueprint("data_quality", __name__, url_prefix="/api/v1/data-quality",
                  description="Data quality: completeness, invalid values, likely duplicates, accuracy")


class ScoreArgs(Schema):
    min_score = f.Integer(load_default=90, validate=v.Range(50, 100),
                          metadata={"description": "How alike two names must be (0-100) to be a likely duplicate"})


class DuplicateArgs(ScoreArgs):
    limit = f.Integer(load_default=100, validate=v.Range(1, 1000))


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
    computed_at = f.AwareDateTime()


class PairSchema(Schema):
    customer_id = f.UUID(metadata={"description": "The older record"})
    customer_name = f.String()
    duplicate_id = f.UUID(metadata={"description": "The later record: merge it into customer_id"})
    duplicate_name = f.String()
    score = f.Integer(metadata={"description": "100 for the same e-mail or phone"})
    reason = f.String(metadata={"example": "same phone"})


class PairListSchema(Schema):
    items = f.List(f.Nested(PairSchema))


class NormalisedSchema(Schema):
    email = f.Integer()
    phone = f.Integer()


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
def duplicates(min_score, limit):
    """Likely duplicate pairs, best first; merge one with ``POST /api/v1/customers/{id}/merge``."""
    pairs = service.duplicates(service.contacts(), min_score=min_score)
    return {"items": service.pairs_out(pairs, limit)}


@bp.route("/normalise", methods=["POST"])
@bp.response(200, NormalisedSchema)
def normalise():
    """Rewrite every valid e-mail and phone in its normal form (E.164 for phones); how many changed."""
    changed = service.normalise_all()
    return changed
