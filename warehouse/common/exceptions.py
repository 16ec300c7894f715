"""Domain errors with stable codes.

Services raise these; the API's exception handler maps each class to an HTTP
status (``warehouse.common.api``). ``code`` is part of the API contract:
stations and merchants branch on it, so never rename one.
"""


class DomainError(Exception):
    """Base class: a request that the domain refuses."""

    code = "refused"

    def __init__(
        self, message: str, *, code: str | None = None, fields: dict | None = None
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class InvalidInput(DomainError):
    """The input is malformed or impossible (HTTP 400)."""

    code = "invalid"


class TooLarge(InvalidInput):
    """An upload or body over its size limit (HTTP 413)."""

    code = "too_large"


class Forbidden(DomainError):
    """The caller's role may not do this (HTTP 403)."""

    code = "permission_denied"


class NotFound(DomainError):
    """Unknown, or not the caller's to see (HTTP 404)."""

    code = "not_found"


class Conflict(DomainError):
    """The input is well formed but clashes with what exists (HTTP 409)."""

    code = "conflict"


class TransitionRefused(Conflict):
    """The item's state does not allow this move (HTTP 409)."""

    code = "invalid_transition"


class Unprocessable(DomainError):
    """Well-formed, but cannot be processed as asked (HTTP 422)."""

    code = "unprocessable"
