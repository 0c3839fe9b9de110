"""Domain errors: a stable machine code plus a message a person can act on.

Services raise these; the API turns them into ``{"code": ..., "message": ...}`` with a 4xx status,
pages show the message. Nothing domain-related should surface as a 500.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every expected, explainable refusal."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    http_status = 403


class ValidationFailed(DomainError):
    code = "invalid"
    http_status = 422


class Conflict(DomainError):
    """Someone else changed the object first (compare-and-swap lost)."""

    code = "conflict"
    http_status = 409
