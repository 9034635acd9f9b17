"""A survey's results: NPS (% promoters 9-10 minus % detractors 0-6), CSAT (% of 4 and 5), CES (the
mean), each with its number of answers; the response rate; by tier, owner and month. All versions'
answers count: a score question keeps its meaning when its wording changes."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from saas.core.db import db

from plugins.surveys.models import Answer, Invitation, QuestionKind, Response, Survey

SCORED = (QuestionKind.nps, QuestionKind.csat, QuestionKind.ces)


def nps(scores: list[int]) -> float | None:
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores), 1)


def csat(scores: list[int]) -> float | None:
    return round(100 * sum(1 for s in scores if s >= 4) / len(scores), 1) if scores else None


def ces(scores: list[int]) -> float | None:
    return round(sum(scores) / len(scores), 2) if scores else None


FIGURES = {QuestionKind.nps: nps, QuestionKind.csat: csat, QuestionKind.ces: ces}


def figures(scores: dict[QuestionKind, list[int]], responses: int) -> dict:
    """``{"responses": n, "nps": ..., "nps_answers": n, "csat": ..., ...}`` of a group's scores."""
    result = {"responses": responses}
    for kind, figure in FIGURES.items():
        result[kind.value] = figure(scores.get(kind, []))
        result[f"{kind.value}_answers"] = len(scores.get(kind, []))
    return result


def of(survey: Survey) -> dict:
    """The survey's figures, overall and by tier, owner and month (UTC), with the response rate:
    finished answers through links over links sent. Two queries."""
    rows = db.session.execute(
        sa.select(Response.id, Response.tier, Response.owner_id, Response.submitted_at, Answer.kind, Answer.score)
        .outerjoin(Answer, sa.and_(Answer.tenant_id == Response.tenant_id, Answer.response_id == Response.id,
                                   Answer.kind.in_(SCORED)))
        .where(Response.survey_id == survey.id)).all()
    sent, finished = db.session.execute(sa.select(
        sa.func.count(), sa.func.count(Invitation.finished_at)).where(Invitation.survey_id == survey.id)).one()
    groups = {"tier": defaultdict(lambda: (set(), defaultdict(list))),
              "owner": defaultdict(lambda: (set(), defaultdict(list))),
              "month": defaultdict(lambda: (set(), defaultdict(list)))}
    everyone = (set(), defaultdict(list))
    for response_id, tier, owner_id, submitted_at, kind, score in rows:
        keys = {"tier": tier, "owner": str(owner_id) if owner_id else None, "month": submitted_at.strftime("%Y-%m")}
        for bucket in (everyone, *(groups[name][key] for name, key in keys.items())):
            bucket[0].add(response_id)
            if kind is not None and score is not None:
                bucket[1][kind].append(score)
    result = figures(everyone[1], len(everyone[0]))
    result["sent"] = sent
    result["response_rate"] = round(finished / sent, 4) if sent else None
    for name, buckets in groups.items():
        result[f"by_{name}"] = [{name: key, **figures(scores, len(ids))}
                                for key, (ids, scores) in sorted(buckets.items(), key=lambda item: str(item[0]))]
    return result


def export_rows(survey: Survey):
    """One line per answer, for CSV or XLSX: the header, then the rows (an anonymous survey's have
    no customer)."""
    yield ["response_id", "submitted_at", "customer_id", "tier", "owner_id", "language", "question_id", "kind",
           "score", "choices", "text"]
    rows = db.session.execute(
        sa.select(Response.id, Response.submitted_at, Response.customer_id, Response.tier, Response.owner_id,
                  Response.language, Answer.question_id, Answer.kind, Answer.score, Answer.choices, Answer.text)
        .join(Answer, sa.and_(Answer.tenant_id == Response.tenant_id, Answer.response_id == Response.id))
        .where(Response.survey_id == survey.id).order_by(Response.submitted_at, Response.id))
    for row in rows:
        (response_id, submitted_at, customer_id, tier, owner_id, language, question_id, kind, score, choices,
         text) = row
        yield [str(response_id), submitted_at.isoformat(), str(customer_id) if customer_id else "", tier or "",
               str(owner_id) if owner_id else "", language, str(question_id), kind.value,
               "" if score is None else score, " ".join(str(c) for c in choices or []), text or ""]
