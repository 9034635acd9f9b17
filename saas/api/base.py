"""The pieces every API module uses: the blueprint with error docs and idempotent POSTs, paging."""

from __future__ import annotations

import functools

import marshmallow as ma
from flask_smorest import Blueprint
from webargs.core import missing
from webargs.flaskparser import FlaskParser

from saas.api import idempotency
from saas.api.schema import Schema
from saas.core import plugin_api
from saas.core.db import db

ERROR_NAMES = {
    400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
    409: "CONFLICT", 410: "GONE", 413: "REQUEST_ENTITY_TOO_LARGE", 422: "UNPROCESSABLE_ENTITY", 429: "TOO_MANY_REQUESTS",
    507: "INSUFFICIENT_STORAGE",
}
NUL_MESSAGE = "Must not contain NUL characters."
BODY_LOCATIONS = {"json", "form", "files"}


class ApiParser(FlaskParser):
    """Refuse what the database cannot store or Python cannot parse, for every API argument.

    PostgreSQL rejects NUL in text (SQLite stores it), so a NUL anywhere in a JSON body (values
    and keys), a form's fields or an uploaded file's name is a 422 and in a query-string value a 400. JSON nested too deep (``RecursionError``)
    or with an integer over Python's 4,300-digit limit (``ValueError``) is not valid JSON (400).
    """

    def load_json(self, req, schema):
        try:
            data = super().load_json(req, schema)
        except (RecursionError, ValueError) as error:
            self._handle_invalid_json_error(error, req)
        if data is not missing:
            _refuse_nul(_nul_paths(data))
        return data

    def load_form(self, req, schema):
        _refuse_nul((key,) for key, value in req.form.items(multi=True) if "\x00" in key or "\x00" in value)
        return super().load_form(req, schema)

    def load_files(self, req, schema):
        _refuse_nul((key,) for key, upload in req.files.items(multi=True)
                    if "\x00" in key or "\x00" in (upload.filename or ""))
        return super().load_files(req, schema)

    def load_querystring(self, req, schema):
        _refuse_nul((key,) for key, value in req.args.items(multi=True) if "\x00" in value)
        return super().load_querystring(req, schema)


def _nul_paths(data):
    """Yield the path (keys and indexes) of each string in ``data``, key or value, holding a NUL.

    Iterative, so that JSON nested as deep as the decoder allows cannot overflow the stack here.
    """
    stack = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                yield path
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    yield (*path, key)
                else:
                    stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))


def _refuse_nul(paths) -> None:
    """Raise a ``ValidationError`` shaped like marshmallow's (nested by path) if there are paths."""
    errors: dict = {}
    for path in paths:
        if not path:
            raise ma.ValidationError(NUL_MESSAGE)
        node = errors
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = [NUL_MESSAGE]
    if errors:
        raise ma.ValidationError(errors)


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose views document every error they can answer.

    :meth:`route` adds 401/403/429 to authenticated views, 404 to views with an id in the path,
    400 to views that parse arguments and 413 to views that read a body; :meth:`errors` adds the
    rest (409, 422, ...).
    """

    ARGUMENTS_PARSER = ApiParser()

    def route(self, rule, *, parameters=None, idempotent: bool = True, **options):
        """As flask-smorest's; an authenticated POST also honours ``Idempotency-Key``
        (:mod:`saas.api.idempotency`) unless ``idempotent=False``."""
        register = super().route(rule, parameters=parameters, **options)

        def decorator(func):
            public = getattr(func, "_public", False)
            codes = [] if public else [401, 403, 429]  # 429: saas.api.rate_limits
            if idempotent and not public and "POST" in options.get("methods", ()):
                func = self.doc(parameters=[idempotency.PARAMETER])(idempotency.honour(func))
                codes += [400, 409, 422]  # a malformed key, a retry while the first runs, a key reused
            if "<" in rule:
                codes.append(404)
            arguments = getattr(func, "_apidoc", {}).get("arguments", {}).get("parameters", [])
            if arguments:
                codes.append(400)
            if any(argument["in"] in BODY_LOCATIONS for argument in arguments):
                codes.append(413)  # a body over MAX_CONTENT_LENGTH (IMPORT_MAX_BYTES for an upload)
            return register(self.errors(*codes)(func))

        return decorator

    def response(self, status_code, schema=None, **options):
        """As flask-smorest's, with the session flushed before the answer is dumped: a row the view
        added answers with its generated id and defaults, though the commit comes only once the
        response is made (:mod:`saas.transactions`)."""
        dump = super().response(status_code, schema, **options)

        def decorator(func):
            @functools.wraps(func)
            def flushed(*args, **kwargs):
                result = func(*args, **kwargs)
                db.session.flush()
                return result

            return dump(flushed)

        return decorator

    def idempotent(self, func):
        """Deprecated: every authenticated POST honours ``Idempotency-Key`` without it."""
        plugin_api.deprecated("saas.api.base.ApiBlueprint.idempotent",
                              "every authenticated POST route honours Idempotency-Key; remove the decorator")
        return func

    def arguments(self, schema, **options):
        """As flask-smorest's, with a schema class made into an instance once: given a class,
        webargs would build a new schema (deep-copying its fields) on every request."""
        return super().arguments(schema() if isinstance(schema, type) else schema, **options)

    def errors(self, *codes: int):
        """Document error responses by status code (each once)."""

        def decorator(func):
            documented = getattr(func, "_apidoc", {}).get("response", {}).get("responses", {})
            for code in dict.fromkeys(codes):
                if code not in documented:
                    func = self.alt_response(code, response=ERROR_NAMES[code])(func)
            return func

        return decorator


class PartialSchema(Schema):
    """Every field optional: the body of a PATCH. Put it first among the bases."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class PageArgs(Schema):
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500),
                              metadata={"description": "Opaque cursor from a previous page's next_cursor"})
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """``{"items": [...], "next_cursor": "..." | null}`` for ``item_schema``."""
    return Schema.from_dict(
        {"items": ma.fields.List(ma.fields.Nested(item_schema)), "next_cursor": ma.fields.String(allow_none=True)},
        name=name,
    )
