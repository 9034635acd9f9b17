"""``/api/v1/complaints``: open a case, read it with its clocks, move it along the workflow, the
queue by time left and the weekly cause review (404 where the module is off).

- ``POST /``: ``customer_id``, ``category`` (one of the workspace's), ``description``; optional
  ``priority`` (low, normal, high, urgent; default normal), ``channel``, ``owner_id``. 201.
- ``GET /{case_id}``: ``status`` (new, acknowledged, plan_agreed, resolved, confirmed, closed),
  ``clocks`` ``{"response"|"plan"|"resolution": {due_at, state, warning, warn_at, minutes, met_at}}``
  (state: running, met, breached, paused), ``steps``.
- ``POST /{case_id}/events``: ``{"action": ...}``, one of acknowledge, agree_plan (with ``plan``),
  resolve (with ``resolution``; optional ``cause``), confirm (the customer said so, to staff),
  close, reopen, pause (waiting for the customer), resume; optional ``note``. A step the status
  does not allow is a 409.
- ``PATCH /{case_id}``: ``owner_id``, ``category``, ``cause``, ``priority`` (sets the targets again).
- ``GET /``: newest first (``status``, ``open``, ``owner_id``, ``customer_id``, ``category``);
  ``GET /queue``: the open cases, the soonest due first.
- ``GET /review?week=YYYY-Www``: the week's cause review (:mod:`plugins.complaints.review`).
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, PartialSchema, page_schema
from saas.api.schema import Schema
from saas.core.accounts import acting_person

from plugins.complaints import cases, reading, review
from plugins.complaints.models import Priority, Status

bp = ApiBlueprint("complaints", __name__, url_prefix="/api/v1/complaints",
                  description="Complaints: cases with their response, plan and resolution clocks, the workflow, "
                              "the queue and the weekly cause review (404 unless the workspace enabled the "
                              "complaints module)")

STATES = ("running", "met", "breached", "paused")


class ComplaintClockSchema(Schema):
    due_at = f.AwareDateTime(allow_none=True, metadata={"description": "Null while paused with time left"})
    state = f.String(metadata={"description": "running, met, breached or paused", "enum": list(STATES)})
    warning = f.Boolean(metadata={"description": "The warning share of the target is used (amber)"})
    warn_at = f.AwareDateTime(allow_none=True)
    minutes = f.Integer(metadata={"description": "The target, in counted minutes"})
    met_at = f.AwareDateTime(allow_none=True)


class ComplaintClocksSchema(Schema):
    response = f.Nested(ComplaintClockSchema)
    plan = f.Nested(ComplaintClockSchema)
    resolution = f.Nested(ComplaintClockSchema)


class ComplaintStepSchema(Schema):
    id = f.UUID()
    kind = f.String(metadata={"description": "opened, acknowledged, plan_agreed, resolved, confirmed, closed, "
                                             "reopened, paused, resumed"})
    note = f.String(allow_none=True)
    actor = f.String()
    at = f.AwareDateTime()


class ComplaintCaseSchema(Schema):
    id = f.UUID()
    customer_id = f.UUID()
    customer_name = f.String()
    channel = f.String()
    category = f.String()
    cause = f.String(allow_none=True)
    priority = f.Enum(Priority, by_value=True)
    description = f.String()
    owner_id = f.UUID(allow_none=True)
    team = f.String(allow_none=True)
    tier = f.String(allow_none=True, metadata={"description": "The customer's value tier when the case opened"})
    status = f.Enum(Status, by_value=True)
    paused = f.Boolean(metadata={"description": "Waiting for the customer: the clocks stand still"})
    paused_since = f.AwareDateTime(allow_none=True)
    business_hours = f.Boolean(metadata={"description": "The clocks count business hours on working days"})
    plan = f.String(allow_none=True)
    resolution = f.String(allow_none=True)
    satisfied = f.Boolean(allow_none=True, metadata={"description": "The customer's answer to 'was it resolved?'"})
    reopened = f.Integer()
    opened_at = f.AwareDateTime()
    acknowledged_at = f.AwareDateTime(allow_none=True)
    plan_agreed_at = f.AwareDateTime(allow_none=True)
    resolved_at = f.AwareDateTime(allow_none=True)
    confirmed_at = f.AwareDateTime(allow_none=True)
    closed_at = f.AwareDateTime(allow_none=True)
    next_due_at = f.AwareDateTime(allow_none=True, metadata={"description": "The soonest due time of the targets "
                                                                          "not met"})
    clocks = f.Nested(ComplaintClocksSchema)
    confirmation_url = f.String(allow_none=True, metadata={
        "description": "While resolved: the signed link that asks the customer whether it is"})


class ComplaintCaseDetailSchema(ComplaintCaseSchema):
    steps = f.List(f.Nested(ComplaintStepSchema))


CasePage = page_schema(ComplaintCaseSchema, "ComplaintPage")


class ComplaintQueueSchema(Schema):
    items = f.List(f.Nested(ComplaintCaseSchema))


class ComplaintOpenSchema(Schema):
    customer_id = f.UUID(required=True)
    category = f.String(required=True, validate=v.Length(min=1, max=40))
    description = f.String(required=True, validate=v.Length(min=1, max=5000))
    priority = f.Enum(Priority, by_value=True, load_default=Priority.normal)
    channel = f.String(load_default="other", validate=v.OneOf(cases.CHANNELS))
    owner_id = f.UUID(load_default=None)

    @ma.validates("description")
    def _said(self, value, **kwargs):
        if not value.strip():
            raise ma.ValidationError("Say what the complaint is.")


class ComplaintEventSchema(Schema):
    action = f.String(required=True, validate=v.OneOf(cases.ACTIONS))
    note = f.String(load_default=None, allow_none=True, validate=v.Length(max=2000))
    plan = f.String(load_default=None, allow_none=True, validate=v.Length(max=5000))
    resolution = f.String(load_default=None, allow_none=True, validate=v.Length(max=5000))
    cause = f.String(load_default=None, allow_none=True, validate=v.Length(max=200))


class ComplaintPatchSchema(PartialSchema):
    owner_id = f.UUID(allow_none=True)
    category = f.String(validate=v.Length(min=1, max=40))
    cause = f.String(allow_none=True, validate=v.Length(max=200))
    priority = f.Enum(Priority, by_value=True)


class ComplaintListArgs(PageArgs):
    status = f.Enum(Status, by_value=True, load_default=None)
    open = f.Boolean(load_default=False, metadata={"description": "Only open cases (new, acknowledged, plan agreed)"})
    owner_id = f.UUID(load_default=None)
    customer_id = f.UUID(load_default=None)
    category = f.String(load_default=None, validate=v.Length(max=40))


class ComplaintQueueArgs(Schema):
    owner_id = f.UUID(load_default=None)


class ComplaintReviewArgs(Schema):
    week = f.String(load_default=None, validate=v.Regexp(r"^\d{4}-W\d{2}$"),
                    metadata={"description": "An ISO week (2026-W49); default: the last full week"})


class ComplaintCountSchema(Schema):
    key = f.String(allow_none=True, metadata={"description": "A category or cause (null: no cause given)"})
    cases = f.Integer()


class ComplaintComplianceSchema(Schema):
    target = f.String()
    cases = f.Integer(metadata={"description": "Cases whose target fell due in the week or was met in it"})
    met = f.Integer()
    rate = f.Float(allow_none=True)


class ComplaintRepeatSchema(Schema):
    customer_id = f.UUID()
    name = f.String()
    cases = f.Integer(metadata={"description": "Cases in the 90 days to the week's end"})


class ComplaintReviewSchema(Schema):
    week = f.String()
    starts_on = f.Date()
    ends_on = f.Date()
    opened = f.Integer()
    resolved = f.Integer()
    by_category = f.List(f.Nested(ComplaintCountSchema))
    by_cause = f.List(f.Nested(ComplaintCountSchema))
    repeat_complainers = f.List(f.Nested(ComplaintRepeatSchema))
    compliance = f.List(f.Nested(ComplaintComplianceSchema))
    resolution_rate = f.Float(allow_none=True, metadata={"description": "Of the week's cases, resolved; target 1.0"})
    satisfaction = f.Float(allow_none=True, metadata={"description": "Of the customers who answered, satisfied; "
                                                                    "target 0.9"})
    answered = f.Integer()
    targets = f.Dict(metadata={"description": "The seed plan's targets: resolution_rate 1.0, satisfaction 0.9"})


@bp.route("", methods=["POST"])
@bp.arguments(ComplaintOpenSchema)
@bp.response(201, ComplaintCaseDetailSchema)
@bp.errors(404, 422)
def open_case(data):
    """Open a complaint case (its clocks start now)."""
    case = cases.open_case(data["customer_id"], category=data["category"], description=data["description"].strip(),
                           priority=data["priority"].value, channel=data["channel"], owner_id=data["owner_id"],
                           created_by=acting_person())
    return reading.one(case.id)


@bp.route("", methods=["GET"])
@bp.arguments(ComplaintListArgs, location="query", as_kwargs=True)
@bp.response(200, CasePage)
def list_cases(cursor, limit, status, open, owner_id, customer_id, category):
    """Complaint cases, newest first."""
    return reading.listed(status=status.value if status else None, open_only=open, owner_id=owner_id,
                          customer_id=customer_id, category=category, cursor=cursor, limit=limit)


@bp.route("/queue", methods=["GET"])
@bp.arguments(ComplaintQueueArgs, location="query", as_kwargs=True)
@bp.response(200, ComplaintQueueSchema)
def queue(owner_id):
    """The open cases by time left, the soonest due first (waiting for the customer: last)."""
    return {"items": reading.queue(owner_id)}


@bp.route("/review", methods=["GET"])
@bp.arguments(ComplaintReviewArgs, location="query", as_kwargs=True)
@bp.response(200, ComplaintReviewSchema)
@bp.errors(400)
def weekly_review(week):
    """The week's cause review: categories and causes, repeat complainers, clock compliance,
    resolution rate and satisfaction against the targets."""
    return review.of_week(week)


@bp.route("/<uuid:case_id>", methods=["GET"])
@bp.response(200, ComplaintCaseDetailSchema)
def get_case(case_id):
    """One case, with its clocks and steps."""
    return reading.one(case_id)


@bp.route("/<uuid:case_id>", methods=["PATCH"])
@bp.arguments(ComplaintPatchSchema)
@bp.response(200, ComplaintCaseDetailSchema)
@bp.errors(422)
def update_case(data, case_id):
    """Reassign a case, change its category, cause or priority."""
    if "priority" in data:
        data["priority"] = data["priority"].value
    cases.update(cases.get(case_id, lock=True), data)
    return reading.one(case_id)


@bp.route("/<uuid:case_id>/events", methods=["POST"])
@bp.arguments(ComplaintEventSchema)
@bp.response(200, ComplaintCaseDetailSchema)
@bp.errors(409, 422)
def move_case(data, case_id):
    """Move a case along the workflow (acknowledge, agree_plan, resolve, confirm, close, reopen,
    pause, resume)."""
    cases.act(cases.get(case_id, lock=True), data["action"], note=data["note"], plan=data["plan"],
              resolution=data["resolution"], cause=data["cause"])
    return reading.one(case_id)
