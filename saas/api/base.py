"""The pieces every API module uses: the blueprint with error docs, paging, idempotent POSTs."""

from __future__ import annotations

import hashlib
import functools
import re

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, make_response, request
from flask_smorest import Blueprint
from webargs.core import missing
from webargs.flaskparser import FlaskParser

from saas.api.errors import error_response
from saas.api.schema import Schema
from saas.core.db import db
from saas.core.idempotency import IdempotencyRecord

ERROR_NAMES = {
    400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
    409: "CONFLICT", 410: "GONE", 413: "REQUEST_ENTITY_TOO_LARGE", 422: "UNPROCESSABLE_ENTITY", 429: "TOO_MANY_REQUESTS",
}
IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 255, "pattern": r"^[\x21-\x7e]+$"},
    "description": "Retrying a POST with the same key returns the first response instead of acting twice.",
}
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")
NUL_MESSAGE = "Must not contain NUL characters."


class ApiParser(FlaskParser):
    """Refuse what the database cannot store or Python cannot parse, for every API argument.

    PostgreSQL rejects NUL in text (SQLite stores it), so a NUL anywhere in a JSON body (values
    and keys) is a 422 and in a query-string value a 400. JSON nested too deep (``RecursionError``)
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

    :meth:`route` adds 401/403 to authenticated views, 404 to views with an id in the path and
    400 to views that parse arguments; :meth:`errors` adds the rest (409, 422, ...).
    """

    ARGUMENTS_PARSER = ApiParser()

    def route(self, rule, *, parameters=None, **options):
        register = super().route(rule, parameters=parameters, **options)

        def decorator(func):
            codes = [] if getattr(func, "_public", False) else [401, 403]
            if "<" in rule:
                codes.append(404)
            if getattr(func, "_apidoc", {}).get("arguments"):
                codes.append(400)
            return register(self.errors(*codes)(func))

        return decorator

    def arguments(self, schema, **options):
        """As flask-smorest's, with a schema class made into an instance once: given a class,
        webargs would build a new schema (deep-copying its fields) on every request."""
        return super().arguments(schema() if isinstance(schema, type) else schema, **options)

    def errors(self, *codes: int):
        """Document error responses by status code (each once)."""

        def decorator(func):
            documented = getattr(func, "_apidoc", {}).get("response", {}).get("responses", {})
            for code in codes:
                if code not in documented:
                    func = self.alt_response(code, response=ERROR_NAMES[code])(func)
            return func

        return decorator

    def idempotent(self, func):
        """Honour ``Idempotency-Key`` on a POST: one effect, the first response replayed."""

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            key = request.headers.get("Idempotency-Key")
            if key is None:
                return func(*args, **kwargs)
            if not IDEMPOTENCY_KEY.fullmatch(key):
                return error_response(400, "bad_request",
                                      "Idempotency-Key must be 1 to 255 printable ASCII characters, without spaces.")
            digest = hashlib.sha256(request.method.encode() + request.path.encode() + b"\n" + request.get_data()).hexdigest()
            record = db.session.scalar(sa.select(IdempotencyRecord).where(IdempotencyRecord.key == key))
            if record is not None:
                return _replay(record, digest)
            record = IdempotencyRecord(key=key, method=request.method, path=request.path, request_hash=digest)
            try:
                with db.session.begin_nested():
                    db.session.add(record)
            except sa.exc.IntegrityError:
                return error_response(409, "conflict", "A request with this Idempotency-Key is in progress.")
            response = make_response(func(*args, **kwargs))
            if response.status_code < 500:
                record.status_code = response.status_code
                record.response_body = response.get_data(as_text=True)
                db.session.commit()
            return response

        return self.doc(parameters=[IDEMPOTENCY_HEADER])(wrapper)


def _replay(record: IdempotencyRecord, digest: str):
    if record.request_hash != digest:
        return error_response(422, "idempotency_key_reused", "This Idempotency-Key was used with a different request.")
    if record.status_code is None:
        return error_response(409, "conflict", "A request with this Idempotency-Key is in progress.")
    response = current_app.response_class(record.response_body, status=record.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


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
