"""``/complaints/review``: the week's cause review (the API's, :mod:`plugins.complaints.review`),
for managers and above (the ``complaints.review`` permission), with the weeks before and after."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from werkzeug.exceptions import Forbidden

from saas.auth import may
from saas.core.errors import BadRequest

from plugins.complaints import review as weekly
from plugins.complaints.pages import pages, wording


@pages.route("/review")
def review():
    if not may("complaints.review"):
        raise Forbidden("The cause review needs the 'complaints.review' permission.")
    week, status = request.args.get("week") or None, 200
    try:
        found = weekly.of_week(week)
    except BadRequest:
        found, status = weekly.of_week(None), 400
    monday = found["starts_on"]
    before, after = (monday - dt.timedelta(days=7)).isocalendar(), (monday + dt.timedelta(days=7)).isocalendar()
    return render_template("complaints/review.html", review=found, words=wording, bad_week=status == 400,
                           before=f"{before[0]}-W{before[1]:02d}", after=f"{after[0]}-W{after[1]:02d}"), status
