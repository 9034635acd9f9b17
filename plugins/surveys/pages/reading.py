"""What the pages read beyond the API's functions, each in one statement: the numbers of links
sent and answers of a page of surveys, the workspace's members by name (the owners of the results),
its segments, the events a survey can be sent after, and a page of a survey's answers."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask_babel import get_locale

from saas.core.accounts import Membership, User
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.pagination import Page, paginate
from saas.core.plugins import installed
from saas.core.segments.models import Segment

from plugins.surveys.models import Answer, Invitation, Question, Response
from plugins.surveys.settings import NAME
from plugins.surveys.texts import language_of


def page_language() -> str:
    return language_of(str(get_locale()))


def counts(survey_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """``{survey id: (links sent, answers)}``."""
    if not survey_ids:
        return {}
    sent = dict(db.session.execute(sa.select(Invitation.survey_id, sa.func.count())
                                   .where(Invitation.survey_id.in_(survey_ids)).group_by(Invitation.survey_id)).all())
    answered = dict(db.session.execute(sa.select(Response.survey_id, sa.func.count())
                                       .where(Response.survey_id.in_(survey_ids)).group_by(Response.survey_id)).all())
    return {survey_id: (sent.get(survey_id, 0), answered.get(survey_id, 0)) for survey_id in survey_ids}


def members() -> dict[str, str]:
    """The workspace's members' names by user id (as text: the results name owners so)."""
    name = sa.func.coalesce(sa.func.nullif(User.name, ""), User.email)
    return {str(user_id): shown for user_id, shown in db.session.execute(
        sa.select(Membership.user_id, name).join(User, User.id == Membership.user_id))}


def segments() -> list[tuple[uuid.UUID, str]]:
    return [tuple(row) for row in db.session.execute(sa.select(Segment.id, Segment.name).order_by(Segment.name))]


def customer_events(offered, chosen=()) -> list[str]:
    """The events the survey page offers to send after: those of ``offered`` that are declared events
    of a customer (not this module's own), in its order, then those ``chosen`` already."""
    declared = {event.name for event in installed().event_types()
                if "customer_id" in (event.example or {}) and not event.name.startswith(f"{NAME}.")}
    return [name for name in offered if name in declared] + [name for name in chosen if name not in offered]


def answers(survey_id: uuid.UUID, *, cursor: str | None, limit: int) -> tuple[Page, dict, dict]:
    """A page of the survey's answers, newest first, with each one's answers (response id ->
    [(question position, kind, score, choices, text, the question's choices)]) and its customer's
    name; three statements whatever the number of rows."""
    page = paginate(sa.select(Response).where(Response.survey_id == survey_id), db.session,
                    [Response.submitted_at, Response.id], descending=True, cursor=cursor, limit=limit)
    ids = [response.id for response in page.items]
    given: dict[uuid.UUID, list] = {response_id: [] for response_id in ids}
    names: dict[uuid.UUID, str] = {}
    if ids:
        for row in db.session.execute(
                sa.select(Answer.response_id, Question.position, Answer.kind, Answer.score, Answer.choices, Answer.text,
                          Question.choices, Question.text)
                .join(Question, sa.and_(Question.tenant_id == Answer.tenant_id, Question.id == Answer.question_id))
                .where(Answer.response_id.in_(ids)).order_by(Question.position)):
            given[row[0]].append(tuple(row[1:]))
        customer_ids = {response.customer_id for response in page.items if response.customer_id}
        if customer_ids:
            names = dict(db.session.execute(sa.select(Customer.id, Customer.name)
                                            .where(Customer.id.in_(customer_ids))).all())
    return page, given, names
