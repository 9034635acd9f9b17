"""``/api/v1/surveys``: surveys and their questions, sending, results and their export (404 where
the module is off)."""

from __future__ import annotations

import marshmallow as ma
from flask import Response as FlaskResponse
from flask import send_file
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.base import ApiBlueprint, PageArgs, page_schema
from saas.api.schema import Schema
from saas.auth import requires_permission
from saas.core.classification import Tier
from saas.core.db import db
from saas.core.spreadsheets import as_csv, as_xlsx

from plugins.surveys import results, sending, sharing, surveys
from plugins.surveys.models import QuestionKind, State
from plugins.surveys.texts import Text

bp = ApiBlueprint("surveys", __name__, url_prefix="/api/v1/surveys",
                  description="Surveys (NPS, CSAT, CES...): questions, sending, results (404 unless the workspace "
                              "enabled the surveys module)")

CHOICE_KINDS = (QuestionKind.single_choice, QuestionKind.multiple_choice)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class QuestionSchema(Schema):
    id = f.UUID(dump_only=True)
    kind = f.Enum(QuestionKind, by_value=True, required=True,
                  metadata={"description": "nps (0-10), csat (1-5), ces (1-7), single_choice, multiple_choice, text"})
    text = Text(required=True)
    choices = f.List(Text(), load_default=list, validate=v.Length(max=20),
                     metadata={"description": "A choice question's options (2 to 20); none for the others"})
    required = f.Boolean(load_default=None, metadata={"description": "Default: true, except for a text question"})

    @ma.validates_schema
    def _choices_fit_the_kind(self, data, **kwargs):
        if data["kind"] in CHOICE_KINDS and len(data["choices"]) < 2:
            raise ma.ValidationError("A choice question has 2 to 20 choices.", "choices")
        if data["kind"] not in CHOICE_KINDS and data["choices"]:
            raise ma.ValidationError("Only a choice question has choices.", "choices")

    @ma.post_load
    def _default_required(self, data, **kwargs):
        if data["required"] is None:
            data["required"] = data["kind"] is not QuestionKind.text
        return data


class ScheduleSchema(Schema):
    every_months = f.Integer(required=True, validate=v.Range(min=1, max=12),
                             metadata={"description": "Sent again this many months after the last time (3: quarterly)"})
    tier = f.String(validate=v.OneOf([t.value for t in Tier]))
    segment_id = f.UUID()

    @ma.validates_schema
    def _one_target(self, data, **kwargs):
        if ("tier" in data) == ("segment_id" in data):
            raise ma.ValidationError("Exactly one of tier and segment_id.", "_schema")

    @ma.post_load
    def _as_json(self, data, **kwargs):
        return {**data, "segment_id": str(data["segment_id"])} if "segment_id" in data else data


class SendAfterSchema(Schema):
    event = f.String(required=True, validate=v.Length(min=1, max=80),
                     metadata={"description": "An event of a customer: purchase.recorded, interaction.logged..."})
    delay_hours = f.Integer(load_default=0, validate=v.Range(min=0, max=24 * 60))


