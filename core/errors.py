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
    """The object's current state refuses the action (HTTP 409): a move the state table does not
    allow from here (code ``illegal_move``), something already done (``already_done``), a
    precondition stamp missing (``needs_verification``, ``check_required``), or someone else
    changed it first (a lost compare-and-swap, ``conflict``). The input may be fine; the caller
    reloads and decides again. Bad input stays ``ValidationFailed``.
    """

    code = "conflict"
    http_status = 409
