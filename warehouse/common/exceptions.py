"""Domain errors with stable codes.

Services raise these; the API's exception handler maps each class to an HTTP
status (``warehouse.common.api``). ``code`` is part of the API contract:
stations and merchants branch on it, so never rename one.
"""


class DomainError(Exception):
    """Base class: a request that the domain refuses.

    ``message`` is the answer's sentence, in the language of the request;
    ``fields`` name the input at fault (the API's ``fields``); ``params`` are
    the refusal's facts as plain data (a state, the allowed moves, a scanned
    GTIN), which the code's words in its app's catalogue name: the scan log
    stores them beside the code, so a refusal is shown later in the reader's
    language (``warehouse.common.messages``).
    """

    code = "refused"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict | None = None,
        params: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        self.params = params or {}


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
    """The item's state does not allow this move (HTTP 409).

    Its ``fields`` are the facts of the refusal (the current ``state``, the
    ``target`` asked for, the ``allowed`` moves): unless ``params`` are given,
    they are its params too.
    """

    code = "invalid_transition"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict | None = None,
        params: dict | None = None,
    ):
        super().__init__(
            message,
            code=code,
            fields=fields,
            params=dict(fields or {}) if params is None else params,
        )


class Unprocessable(DomainError):
    """Well-formed, but cannot be processed as asked (HTTP 422)."""

    code = "unprocessable"
