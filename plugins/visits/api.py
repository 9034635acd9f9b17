"""``/api/v1/visits``: planned and logged visits, planning now, outcomes, customers' own cadences
(404 where the module is off)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v
from webargs.fields import DelimitedList

from saas.api.base import ApiBlueprint, PageArgs, page_schema
from saas.api.schema import Schema
from saas.auth import current_principal, may, requires_permission
from saas.core.customers import records as customers
from saas.core.db import db
from saas.core.errors import Forbidden, Invalid, NotFound
from saas.core.pagination import paginate

from plugins.visits import agenda, cadences, clock, feed, kpis, outcomes, planner
from plugins.visits.models import OwnCadence, Status, Visit

bp = ApiBlueprint("visits", __name__, url_prefix="/api/v1/visits",
                  description="Return visits planned from the value tier: the plan, outcomes, cadences (404 "
                              "unless the workspace enabled the visits module)")

OUTCOMES = [s.value for s in Status if s is not Status.planned]


class VisitSchema(Schema):
    id = f.UUID()
    customer_id = f.UUID()
    owner_id = f.UUID(allow_none=True, metadata={"description": "The account manager it is planned for"})
    rule_key = f.String(metadata={"description": "The cadence that planned it: <tier>.<key>, own, moved:<visit id>"})
    planned_on = f.Date(metadata={"description": "The day its rule fell on"})
    due_on = f.Date(metadata={"description": "The working day it is planned for (the workspace's local date)"})
    due_at = f.Method("dump_due_at", allow_none=True, metadata={
        "type": "string", "format": "date-time", "description": "Its day at the customer's contact time, in UTC"})
    channel = f.String(metadata={"enum": list(cadences.CHANNELS)})
    purpose = f.String(metadata={"enum": list(cadences.PURPOSES)})
    automated = f.Boolean(metadata={"description": "An automated message: no staff time"})
    status = f.Enum(Status, by_value=True)
    notes = f.String(allow_none=True)
    next_step = f.String(allow_none=True)
    reason = f.String(allow_none=True)
    logged_at = f.AwareDateTime(allow_none=True)
    interaction_id = f.UUID(allow_none=True, metadata={"description": "The interaction its outcome wrote"})
    moved_from_id = f.UUID(allow_none=True)

    def dump_due_at(self, visit):
        when = clock.due_at(visit.due_on, visit.due_minute, clock.zone())
        return when.isoformat() if when is not None else None


VisitPage = page_schema(VisitSchema, "VisitPage")


class VisitListArgs(PageArgs):
    customer_id = f.UUID()
    owner_id = f.UUID()
    status = DelimitedList(f.Enum(Status, by_value=True), metadata={"description": "One or more: planned,done"})
    start = f.Date(data_key="from", metadata={"description": "Due on or after this day"})
    end = f.Date(data_key="to", metadata={"description": "Due on or before this day"})

    @ma.validates_schema
    def _in_order(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ma.ValidationError("'to' is on or after 'from'.", "to")


class PlanSchema(Schema):
    replace = f.Boolean(load_default=False, metadata={
        "description": "Plan the future again from today's cadences (after changing them): planned visits "
                       "not moved by hand are replaced"})


class PlannedSchema(Schema):
    planned = f.Integer(metadata={"description": "Visits added"})
    moved = f.Integer(metadata={"description": "Visits moved on to a later working day to keep within the daily cap"})


class OutcomeSchema(Schema):
    outcome = f.String(required=True, validate=v.OneOf(OUTCOMES))
    notes = f.String(load_default=None, allow_none=True, validate=v.Length(max=10_000))
    next_step = f.String(load_default=None, allow_none=True, validate=v.Length(max=500))
    reason = f.String(load_default=None, allow_none=True, validate=v.Length(max=500),
                      metadata={"description": "Why it is moved (rescheduled) or skipped (cancelled): required then"})
    due_on = f.Date(load_default=None, allow_none=True,
                    metadata={"description": "The new day of a rescheduled visit: required then"})


class OwnCadenceSchema(Schema):
    customer_id = f.UUID(dump_only=True)
    rule = f.String(required=True, validate=lambda text: cadences._valid_rule(text),
                    metadata={"description": "An RFC 5545 RRULE, counted from the workspace's cadence_start"})
    channel = f.String(required=True, validate=v.OneOf(cadences.CHANNELS))
    purpose = f.String(load_default="visit", validate=v.OneOf(cadences.PURPOSES))


@bp.route("", methods=["GET"])
@bp.arguments(VisitListArgs, location="query", as_kwargs=True)
@bp.response(200, VisitPage)
@bp.errors(404)
def list_visits(cursor, limit, customer_id=None, owner_id=None, status=None, start=None, end=None):
    """Planned and logged visits, by due day: of a customer (404 if there is none such), an owner,
    with a status, in a range."""
    stmt = db.select(Visit)
    if customer_id is not None:
        customers.get(customer_id)
        stmt = stmt.where(Visit.customer_id == customer_id)
    if owner_id is not None:
        stmt = stmt.where(Visit.owner_id == owner_id)
    if status:
        stmt = stmt.where(Visit.status.in_(status))
    if start is not None:
        stmt = stmt.where(Visit.due_on >= start)
    if end is not None:
        stmt = stmt.where(Visit.due_on <= end)
    return paginate(stmt, db.session, [Visit.due_on, Visit.id], descending=False, cursor=cursor, limit=limit)


@bp.route("/<uuid:visit_id>", methods=["GET"])
@bp.response(200, VisitSchema)
def get_visit(visit_id):
    """One visit."""
    return outcomes.get(visit_id)


@bp.route("/plan", methods=["POST"])
@requires_permission("visits.plan")
@bp.arguments(PlanSchema)
@bp.response(200, PlannedSchema)
@bp.errors(403)
def plan_now(data):
    """Plan the workspace's visits now, from today to the horizon, as the daily job does; running it
    again plans nothing twice."""
    today = clock.today()
    done = planner.replan(today, None) if data["replace"] else planner.plan(today)
    return {"planned": done.planned, "moved": done.moved}


@bp.route("/<uuid:visit_id>/outcome", methods=["POST"])
@bp.arguments(OutcomeSchema)
@bp.response(200, VisitSchema)
@bp.errors(409, 422)
def log_outcome(data, visit_id):
    """Log a visit: done, no_answer, rescheduled (with the new ``due_on`` and a reason) or cancelled
    (skipped, with a reason); writes the interaction on the customer's timeline. 409 for a visit
    already logged."""
    principal = current_principal()
    visit = outcomes.get(visit_id, for_update=True)
    return outcomes.log(visit, data["outcome"], notes=data["notes"], next_step=data["next_step"],
                        reason=data["reason"], due_on=data["due_on"],
                        staff_id=principal.user.id if principal.user else None)


def _own(customer_id):
    return db.session.scalar(db.select(OwnCadence).where(OwnCadence.customer_id == customer_id))


@bp.route("/customers/<uuid:customer_id>/cadence", methods=["GET"])
@bp.response(200, OwnCadenceSchema)
def get_cadence(customer_id):
    """A customer's own cadence; 404 if it follows its tier's."""
    customers.get(customer_id)
    own = _own(customer_id)
    if own is None:
        raise NotFound("this customer follows its tier's cadences")
    return own


@bp.route("/customers/<uuid:customer_id>/cadence", methods=["PUT"])
@requires_permission("visits.plan")
@bp.arguments(OwnCadenceSchema)
@bp.response(200, OwnCadenceSchema)
@bp.errors(403, 422)
def put_cadence(data, customer_id):
    """Give a customer a cadence of its own, in place of its tier's; its future visits are planned again."""
    customers.get(customer_id)
    own = _own(customer_id) or OwnCadence(customer_id=customer_id)
    own.rule, own.channel, own.purpose = data["rule"], data["channel"], data["purpose"]
    db.session.add(own)
    db.session.flush()
    planner.replan(clock.today(), [customer_id])
    return own


