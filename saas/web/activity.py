"""``/purchases`` and ``/interactions``: the workspace's purchases and interactions, newest first,
keyset paged and filtered by customer, read with the API's ``ActivityListArgs`` and the core's
``activity.list_purchases`` / ``list_interactions`` (as ``GET /api/v1/purchases`` and
``/interactions``), each row linking to its customer. Every member may read them."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import BadRequest

from saas.api.activity import ActivityListArgs
from saas.core.customers import Customer
from saas.core.customers import activity as service
from saas.core.db import db
from saas.core.tenancy import get_owned
from saas.web.blueprint import bp
from saas.web.core_messages import translate
from saas.web.customer_profile import CHANNELS, DIRECTIONS
from saas.web.pages import member_page
from saas.web.schema_form import flat_errors


def _args() -> dict:
    """The query string loaded as the API loads it (empty fields are no condition); a 400 page otherwise."""
    try:
        return ActivityListArgs().load({key: value for key, value in request.args.items() if value})
    except ValidationError as error:
        raise BadRequest("; ".join(f"{name}: {' '.join(translate(message) for message in found)}"
                                   for name, found in flat_errors(error.messages).items())) from None


def _names(customer_ids) -> dict:
    """Each listed customer's name, in one statement whatever the number of rows."""
    ids = set(customer_ids)
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Customer.id, Customer.name).where(Customer.id.in_(ids))).all())


def _list(template: str, lister):
    args = _args()
    customer_id = args.pop("customer_id", None)
    customer = get_owned(Customer, customer_id, "customer not found") if customer_id else None
    page = lister(customer_id=customer_id, cursor=args["cursor"], limit=args["limit"])
    return render_template(template, page=page, names=_names(item.customer_id for item in page.items),
                           customer=customer, limit=args["limit"], channels=CHANNELS, directions=DIRECTIONS)


@bp.route("/purchases")
@member_page
def purchases():
    return _list("activity/purchases.html", service.list_purchases)


@bp.route("/interactions")
@member_page
def interactions():
    return _list("activity/interactions.html", service.list_interactions)
