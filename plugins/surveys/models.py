"""The surveys tables: a survey and its questions (by version), each recipient's invitation, the
answers, and the customers who asked to hear no more.

A survey that has answers is never edited in place: changing its questions writes them anew under
the next ``version``, so every answer keeps the question it answered. An anonymous survey's
response keeps no customer, invitation or owner, and only the day it was given.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from saas.core.db import TenantScoped, db, tenant_fk
from saas.core.types import UTCDateTime, utcnow


class State(str, enum.Enum):
    draft = "draft"  # being written: not sent, not answered
    active = "active"  # sent and answered
    closed = "closed"  # answered no more (its links answer 410); may be opened again


class QuestionKind(str, enum.Enum):
    nps = "nps"  # 0-10: how likely to recommend
    csat = "csat"  # 1-5: how satisfied
    ces = "ces"  # 1-7: how easy
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    text = "text"


SCALES = {QuestionKind.nps: (0, 10), QuestionKind.csat: (1, 5), QuestionKind.ces: (1, 7)}


class Survey(TenantScoped, db.Model):
    __tablename__ = "surveys_surveys"
    __audit__ = True

    title: Mapped[dict] = mapped_column(sa.JSON)  # {"en": ..., "zh-CN": ...}
    state: Mapped[State] = mapped_column(sa.Enum(State, native_enum=False, length=10), default=State.draft)
    anonymous: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)  # the questions' current version
    # sent again and again: {"every_months": 3, "tier": "important"} (or "segment_id"); None: by hand only
    schedule: Mapped[dict | None] = mapped_column(sa.JSON)
    last_scheduled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the schedule's latest sending
    # sent after each of these events of a customer: [{"event": "purchase.recorded", "delay_hours": 24}]
    send_after: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    # answered by anyone through one shareable link (plugins/surveys/sharing.py), anonymously
    shareable: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Question(TenantScoped, db.Model):
    __tablename__ = "surveys_questions"
    __table_args__ = (
        tenant_fk(["survey_id"], "surveys_surveys", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "survey_id", "version", "position"),
    )

    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    version: Mapped[int] = mapped_column(sa.Integer)
    position: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[QuestionKind] = mapped_column(sa.Enum(QuestionKind, native_enum=False, length=20))
    text: Mapped[dict] = mapped_column(sa.JSON)  # {"en": ..., "zh-CN": ...}
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)  # [{"en": ..., "zh-CN": ...}, ...]
    required: Mapped[bool] = mapped_column(sa.Boolean, default=True)


class Invitation(TenantScoped, db.Model):
    """One recipient asked to answer one survey: what the link's token names. Only a finished answer
    uses it up (``finished_at``); until then ``draft`` keeps a partial answer, which the link resumes."""

    __tablename__ = "surveys_invitations"
    __table_args__ = (
        tenant_fk(["survey_id"], "surveys_surveys", ondelete="CASCADE"),
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.Index("ix_surveys_invitations_customer", "tenant_id", "customer_id", "sent_at"),
        sa.Index("ix_surveys_invitations_survey", "tenant_id", "survey_id"),
        sa.Index("ix_surveys_invitations_due", "tenant_id", "due_at"),
        sa.UniqueConstraint("tenant_id", "source"),  # one invitation per event and survey
    )

    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    version: Mapped[int] = mapped_column(sa.Integer)  # the questions the link shows
    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    channel: Mapped[str] = mapped_column(sa.String(40))  # "email", "link" (delivered by the caller), a plugin's
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # handed to the mail server/channel
    # after an event with a delay: delivered once due (the sweep queues it, then sets queued_at)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    queued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    source: Mapped[str | None] = mapped_column(sa.String(120))  # "event:<event id>:<survey id>"
    draft: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # question id -> a partial answer
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # an anonymous survey's: the day only


class Response(TenantScoped, db.Model):
    """A finished answer. ``tier`` and ``owner_id`` are the customer's when they answered (results by
    tier and owner); an anonymous survey's response has neither, nor a customer or invitation."""

    __tablename__ = "surveys_responses"
    __table_args__ = (
        tenant_fk(["survey_id"], "surveys_surveys", ondelete="CASCADE"),
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        tenant_fk(["invitation_id"], "surveys_invitations", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "invitation_id"),  # one finished answer per link
        sa.Index("ix_surveys_responses_survey", "tenant_id", "survey_id", "submitted_at"),
        sa.Index("ix_surveys_responses_customer", "tenant_id", "customer_id", "submitted_at"),
    )

    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    version: Mapped[int] = mapped_column(sa.Integer)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    tier: Mapped[str | None] = mapped_column(sa.String(20))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    language: Mapped[str] = mapped_column(sa.String(10))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Answer(TenantScoped, db.Model):
    __tablename__ = "surveys_answers"
    __table_args__ = (
        tenant_fk(["response_id"], "surveys_responses", ondelete="CASCADE"),
        tenant_fk(["question_id"], "surveys_questions", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "response_id", "question_id"),
        sa.Index("ix_surveys_answers_question", "tenant_id", "question_id"),
    )

    response_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    question_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[QuestionKind] = mapped_column(sa.Enum(QuestionKind, native_enum=False, length=20))
    score: Mapped[int | None] = mapped_column(sa.Integer)  # nps, csat, ces
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)  # the indexes chosen
    text: Mapped[str | None] = mapped_column(sa.Text)


class OptOut(TenantScoped, db.Model):
    """A customer who followed a survey's unsubscribe link: asked by no survey again."""

    __tablename__ = "surveys_optouts"
    __table_args__ = (
        tenant_fk(["customer_id"], "customers", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "customer_id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
