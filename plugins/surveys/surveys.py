"""Surveys and their questions: creating, changing (a new version once it has answers), and the
states draft -> active -> closed (and closed -> active again)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from saas.core.db import db
from saas.core.errors import Conflict, Invalid
from saas.core.pagination import Page, paginate
from saas.core.tenancy import get_owned

from plugins.surveys import triggers
from plugins.surveys.models import Question, Response, State, Survey

MOVES = {State.draft: {State.active}, State.active: {State.closed}, State.closed: {State.active}}


def get(survey_id: uuid.UUID, *, lock: bool = False) -> Survey:
    return get_owned(Survey, survey_id, "survey not found", for_update=lock)


def listed(*, cursor: str | None, limit: int, state: State | None = None) -> Page:
    stmt = sa.select(Survey)
    if state is not None:
        stmt = stmt.where(Survey.state == state)
    return paginate(stmt, db.session, [Survey.created_at, Survey.id], descending=True, cursor=cursor, limit=limit)


def questions(survey: Survey, version: int | None = None) -> list[Question]:
    """The questions of ``version`` (the current one by default), in order."""
    return list(db.session.scalars(sa.select(Question).where(
        Question.survey_id == survey.id, Question.version == (version or survey.version)).order_by(Question.position)))


def current_questions(found: list[Survey]) -> dict[uuid.UUID, list[Question]]:
    """Each survey's current questions, in order, in one query (a page of surveys)."""
    by_survey: dict[uuid.UUID, list[Question]] = {survey.id: [] for survey in found}
    if found:
        versions = sa.tuple_(Question.survey_id, Question.version).in_([(s.id, s.version) for s in found])
        for question in db.session.scalars(sa.select(Question).where(versions).order_by(Question.position)):
            by_survey[question.survey_id].append(question)
    return by_survey


def create(data: dict) -> Survey:
    triggers.check(data)
    survey = Survey(title=data["title"], anonymous=data.get("anonymous", False), state=State.draft, version=1,
                    schedule=data.get("schedule"), send_after=data.get("send_after") or [],
                    shareable=data.get("shareable", False))
    db.session.add(survey)
    db.session.flush()
    _write_questions(survey, data["questions"])
    if data.get("state") not in (None, State.draft):
        change_state(survey, data["state"])
    return survey


def update(survey: Survey, data: dict) -> Survey:
    """Change what ``data`` names; new questions on a survey with answers in its current version
    make the next version (the answered questions stay as they were)."""
    triggers.check(data)
    answered = has_answers(survey)
    for key in ("schedule", "send_after"):
        if key in data:
            setattr(survey, key, data[key] if key == "schedule" else data[key] or [])
    if "anonymous" in data and data["anonymous"] != survey.anonymous:
        if db.session.scalar(sa.select(Response.id).where(Response.survey_id == survey.id).limit(1)):
            raise Conflict("a survey with answers cannot change whether it is anonymous",
                           {"anonymous": ["The survey has answers."]})
        survey.anonymous = data["anonymous"]
    if "title" in data:
        survey.title = data["title"]
    if "shareable" in data:
        survey.shareable = data["shareable"]
    if "questions" in data:
        staying_active = data.get("state", survey.state) is State.active
        if not data["questions"] and staying_active:
            raise Invalid("an active survey needs a question", {"questions": ["At least one question."]})
        if answered:
            survey.version += 1
        else:
            db.session.execute(sa.delete(Question).where(Question.survey_id == survey.id,
                                                         Question.version == survey.version))
        _write_questions(survey, data["questions"])
    if "state" in data and data["state"] != survey.state:
        change_state(survey, data["state"])
    db.session.flush()
    return survey


def has_answers(survey: Survey) -> bool:
    return db.session.scalar(sa.select(Response.id).where(
        Response.survey_id == survey.id, Response.version == survey.version).limit(1)) is not None


def change_state(survey: Survey, state: State) -> None:
    if state not in MOVES[survey.state]:
        raise Conflict(f"a {survey.state.value} survey cannot become {state.value}",
                       {"state": [f"From {survey.state.value}: {', '.join(sorted(s.value for s in MOVES[survey.state]))}."]})
    if state is State.active and not questions(survey):
        raise Invalid("a survey needs a question before it is active", {"questions": ["At least one question."]})
    survey.state = state


def _write_questions(survey: Survey, given: list[dict]) -> None:
    db.session.add_all(Question(survey_id=survey.id, version=survey.version, position=position, kind=q["kind"],
                                text=q["text"], choices=q.get("choices") or [], required=q["required"])
                       for position, q in enumerate(given))
    db.session.flush()
