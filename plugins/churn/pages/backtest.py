"""``/churn/backtest``: run a backtest (a cut-off date and the days after it; the form loaded by the
API's schema, its field errors on the form and nothing written) and read one: the verdict in words,
the rankings as a chart and a table, beside plain recency. Every member may read the backtests;
running one needs the ``churn.run`` permission (managers, admins, owners), as
``POST /api/v1/churn/backtests`` does."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from saas.auth import may, requires_permission
from saas.core.accounts import Scope
from saas.core.db import db
from saas.core.module_settings import settings_of
from saas.core.errors import DomainError
from saas.web.customer_forms import FormErrors
from saas.web.form_text import nul_errors
from saas.web.labels import in_page_language
from saas.web.pages import member_page

from plugins.churn import backtests as service
from plugins.churn.api import BacktestRequestSchema
from plugins.churn.models import Backtest
from plugins.churn.pages import pages
from plugins.churn.pages.reading import chart, read
from plugins.churn.pages.wording import field_errors, load
from plugins.churn.settings import NAME

RUN_STATES = {"running": _l("Running"), "done": _l("Done"), "failed": _l("Failed")}
EARLIER = 20  # the backtests listed under the form


@pages.route("/backtest")
def backtest():
    chosen = request.args.get("id")
    return _page(shown=_backtest(chosen) if chosen else None)


def _backtest(chosen: str) -> Backtest:
    try:
        return service.get(uuid.UUID(chosen))
    except ValueError:
        raise NotFound("backtest not found") from None


@pages.route("/backtest", methods=["POST"])
@member_page(needs=Scope.write)
@requires_permission("churn.run")
def run_backtest():
    values = {name: request.form.get(name, "").strip() for name in ("cutoff", "horizon_days")}
    try:
        if nul_errors(request.form):
            raise FormErrors(nul_errors(request.form))
        data = load(BacktestRequestSchema(), {key: value for key, value in values.items() if value})
        with db.session.begin_nested():
            run = service.request(data["cutoff"], data["horizon_days"])
    except FormErrors as error:
        return _page(values=values, errors=error.fields, status=error.status)
    except DomainError as error:
        return _page(values=values, errors=field_errors(error.fields or {"": [error.message]}), status=error.status)
    return redirect(url_for("churn_pages.backtest", id=run.id), 303)


def _page(*, shown=None, values=None, errors=None, status=200):
    earlier = service.listed(cursor=None, limit=EARLIER).items
    shown = shown or (earlier[0] if earlier else None)
    reading = read(shown.results or {}, shown.horizon_days) if shown and shown.status == "done" else None
    defaults = {"horizon_days": str(settings_of(NAME)["backtest_horizon_days"])}
    [states] = in_page_language(RUN_STATES)
    return render_template("churn/backtest.html", shown=shown, reading=reading,
                           charts={"backtest": chart(reading)} if reading and reading.rows else {},
                           earlier=earlier, run_states=states, values=values or defaults,
                           errors=errors or {}, may_run=may("churn.run")), status
