"""``/data-quality``: the accuracy against the seed plan's 98% target, what is missing or wrong,
likely duplicate pairs side by side with a merge button, and normalising e-mails and phones.

Each figure and action is the core's, as the API's ``/api/v1/data-quality`` and
``POST /api/v1/customers/{id}/merge`` call it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from saas.api.customers import MergeSchema
from saas.api.data_quality import DuplicateArgs
from saas.core.accounts import Scope
from saas.core.customers import merges
from saas.core.data_quality import report as service
from saas.web.blueprint import bp
from saas.web.pages import member_page

PAIRS_SHOWN = 50
FIELD_LABELS = {"phone": _l("Phone"), "email": _l("E-mail"), "region": _l("Region"), "industry": _l("Industry"),
                "owner_id": _l("Account manager"), "source": _l("Source")}
REASONS = {"same e-mail": _l("same e-mail"), "same phone": _l("same phone"),
           "similar name and company": _l("similar name and company")}


@bp.route("/data-quality")
@member_page
def data_quality():
    try:
        args = DuplicateArgs().load({key: value for key, value in request.args.items() if key == "min_score"})
    except ValidationError as error:
        return _page(90, error.messages), 422
    return _page(args["min_score"], {})


@bp.route("/data-quality/merge", methods=["POST"])
@member_page(needs=Scope.write)
def merge_duplicate():
    """Merge one record of a pair into the other (the one the person chose to keep)."""
    try:
        data = MergeSchema().load({"merged_id": request.form.get("merged_id", "")})
        survivor = MergeSchema().load({"merged_id": request.form.get("survivor_id", "")})["merged_id"]
    except ValidationError:
        return _page(90, {"merge": [_("Choose a pair to merge.")]}), 422
    kept = merges.merge(survivor, data["merged_id"])
    flash(_("Merged into %(name)s: purchases, interactions and tags are all on this record now.", name=kept.name),
          "success")
    return redirect(url_for("web.data_quality"), 303)


@bp.route("/data-quality/normalise", methods=["POST"])
@member_page(needs=Scope.write)
def normalise():
    changed = service.normalise_all()
    flash(_("Rewrote %(emails)s e-mail addresses and %(phones)s phone numbers in their normal form.",
            emails=changed["email"], phones=changed["phone"]), "success")
    return redirect(url_for("web.data_quality"), 303)


def _page(min_score: int, errors: dict):
    people = service.contacts()
    by_id = {person.id: person for person in people}
    pairs = service.duplicates(people, min_score=min_score)
    return render_template("data/data_quality.html", report=service.report(min_score=min_score),
                           pairs=[(by_id[p.first], by_id[p.second], p) for p in pairs[:PAIRS_SHOWN]],
                           more=max(len(pairs) - PAIRS_SHOWN, 0), min_score=min_score, errors=errors,
                           field_labels=FIELD_LABELS, reasons=REASONS)
