"""What makes a view a core page: a signed-in member working in their chosen workspace.

    @bp.route("/customers")
    @member_page
    def customers(): ...

    @bp.route("/settings/api-keys")
    @member_page(needs=Scope.admin)
    def api_keys(): ...

Someone not signed in is sent to the sign-in page and brought back afterwards; the request then
runs in the member's workspace (``saas.auth.current_principal()``). ``needs`` is a scope of
``saas.core.accounts.ROLE_SCOPES``, the rule the API applies to the same person's session, so a
page never lets a role do what the API refuses it: a member whose role lacks it gets 403.
(A module's pages get the same treatment from :mod:`saas.plugin_host`, and check their own
permissions with :func:`saas.auth.requires_permission`.)
"""

from __future__ import annotations

import functools

from flask import g
from werkzeug.exceptions import Forbidden

from saas import auth
from saas.core.accounts import Scope


def member_page(view=None, *, needs: Scope | None = None):
    def decorate(view):
        @functools.wraps(view)
        def page(*args, **kwargs):
            if "principal" not in g:
                sign_in = auth.authenticate_page()
                if sign_in is not None:
                    return sign_in
            if needs is not None and needs not in g.principal.scopes:
                raise Forbidden(f"This page needs the '{needs.value}' permission.")
            return view(*args, **kwargs)

        page.member_page_needs = needs  # read by the menu, which shows a page only to who may open it
        return page

    return decorate(view) if view is not None else decorate
