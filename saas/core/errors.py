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


class Gone(DomainError):
    """It existed, and was removed for good (an import's file after its keeping period)."""

    status = 410


class Invalid(DomainError):
    """Well-formed input that breaks a rule (an unknown owner, a refund above the amount...)."""

    code = "invalid"
    status = 422


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class BadRequest(DomainError):
    """A request the API cannot take as it is (a header out of bounds...)."""

    code = "bad_request"
    status = 400


class Unauthorized(DomainError):
    """Credentials that do not prove who is calling (a signature that does not verify...)."""

    code = "unauthorized"
    status = 401


class StorageFull(DomainError):
    """There is no room left on the disk (or in the quota) to keep what was sent; nothing was kept."""

    code = "storage_full"
    status = 507