@bp.route("/customers/<uuid:customer_id>/cadence", methods=["DELETE"])
@requires_permission("visits.plan")
@bp.response(204)
@bp.errors(403)
def delete_cadence(customer_id):
    """The customer follows its tier's cadences again; its future visits are planned again."""
    customers.get(customer_id)
    own = _own(customer_id)
    if own is not None:
        db.session.delete(own)
        db.session.flush()
    planner.replan(clock.today(), [customer_id])


class AgendaArgs(Schema):
    view = f.String(load_default="today", validate=v.OneOf(agenda.VIEWS))
    owner_id = f.UUID(metadata={"description": "Whose agenda (a member's user id); yours by default"})
    team = f.String(validate=v.Length(min=1, max=100), metadata={"description": "A team's agenda: its members'"})


class AgendaItemSchema(VisitSchema):
    customer_name = f.String()


class AgendaSchema(Schema):
    view = f.String()
    start = f.Date(allow_none=True, data_key="from")
    end = f.Date(data_key="to")
    items = f.List(f.Nested(AgendaItemSchema))


def _people(owner_id, team) -> list:
    """Whose visits a request asks for: a team's, someone's, or the caller's own (an API key's:
    the person who issued it); another person's or a team's need the ``visits.team`` permission."""
    principal = current_principal()
    me = principal.user.id if principal.user is not None else getattr(principal.api_key, "created_by", None)
    if team is not None or (owner_id is not None and owner_id != me):
        if not may("visits.team"):
            raise Forbidden("This needs the 'visits.team' permission.")
        return agenda.team_members(team) if team is not None else [owner_id]
    if me is None:
        raise Invalid("This API key acts for no one: name the person (owner_id) or the team.",
                      {"owner_id": ["Required."]})
    return [me]


