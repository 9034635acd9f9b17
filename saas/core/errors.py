"""Domain errors. The API turns each into its HTTP status and the JSON error body."""

from __future__ import annotations


class DomainError(Exception):
    code = "error"
    status = 400  # the HTTP status the API answers with

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class Invalid(DomainError):
    """Well-formed input that breaks a rule (an unknown owner, a refund above the amount...)."""

    code = "invalid"
    status = 422


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
