"""Domain errors. The API turns each into its HTTP status and the JSON error body."""

from __future__ import annotations


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Invalid(DomainError):
    """Well-formed input that breaks a rule (an unknown owner, a refund above the amount...)."""

    code = "invalid"


class Forbidden(DomainError):
    code = "forbidden"
