"""``/surveys/``: the workspace's surveys, newest first, with their state, version, links sent and
answers (the ``state`` filter as ``GET /api/v1/surveys`` reads it; with htmx, the table alone is
swapped in, and the URL pushed)."""

from __future__ import annotations

from flask import render_template, request

from saas.web.labels import in_page_language

from plugins.surveys import surveys
from plugins.surveys.models import State
from plugins.surveys.pages import pages, reading
from plugins.surveys.pages.wording import STATES
from plugins.surveys.texts import shown

PER_PAGE = 50


@pages.route("/")
def index():
    state = request.args.get("state") or None
    if state not in (None, *(s.value for s in State)):
        state = None  # an unknown state filters nothing, as an empty one
    page = surveys.listed(cursor=request.args.get("cursor"), limit=PER_PAGE, state=State(state) if state else None)
    language = reading.page_language()
    [states] = in_page_language(STATES)
    context = dict(page=page, state=state, states=states, counts=reading.counts([s.id for s in page.items]),
                   titles={s.id: shown(s.title, language) for s in page.items})
    if request.headers.get("HX-Request"):  # the filter, swapped in place: the table alone
        return render_template("surveys/pages/_list_results.html", **context), {"Vary": "HX-Request"}
    return render_template("surveys/pages/list.html", **context), {"Vary": "HX-Request"}
