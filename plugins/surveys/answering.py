"""An answer through a link: the invitation a token opens (or why not), reading the form, a partial
answer kept for later, and a finished one, which uses the link up and raises ``surveys.low_score``
for each unhappy score."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from saas.core.classification import CustomerFigures
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.tenancy import current_tenant_id
from saas.core.types import utcnow

from plugins.surveys import loop
from plugins.surveys.links import Refusal
from plugins.surveys.models import SCALES, Answer, Invitation, OptOut, Question, QuestionKind, Response, State, Survey

MAX_TEXT = 2000


@dataclass
class Opened:
    invitation: Invitation
    survey: Survey
    questions: list[Question]


def open_invitation(invitation_id: uuid.UUID, *, lock: bool = False) -> Opened | Refusal:
    """The bound workspace's invitation ``invitation_id`` with its survey, if it may be answered."""
    invitation = db.session.get(Invitation, (current_tenant_id(), invitation_id), with_for_update=lock or None)
    if invitation is None:
        return Refusal.unknown
    if invitation.finished_at is not None:
        return Refusal.used
    if invitation.expires_at <= utcnow():
        return Refusal.expired
    survey = db.session.get(Survey, (invitation.tenant_id, invitation.survey_id))
    if survey.state is not State.active:
        return Refusal.closed
    questions = list(db.session.scalars(sa.select(Question).where(
        Question.survey_id == survey.id, Question.version == invitation.version).order_by(Question.position)))
    return Opened(invitation, survey, questions)


def read_form(questions: list[Question], form) -> tuple[dict, dict]:
    """The answers a posted form gives (question id -> value: a score, a list of choice indexes, a
    text) and the errors of those it gives wrongly (question id -> message key)."""
    given, errors = {}, {}
    for question in questions:
        key = f"q-{question.id}"
        if question.kind is QuestionKind.multiple_choice:
            raw = form.getlist(key)
            if not raw:
                continue
            picked = _indexes(raw, len(question.choices))
            if picked is None:
                errors[str(question.id)] = "choice"
            else:
                given[str(question.id)] = picked
            continue
        raw = (form.get(key) or "").strip()
        if not raw:
            continue
        if question.kind is QuestionKind.text:
            if len(raw) > MAX_TEXT:
                errors[str(question.id)] = "long"
            elif "\x00" in raw:  # no database keeps it (PostgreSQL refuses it in text)
                errors[str(question.id)] = "nul"
            else:
                given[str(question.id)] = raw
        elif question.kind is QuestionKind.single_choice:
            picked = _indexes([raw], len(question.choices))
            if picked is None:
                errors[str(question.id)] = "choice"
            else:
                given[str(question.id)] = picked
        else:
            low, high = SCALES[question.kind]
            value = _whole(raw)
            if value is None or not low <= value <= high:
                errors[str(question.id)] = "scale"
            else:
                given[str(question.id)] = value
    return given, errors


def _whole(raw: str) -> int | None:
    """A small whole number written in ASCII digits ("²" is a digit to ``str.isdigit``, not to ``int``)."""
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= 4 else None


def _indexes(raw: list[str], count: int) -> list[int] | None:
    picked = [_whole(item) for item in raw]
    if any(index is None or index >= count for index in picked):
        return None
    return sorted(set(picked))


def missing(questions: list[Question], given: dict) -> list[str]:
    """The required questions ``given`` leaves unanswered."""
    return [str(q.id) for q in questions if q.required and str(q.id) not in given]


def save_draft(opened: Opened, given: dict) -> None:
    opened.invitation.draft = given


def finish(opened: Opened, given: dict, language: str) -> Response:
    """Record the finished answer and use the link up; an anonymous survey's answer keeps no customer
    (nor invitation, owner or tier) and only its day."""
    invitation, survey = opened.invitation, opened.survey
    if survey.anonymous:
        response = anonymous_response(survey, invitation.version, language)
    else:
        customer = db.session.get(Customer, (invitation.tenant_id, invitation.customer_id))
        tier = db.session.scalar(sa.select(CustomerFigures.tier).where(CustomerFigures.customer_id == customer.id))
        response = Response(survey_id=survey.id, version=invitation.version, customer_id=customer.id,
                            invitation_id=invitation.id, tier=tier, owner_id=customer.owner_id, language=language,
                            submitted_at=utcnow())
    invitation.finished_at, invitation.draft = response.submitted_at, {}
    return record(survey, response, opened.questions, given)


def anonymous_response(survey: Survey, version: int, language: str) -> Response:
    """A response that keeps no customer, invitation, owner or tier, and only its day; its id is
    random (a UUIDv7 would carry the exact time the day leaves out)."""
    day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return Response(id=uuid.uuid4(), survey_id=survey.id, version=version, language=language, submitted_at=day)


def record(survey: Survey, response: Response, questions: list[Question], given: dict) -> Response:
    """Write ``response`` with the answers ``given`` to ``questions``, and raise ``surveys.low_score``
    for each unhappy score."""
    db.session.add(response)
    db.session.flush()
    answers = []
    for question in questions:
        value = given.get(str(question.id))
        if value is None:
            continue
        answers.append(Answer(
            **({"id": uuid.uuid4()} if response.customer_id is None else {}), response_id=response.id,
            question_id=question.id, kind=question.kind, score=value if question.kind in SCALES else None,
            choices=value if question.kind in (QuestionKind.single_choice, QuestionKind.multiple_choice) else [],
            text=value if question.kind is QuestionKind.text else None))
    db.session.add_all(answers)
    db.session.flush()
    loop.close(survey, response, answers, response.customer_id)
    return response


def unsubscribe(invitation_id: uuid.UUID) -> bool:
    """The invitation's customer is asked no more (twice is once); False for an unknown invitation."""
    invitation = db.session.get(Invitation, (current_tenant_id(), invitation_id))
    if invitation is None:
        return False
    if db.session.scalar(sa.select(OptOut.id).where(OptOut.customer_id == invitation.customer_id)) is None:
        db.session.add(OptOut(customer_id=invitation.customer_id, created_at=utcnow()))
    return True
