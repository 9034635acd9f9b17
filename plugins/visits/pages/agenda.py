"""``/visits/``: a person's agenda, the planned visits due today, this week (Monday to Sunday) or
overdue, each with a form that logs its outcome in place (htmx; without it, a link to the
visit's page); another person's agenda with the ``visits.team`` permission, as
``GET /api/v1/visits/agenda`` allows. And ``/visits/team``: a manager's team, each person's
visits due today, this week and overdue, then the team's overdue visits."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Forbidden

from saas.auth import current_principal, may
from saas.web.labels import in_page_language

from plugins.visits import agenda as agendas
from plugins.visits import clock
from plugins.visits.api import AgendaArgs, _people
from plugins.visits.pages import pages
from plugins.visits.pages.arguments import loaded, query
from plugins.visits.pages.wording import CHANNELS, PURPOSES, STATUSES, VIEWS

FILTER_LABELS = {"view": _l("Show"), "owner_id": _l("Whose"), "team": _l("Team")}


@pages.route("/")
def agenda():
    args, shown, errors = loaded(AgendaArgs(), request.args)
    today = clock.today()
    view = args.get("view", "today")
    rows = []
    if not errors:
        rows = agendas.due(_people(args.get("owner_id"), None), view, today)
    views, channels, purposes, statuses, labels = in_page_language(VIEWS, CHANNELS, PURPOSES, STATUSES, FILTER_LABELS)
    start, end = agendas.window(view, today)
    team = may("visits.team")
    return render_template(
        "visits/agenda.html", rows=rows, view=view, views=views, channels=channels, purposes=purposes,
        statuses=statuses, errors=errors, filter_labels=labels, shown=shown, today=today, start=start, end=end,
        members=agendas.members() if team else [], me=current_principal().user.id,
        back=query(url_for("visits_pages.agenda"), shown),
        query=lambda **changed: query(url_for("visits_pages.agenda"), shown, **changed)), 400 if errors else 200


@pages.route("/team")
def team():
    if not may("visits.team"):
        raise Forbidden("The team's visits need the 'visits.team' permission.")
    principal = current_principal()
    everyone = agendas.members()
    teams = sorted({member_team for _id, _name, member_team in everyone if member_team})
    mine = principal.membership.team if principal.membership is not None else None
    chosen = request.args.get("team", mine or "").strip()
    if chosen and chosen not in teams:
        chosen = ""
    people = [(user_id, name) for user_id, name, member_team in everyone if not chosen or member_team == chosen]
    today = clock.today()
    ids = [user_id for user_id, _name in people]
    counts = agendas.workload(ids, today) if ids else {}
    overdue = agendas.due(ids, "overdue", today, staff_only=True) if ids else []
    channels, purposes = in_page_language(CHANNELS, PURPOSES)
    return render_template("visits/team.html", people=people, counts=counts, overdue=overdue, teams=teams,
                           chosen=chosen, today=today, channels=channels, purposes=purposes,
                           names=dict(people))
