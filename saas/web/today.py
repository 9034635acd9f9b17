"""``/today``: what the signed-in person has to do, from every module the workspace has enabled."""

from __future__ import annotations

from flask import render_template

from saas.auth import current_principal
from saas.core.todo import todo_items
from saas.core.types import utcnow
from saas.web.blueprint import bp
from saas.web.pages import member_page


@bp.route("/today")
@member_page
def today():
    principal = current_principal()
    return render_template("today/index.html", items=todo_items(principal.tenant, principal.membership),
                           now=utcnow())
