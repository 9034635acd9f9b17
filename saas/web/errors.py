"""The pages' error pages: the layout every page has, a title in the page's language and what to
do next, instead of Flask's bare English ones. The API answers its own JSON errors."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from saas.core.errors import DomainError

TITLES = {
    400: _l("This request was not valid"),
    403: _l("You may not open this page"),
    404: _l("This page does not exist"),
    405: _l("This page does not take that request"),
    409: _l("This changed in the meantime"),
    413: _l("That is too large"),
    422: _l("This request was not valid"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    507: _l("There is no room left to keep this file"),
}
HINTS = {
    403: _l("Your role in this workspace does not include it. An owner or admin can change your role."),
    404: _l("It may have been deleted, or it belongs to another workspace."),
    429: _l("Wait a minute, then try again."),
    500: _l("It has been logged. Try again in a moment."),
    507: _l("Nothing was imported. Try again later; if it goes on, tell whoever runs Retain."),
}


DETAILED = {400, 409, 413, 422}  # where a page's own description says what to change


def error_page(status: int, hint=None):
    title = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    return render_template("error.html", status=status, title=title, hint=hint or HINTS.get(status)), status


def http_error(error: HTTPException):
    own = error.description if error.description != type(error).description else None
    body, status = error_page(error.code or 500, own if error.code in DETAILED else None)
    return body, status, {name: value for name, value in error.get_headers() if name in ("Allow", "Retry-After")}


def csrf_error(error: CSRFError):
    return error_page(400, _l("The form had expired. Go back, reload the page and send it again."))


def domain_error(error: DomainError):
    return error_page(error.status)


# While the database is away even the layout cannot be drawn (the person signed in, their language
# and workspace are read from it): this page needs nothing but itself, and speaks both languages.
UNAVAILABLE_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Retain is briefly unavailable · Retain 暂时无法使用</title>
<link rel="stylesheet" href="{css}"></head>
<body><main id="main" class="card narrow error-page">
<p class="status">503</p>
<h1>Retain is briefly unavailable</h1>
<p>Nothing you sent was saved. Try again in a moment.</p>
<h1 lang="zh-Hans-CN">Retain 暂时无法使用</h1>
<p lang="zh-Hans-CN">您提交的内容没有保存。请稍后再试。</p>
</main></body></html>
"""


def unavailable_page() -> str:
    return UNAVAILABLE_PAGE.format(css=url_for("web.static", filename="retain.css"))
