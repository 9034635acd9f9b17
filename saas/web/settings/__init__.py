"""The admin pages under ``/settings/``, for owners and admins (``Scope.admin``): each calls the
core functions and loads the marshmallow schemas of the matching API view, so a page can do no
more than the API allows the same person."""

from saas.web.settings import (  # noqa: F401  views on bp
    api_keys, audit, classification, custom_fields, deletion, exports, inbound, members, modules, overview,
    webhooks, workspace)
