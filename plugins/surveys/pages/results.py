"""``/surveys/<id>/results``: NPS, CSAT and CES with their numbers of answers, the response rate,
by tier, owner and month (``GET /api/v1/surveys/{id}/results``' figures, a chart of the months),
with the export links; and ``/surveys/<id>/answers``, the answers one by one, newest first."""

from __future__ import annotations

from flask import render_template, request

from saas.web.labels import in_page_language

from plugins.surveys import results as figures
from plugins.surveys import surveys
from plugins.surveys.pages import pages, reading
from plugins.surveys.pages.wording import SHORT_KINDS, STATES, TIERS
from plugins.surveys.texts import shown

PER_PAGE = 50


@pages.route("/<uuid:survey_id>/results")
def results(survey_id):
    found = surveys.get(survey_id)
    language = reading.page_language()
    states, tiers = in_page_language(STATES, TIERS)
    of = figures.of(found)
    chart = {"months": [row["month"] for row in of["by_month"]],
             "nps": [row["nps"] for row in of["by_month"]], "csat": [row["csat"] for row in of["by_month"]]}
    return render_template("surveys/pages/results.html", survey=found, title=shown(found.title, language),
                           states=states, tiers=tiers, results=of, owners=reading.members(), chart=chart)


@pages.route("/<uuid:survey_id>/answers")
def answers(survey_id):
    found = surveys.get(survey_id)
    language = reading.page_language()
    [kinds] = in_page_language(SHORT_KINDS)
    [tiers] = in_page_language(TIERS)
    page, given, names = reading.answers(found.id, cursor=request.args.get("cursor"), limit=PER_PAGE)
    rows = []
    for response in page.items:
        scores, said = [], []
        for _position, kind, score, choices, text, offered, question in given[response.id]:
            if score is not None:
                scores.append(f"{kinds.get(kind.value, kind.value)} {score}")
            elif choices:
                said.append(", ".join(shown(offered[i], language) for i in choices if i < len(offered)))
            elif text:
                said.append(text)
        rows.append({"response": response, "name": names.get(response.customer_id), "scores": scores, "said": said})
    return render_template("surveys/pages/answers.html", survey=found, title=shown(found.title, language),
                           page=page, rows=rows, tiers=tiers)