@bp.route("/agenda", methods=["GET"])
@bp.arguments(AgendaArgs, location="query", as_kwargs=True)
@bp.response(200, AgendaSchema)
@bp.errors(403, 422)
def get_agenda(view, owner_id=None, team=None):
    """Planned visits due today, this week (Monday to Sunday) or overdue: yours, a person's, or a team's."""
    today = clock.today()
    start, end = agenda.window(view, today)
    items = []
    for visit, name in agenda.due(_people(owner_id, team), view, today):
        visit.customer_name = name  # read by AgendaItemSchema; not a column
        items.append(visit)
    return {"view": view, "start": start, "end": end, "items": items}


class FeedArgs(Schema):
    user_id = f.UUID(load_default=None, allow_none=True,
                     metadata={"description": "Whose feed (a member's user id); yours by default"})


class FeedSchema(Schema):
    url = f.String(metadata={"description": "The secret path of the feed, under /visits/feed/"})


@bp.route("/feed", methods=["POST"])
@bp.arguments(FeedArgs)
@bp.response(201, FeedSchema)
@bp.errors(403, 422)
def issue_feed(data):
    """A new secret URL for a person's calendar feed (theirs by default; another's needs
    ``visits.team``); the URL it replaces stops working."""
    principal = current_principal()
    [user_id] = _people(data["user_id"], None)
    if not agenda.member(user_id):
        raise Invalid("Not a member of this workspace.", {"user_id": ["Not a member."]})
    return {"url": feed.issue(user_id, principal.tenant.id)}


@bp.route("/feed", methods=["DELETE"])
@bp.arguments(FeedArgs, location="query")
@bp.response(204)
@bp.errors(403, 422)
def revoke_feed(data):
    """Revoke a person's feed URL (theirs by default)."""
    [user_id] = _people(data["user_id"], None)
    feed.revoke(user_id)


class KpiArgs(Schema):
    # 2000 to 2099: a month's figures reach six months back and one forward, inside the calendar
    month = f.String(validate=v.Regexp(r"^20\d{2}-(0[1-9]|1[0-2])$", error="A month: YYYY-MM, from 2000 to 2099."),
                     metadata={"description": "The month of the visits' due days (this month by default)",
                               "example": "2026-10"})


class RatesSchema(Schema):
    planned = f.Integer(metadata={"description": "Visits due (a moved one counted once, on its new day)"})
    done = f.Integer()
    completion = f.Float(allow_none=True, metadata={"description": "done / planned"})
    on_time_rate = f.Float(allow_none=True, metadata={"description": "Done on or before their day / done"})
    average_delay_days = f.Float(allow_none=True, metadata={"description": "Days late, on average over those done"})


class TierRatesSchema(RatesSchema):
    tier = f.String(allow_none=True, metadata={"description": "The customer's tier when the visit was planned"})


class PersonRatesSchema(RatesSchema):
    owner_id = f.UUID()
    workload = f.Integer(metadata={"description": "Visits needing the person's time (automated messages left out)"})


class LiftSchema(Schema):
    tier = f.String(allow_none=True)
    visits = f.Integer(metadata={"description": "Visits done in the month"})
    spend_before = f.Decimal(as_string=True, metadata={"description": "Net spend in the 30 days before each visit"})
    spend_after = f.Decimal(as_string=True, metadata={"description": "Net spend in the 30 days from each visit"})
    lift = f.Float(allow_none=True, metadata={"description": "(after - before) / before; null without spend before"})


class KpiSchema(Schema):
    start = f.Date(data_key="from")
    end = f.Date(data_key="to")
    total = f.Nested(RatesSchema)
    by_tier = f.List(f.Nested(TierRatesSchema))
    by_person = f.List(f.Nested(PersonRatesSchema))
    lift = f.List(f.Nested(LiftSchema))


@bp.route("/kpis", methods=["GET"])
@bp.arguments(KpiArgs, location="query", as_kwargs=True)
@bp.response(200, KpiSchema)
def get_kpis(month=None):
    """A month's compliance (回访 completion against plan by tier and person, on-time rate, average
    delay, workload) and the purchase lift of the visits done, by tier."""
    first, last = kpis.month_of(month, clock.today())
    return {"start": first, "end": last, **kpis.compliance(first, last), "lift": kpis.lift(first, last)}
