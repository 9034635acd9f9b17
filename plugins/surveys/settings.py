"""The module's settings in a workspace; each has a default, so the module works once enabled."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields as f
from marshmallow import validate as v

from saas.api.schema import Schema

NAME = "surveys"


class Settings(Schema):
    throttle_days = f.Integer(
        load_default=30, validate=v.Range(min=0, max=365),
        metadata={"title": _l("Days between two surveys"),
                  "description": _l("No customer is asked more than once in this many days, whichever survey (0: no limit)")})
    link_days = f.Integer(
        load_default=14, validate=v.Range(min=1, max=90),
        metadata={"title": _l("Days a link works"), "description": _l("An answer link expires this many days after it is sent")})
    follow_up_days = f.Integer(
        load_default=7, validate=v.Range(min=1, max=60),
        metadata={"title": _l("Days to follow up"),
                  "description": _l("A low score stays on its owner's to-do list this many days")})
