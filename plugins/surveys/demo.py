"""The surveys module's part of the demo workspace (the ``saas_demo_data`` hook of ``flask demo
seed``): the quarterly satisfaction survey of the seeds (客户满意度调查: NPS, CSAT, a choice and a
comment), active and sent five times over the last year to the buying customers, with a few
hundred answers spread over the months, tiers and account managers (core customers happier, the
general ones less so, a few detractors in every round), and a draft after-purchase survey. The rows
are written as sending and answering write them (an invitation per customer and round, the
answer's tier and owner the customer's); no ``surveys.low_score`` is raised for this history, so
the seed starts no follow-ups of its own. Deterministic: ``random.Random(SEED)``."""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from saas.core.classification import CustomerFigures
from saas.core.customers import Customer
from saas.core.db import db
from saas.core.types import new_id

from plugins.surveys.models import Answer, Invitation, Question, QuestionKind, Response, State, Survey

SEED = 17
ROUNDS_DAYS_AGO = (330, 240, 150, 75, 20)  # quarterly, and one this month
TITLE = {"en": "Quarterly satisfaction survey", "zh-CN": "季度客户满意度调查"}
QUESTIONS = (
    (QuestionKind.nps, {"en": "How likely are you to recommend us to a friend or colleague?",
                        "zh-CN": "您有多大可能向朋友或同事推荐我们？"}, [], True),
    (QuestionKind.csat, {"en": "How satisfied are you with our tea and service?", "zh-CN": "您对我们的茶叶和服务满意吗？"},
     [], True),
    (QuestionKind.single_choice, {"en": "What matters most to you?", "zh-CN": "您最看重什么？"},
     [{"en": "Quality", "zh-CN": "品质"}, {"en": "Price", "zh-CN": "价格"}, {"en": "Delivery", "zh-CN": "配送"},
      {"en": "Service", "zh-CN": "服务"}], False),
    (QuestionKind.text, {"en": "Anything we could do better?", "zh-CN": "我们还有哪些可以改进的地方？"}, [], False),
)
COMMENTS = ("明前龙井香气很好，包装也很精致", "希望发货再快一点", "价格比去年高了一些", "客户经理服务很周到",
            "希望增加小包装", "节日礼盒很受客户欢迎", "上一批茶叶有点受潮", "售后回复太慢")
# per tier: the chance of answering, and the NPS scores drawn from
ANSWERING = {"core": (0.6, (10, 10, 9, 9, 9, 8, 8, 7, 5)), "important": (0.45, (10, 9, 9, 8, 8, 7, 7, 6, 4)),
             "basic": (0.35, (10, 9, 8, 8, 7, 7, 6, 5, 3)), "general": (0.25, (9, 8, 7, 7, 6, 5, 4, 3, 2))}


def fill(now: dt.datetime) -> int:
    """In the bound workspace: the surveys and their history; returns how many answers."""
    rng = random.Random(SEED)
    survey = Survey(title=TITLE, state=State.active, version=1, anonymous=False,
                    schedule={"every_months": 3, "tier": "important"},
                    last_scheduled_at=now - dt.timedelta(days=ROUNDS_DAYS_AGO[-1]), send_after=[],
                    created_at=now - dt.timedelta(days=ROUNDS_DAYS_AGO[0] + 3))
    db.session.add(survey)
    db.session.flush()
    questions = [Question(survey_id=survey.id, version=1, position=n, kind=kind, text=text, choices=choices,
                          required=required) for n, (kind, text, choices, required) in enumerate(QUESTIONS)]
    db.session.add_all(questions)
    draft = Survey(id=new_id(), title={"en": "After your order", "zh-CN": "订单回访"}, state=State.draft, version=1,
                   send_after=[{"event": "purchase.recorded", "delay_hours": 72}])
    db.session.add(draft)
    db.session.flush()  # the unit of work knows no order between these tables: parents first, by hand
    db.session.add(Question(survey_id=draft.id, version=1, position=0, kind=QuestionKind.ces,
                            text={"en": "How easy was it to order from us?", "zh-CN": "这次下单是否方便？"}, choices=[],
                            required=True))
    buyers = db.session.execute(
        sa.select(Customer.id, Customer.owner_id, CustomerFigures.tier)
        .join(CustomerFigures, CustomerFigures.customer_id == Customer.id)
        .where(Customer.deleted_at.is_(None), CustomerFigures.tier.in_(list(ANSWERING)))
        .order_by(Customer.id)).all()
    answered = 0
    for days_ago in ROUNDS_DAYS_AGO:
        sent = now - dt.timedelta(days=days_ago)
        invitations, responses, answers = [], [], []
        for customer_id, owner_id, tier in buyers:
            invitation = Invitation(id=new_id(), survey_id=survey.id, version=1, customer_id=customer_id, channel="email",
                                    sent_at=sent, delivered_at=sent, queued_at=sent, expires_at=sent + dt.timedelta(days=14),
                                    source=f"demo:{survey.id}:{customer_id}:{days_ago}", draft={})
            invitations.append(invitation)
            chance, scale = ANSWERING[tier]
            if rng.random() >= chance:
                continue
            when = min(sent + dt.timedelta(hours=rng.uniform(1, 24 * 6)), now - dt.timedelta(minutes=5))
            invitation.finished_at = when
            response = Response(id=new_id(), survey_id=survey.id, version=1, customer_id=customer_id, invitation_id=invitation.id,
                                tier=tier, owner_id=owner_id, language="zh-CN", submitted_at=when)
            responses.append(response)
            nps = rng.choice(scale)
            csat = max(1, min(5, round(nps / 2) + rng.choice((-1, 0, 0, 1))))
            answers.extend([
                Answer(response_id=response.id, question_id=questions[0].id, kind=QuestionKind.nps, score=nps, choices=[]),
                Answer(response_id=response.id, question_id=questions[1].id, kind=QuestionKind.csat, score=csat,
                       choices=[]),
                Answer(response_id=response.id, question_id=questions[2].id, kind=QuestionKind.single_choice,
                       choices=[rng.randrange(len(QUESTIONS[2][2]))]),
            ])
            if rng.random() < 0.3:
                answers.append(Answer(response_id=response.id, question_id=questions[3].id, kind=QuestionKind.text,
                                      choices=[], text=rng.choice(COMMENTS)))
            answered += 1
        for rows in (invitations, responses, answers):
            db.session.add_all(rows)
            db.session.flush()
    return answered
