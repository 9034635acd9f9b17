"""One JSON error shape for every failure: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import jsonify, request
from flask_smorest import Api
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from saas.api.schema import Schema
from saas.core.errors import DomainError

log = logging.getLogger(__name__)

# Query strings and headers that fail validation are malformed requests (400); a body that
# parses but breaks the schema is unprocessable (422).
REQUEST_LINE_LOCATIONS = {"query", "querystring", "headers", "view_args"}


class ErrorDetailSchema(Schema):
    code = ma.fields.String(required=True, metadata={"example": "not_found"})
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(metadata={"description": "Field name to a list of problems"})


class ErrorSchema(Schema):
    error = ma.fields.Nested(ErrorDetailSchema, required=True)


def error_response(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _code_for(status: int, name: str) -> str:
    return {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
            405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
            422: "invalid", 429: "rate_limited"}.get(status, name.lower().replace(" ", "_"))


class RetainApi(Api):
    ERROR_SCHEMA = ErrorSchema
    # No catch-all ``default`` response: every operation lists the codes it answers, and a client
    # (or a conformance check) can tell an undocumented one.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        status = error.code or 500
        messages = data.get("errors") or data.get("messages") or {}
        fields: dict = {}
        for location, problems in messages.items():
            if isinstance(problems, dict):
                fields.update(problems)
            else:
                fields[location] = problems
        message = data.get("message") or (error.description if status != 422 else "The request body is not valid.")
        if status == 422 and messages and set(messages) <= REQUEST_LINE_LOCATIONS:
            status, message = 400, "The query string is not valid."
        if status == 400 and "json" in messages and not data.get("message"):
            message = "The request body is not valid JSON."
        if status >= 500:
            message = "Internal error."
        headers = dict(data.get("headers") or {})
        passed_on = {"retry-after", "www-authenticate", "allow"}
        source = error.response.headers.items() if error.response is not None else error.get_headers()
        headers.update({k: v for k, v in source if k.lower() in passed_on})
        return error_response(status, _code_for(status, error.name), message, fields, headers)


def handle_domain_error(error: DomainError):
    return error_response(error.status, error.code, error.message, error.fields)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def handle_csrf_error(error: CSRFError):
    return error_response(400, "csrf_failed", error.description)
