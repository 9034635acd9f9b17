"""``/data-quality``: the accuracy against the seed plan's 98% target, what is missing or wrong,
likely duplicate pairs side by side with a merge button, and normalising e-mails and phones.

Each figure and action is the core's, as the API's ``/api/v1/data-quality`` and
``POST /api/v1/customers/{id}/merge`` call it. The page compares nothing: it shows the report and
the first pairs that the duplicate scan (:mod:`saas.core.data_quality.scan`, a job) stored, with
the time of that scan, and each merge button sends the versions of both records as the page
showed them, so a record changed since is not merged over: the page comes back with the conflict
and the records as they are now."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from marshmallow import fields as f

from saas.api.data_quality import DuplicateArgs
from saas.api.schema import Schema
from saas.core.accounts import Scope
from saas.core.customers import merges
from saas.core.data_quality import normalise as normalise_job
from saas.core.data_quality import report as service
from saas.core.data_quality import scan
from saas.core.errors import Conflict
from saas.core.tenancy import current_tenant_id
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


class PairMergeForm(Schema):
    """A merge button's fields: the record kept and the one merged into it, each with the version
    the page showed (``POST /api/v1/customers/{id}/merge`` takes the survivor's as ``version``)."""

    survivor_id = f.UUID(required=True)
    merged_id = f.UUID(required=True)
    survivor_version = f.Integer(required=True)
    merged_version = f.Integer(required=True)


@bp.route("/data-quality/merge", methods=["POST"])
@member_page(needs=Scope.write)
def merge_duplicate():
    """Merge one record of a pair into the other (the one the person chose to keep), if neither
    changed since the page showed them."""
    try:
        pair = PairMergeForm().load({key: request.form.get(key, "") for key in PairMergeForm().fields})
    except ValidationError:
        return _page(90, {"merge": [_("Choose a pair to merge.")]}), 422
    try:
        kept = merges.merge(pair["survivor_id"], pair["merged_id"], expected_version=pair["survivor_version"],
                            expected_merged_version=pair["merged_version"])
    except merges.ModuleRefusedMerge as error:
        return _page(90, {"merge": [error.message]}), 409
    except Conflict:
        return _page(90, {"merge": [_("One of the two records changed (or was merged) since the page showed "
                                      "them, so nothing was merged. Here they are as they are now: look again.")]}), 409
    flash(_("Merged into %(name)s: purchases, interactions and tags are all on this record now.", name=kept.name),
          "success")
    return redirect(url_for("web.data_quality"), 303)


@bp.route("/data-quality/normalise", methods=["POST"])
@member_page(needs=Scope.write)
def normalise():
    normalise_job.schedule(current_tenant_id())
    flash(_("Every e-mail address and phone number is being rewritten in its normal form, in the background: "
            "the figures below count them once it is done."), "success")
    return redirect(url_for("web.data_quality"), 303)


def _page(min_score: int, errors: dict):
    report = service.report(min_score=min_score)
    page = service.pairs_page(min_score=min_score, limit=PAIRS_SHOWN)
    pairs = [(_side(row, "first"), _side(row, "second"), row) for row in page.items]
    return render_template("data/data_quality.html", report=report, pairs=pairs,
                           more=max(report["duplicate_pairs"] - len(pairs), 0), min_score=min_score, errors=errors,
                           field_labels=FIELD_LABELS, reasons=REASONS, floor=scan.FLOOR)


def _side(row: dict, prefix: str) -> service.Contact:
    return service.Contact(row[f"{prefix}_id"], *(row[f"{prefix}_{field}"] for field in
                                                  ("name", "company", "email", "phone", "version")))