class SurveySchema(Schema):
    id = f.UUID(dump_only=True)
    title = Text(required=True)
    anonymous = f.Boolean(load_default=False, metadata={"description": "Answers keep no link to the customer"})
    state = f.Enum(State, by_value=True, load_default=State.draft)
    version = f.Integer(dump_only=True, metadata={"description": "Changing the questions of an answered survey makes "
                                                                 "a new version; answers keep theirs"})
    questions = f.List(f.Nested(QuestionSchema), required=True, validate=v.Length(max=50))
    schedule = f.Nested(ScheduleSchema, allow_none=True, load_default=None,
                        metadata={"description": "Sent by e-mail on a schedule while active; null: by hand only"})
    last_scheduled_at = f.AwareDateTime(dump_only=True, allow_none=True)
    send_after = f.List(f.Nested(SendAfterSchema), load_default=list, validate=v.Length(max=10),
                        metadata={"description": "Sent by e-mail to the customer after each of these events, "
                                                 "delay_hours later"})
    shareable = f.Boolean(load_default=False, metadata={
        "description": "Answered by anyone through one shareable link (share_url), anonymously; false withdraws it"})
    share_url = f.String(dump_only=True, allow_none=True, metadata={"description": "The shareable link, when shareable"})
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class SurveyPatchSchema(SurveySchema):
    """Every field optional, but a question given is a whole question (partial only at the top)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", tuple(SurveySchema._declared_fields))
        super().__init__(*args, **kwargs)


SurveyPage = page_schema(SurveySchema, "SurveyPage")


class SurveyListArgs(PageArgs):
    state = f.Enum(State, by_value=True, load_default=None)


class SendSchema(Schema):
    customer_ids = f.List(f.UUID(), validate=v.Length(min=1, max=sending.MAX_IDS))
    segment_id = f.UUID()
    tier = f.String(validate=v.OneOf([t.value for t in Tier]))
    channel = f.String(load_default="email", validate=v.Length(min=1, max=40),
                       metadata={"description": "email, or a channel a plugin adds (sms...)"})
    links = f.Boolean(load_default=False, metadata={
        "description": "Answer with each recipient's link instead of delivering it (the caller delivers them)"})

    @ma.validates_schema
    def _one_target(self, data, **kwargs):
        if sum(key in data for key in ("customer_ids", "segment_id", "tier")) != 1:
            raise ma.ValidationError("Exactly one of customer_ids, segment_id and tier.", "_schema")


class SkippedSchema(Schema):
    customer_id = f.UUID()
    reason = f.String(metadata={"description": "throttled, unsubscribed, unreachable (no address for the channel) or already_invited (by a send of this survey at the same moment)"})


class LinkSchema(Schema):
    customer_id = f.UUID()
    url = f.String()
    expires_at = f.AwareDateTime()


class SentSchema(Schema):
    invited = f.Integer()
    skipped = f.List(f.Nested(SkippedSchema))
    links = f.List(f.Nested(LinkSchema), allow_none=True, metadata={"description": "With \"links\": true"})


class FiguresSchema(Schema):
    responses = f.Integer()
    nps = f.Float(allow_none=True, metadata={"description": "% promoters (9-10) - % detractors (0-6)"})
    nps_answers = f.Integer()
    csat = f.Float(allow_none=True, metadata={"description": "% of 4 and 5"})
    csat_answers = f.Integer()
    ces = f.Float(allow_none=True, metadata={"description": "The mean score (1-7)"})
    ces_answers = f.Integer()


class TierFiguresSchema(FiguresSchema):
    tier = f.String(allow_none=True)


class OwnerFiguresSchema(FiguresSchema):
    owner = f.String(allow_none=True, metadata={"description": "The owner's user id when the customer answered"})


class MonthFiguresSchema(FiguresSchema):
    month = f.String(metadata={"description": "YYYY-MM (UTC)"})


class ResultsSchema(FiguresSchema):
    sent = f.Integer()
    response_rate = f.Float(allow_none=True, metadata={"description": "Links answered / links sent"})
    by_tier = f.List(f.Nested(TierFiguresSchema))
    by_owner = f.List(f.Nested(OwnerFiguresSchema))
    by_month = f.List(f.Nested(MonthFiguresSchema))


class ExportArgs(Schema):
    format = f.String(load_default="csv", validate=v.OneOf(["csv", "xlsx"]))


def _out(survey, questions=None) -> dict:
    return {"id": survey.id, "title": survey.title, "anonymous": survey.anonymous, "state": survey.state,
            "version": survey.version, "schedule": survey.schedule,
            "questions": surveys.questions(survey) if questions is None else questions,
            "last_scheduled_at": survey.last_scheduled_at, "send_after": survey.send_after or [],
            "shareable": survey.shareable, "share_url": sharing.share_url(survey) if survey.shareable else None,
            "created_at": survey.created_at,
            "updated_at": survey.updated_at}


@bp.route("", methods=["GET"])
@bp.arguments(SurveyListArgs, location="query", as_kwargs=True)
@bp.response(200, SurveyPage)
def list_surveys(cursor, limit, state):
    """The surveys, newest first (``state`` to keep one state)."""
    page = surveys.listed(cursor=cursor, limit=limit, state=state)
    questions = surveys.current_questions(page.items)
    return {"items": [_out(s, questions[s.id]) for s in page.items], "next_cursor": page.next_cursor}


@bp.route("", methods=["POST"])
@requires_permission("surveys.manage")
@bp.arguments(SurveySchema)
@bp.response(201, SurveySchema)
@bp.errors(409, 422)
def create_survey(data):
    """Create a survey: a title and questions, each text a string or ``{"en": ..., "zh-CN": ...}``."""
    return _out(surveys.create(data))


@bp.route("/<uuid:survey_id>", methods=["GET"])
@bp.response(200, SurveySchema)
def get_survey(survey_id):
    """One survey with its current questions."""
    return _out(surveys.get(survey_id))


@bp.route("/<uuid:survey_id>", methods=["PATCH"])
@requires_permission("surveys.manage")
@bp.arguments(SurveyPatchSchema)
@bp.response(200, SurveySchema)
@bp.errors(409, 422)
def update_survey(data, survey_id):
    """Change a survey: its title, questions (a new version once it has answers) or state (draft ->
    active -> closed, closed -> active again; 409 otherwise)."""
    return _out(surveys.update(surveys.get(survey_id, lock=True), data))


@bp.route("/<uuid:survey_id>/send", methods=["POST"])
@requires_permission("surveys.send")
@bp.arguments(SendSchema)
@bp.response(200, SentSchema)
@bp.errors(409, 422)
def send_survey(data, survey_id):
    """Invite customers (``customer_ids``, a ``segment_id`` or a ``tier``) to answer an active survey:
    each gets a signed single-use link, by e-mail (or another channel), or in the answer with
    ``"links": true``. Customers asked by any survey within the workspace's ``throttle_days``, or
    unsubscribed, are skipped."""
    survey = surveys.get(survey_id)
    who = sending.recipients(customer_ids=data.get("customer_ids"), segment_id=data.get("segment_id"),
                             tier=data.get("tier"))
    return sending.send(survey, who, channel=data["channel"], give_links=data["links"])


@bp.route("/<uuid:survey_id>/results", methods=["GET"])
@bp.response(200, ResultsSchema)
def survey_results(survey_id):
    """NPS, CSAT and CES with their numbers of answers, the response rate, by tier, owner and month."""
    return results.of(surveys.get(survey_id))


@bp.route("/<uuid:survey_id>/export", methods=["GET"])
@bp.arguments(ExportArgs, location="query", as_kwargs=True)
@bp.response(200, content_type="text/csv", description="One line per answer, as CSV (UTF-8 with BOM) or XLSX")
@bp.alt_response(200, content_type=XLSX, description="format=xlsx", success=True)
def export_survey(survey_id, format):
    """Download the answers, one line per answer (an anonymous survey's without customer)."""
    survey = surveys.get(survey_id)
    lines = list(results.export_rows(survey))
    name = f"survey-{survey.id}"
    db.session.commit()
    if format == "xlsx":
        return send_file(as_xlsx(iter(lines), title="Answers"), mimetype=XLSX, as_attachment=True,
                         download_name=f"{name}.xlsx")
    return FlaskResponse(as_csv(iter(lines)), mimetype="text/csv; charset=utf-8",
                         headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
