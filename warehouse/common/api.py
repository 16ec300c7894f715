"""What every API view shares: the error shape, pagination, Idempotency-Key,
permissions by role.

Every error, whether a domain error, a DRF validation/auth/throttle error or an
unknown URL under ``/api/``, leaves as
``{"error": {"code": "...", "message": "...", "fields": {...}}}``.
"""

import json
import logging

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import idempotency
from .access import Role, principal_of
from .exceptions import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    Unprocessable,
)

logger = logging.getLogger(__name__)

DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Forbidden, status.HTTP_403_FORBIDDEN),
    (Conflict, status.HTTP_409_CONFLICT),
    (Unprocessable, status.HTTP_422_UNPROCESSABLE_ENTITY),
    (TooLarge, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE),
    (InvalidInput, status.HTTP_400_BAD_REQUEST),
]


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def domain_error_response(exc: DomainError) -> Response:
    """The API answer for a domain error."""
    http_status = next(
        (code for cls, code in DOMAIN_STATUS if isinstance(exc, cls)),
        status.HTTP_400_BAD_REQUEST,
    )
    return Response(error_body(exc.code, exc.message, exc.fields), status=http_status)


# Seconds a client is asked to wait before repeating a request that met the
# database unreachable, restarting or failing over.
DATABASE_RETRY_AFTER_SECONDS = 2


def database_unavailable_response(exc: DatabaseError) -> Response:
    """503 for a request that lost its database connection (or met a deadlock
    or a timeout) half way: its transaction was rolled back, nothing of it
    stands, and the same request, with the same ``Idempotency-Key``, may be
    repeated. Logged with its traceback as a server error would be."""
    logger.error("database unavailable: %s", exc, exc_info=exc)
    return Response(
        error_body(
            "database_unavailable",
            _(
                "The database could not be reached; nothing was saved. "
                "Repeat the request in a moment."
            ),
        ),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def validation_message(detail) -> str:
    """The first concrete message in a DRF validation detail, for the ``message``."""
    while isinstance(detail, dict | list) and detail:
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail) if detail else _("Invalid input.")


def exception_handler(exc, context):
    """DRF exception handler: every error in the one JSON shape."""
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, RequestDataTooBig):  # over DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            error_body("too_large", _("The request body is too large.")),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, SuspiciousOperation):  # too many fields, a bad multipart …
        return Response(
            error_body("invalid", _("The request could not be read.")),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, OperationalError | InterfaceError):
        return database_unavailable_response(exc)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        detail = (
            exc.detail
            if isinstance(exc.detail, dict)
            else {"non_field_errors": exc.detail}
        )
        response.data = error_body("invalid", validation_message(exc.detail), detail)
    elif isinstance(exc, drf_exceptions.Throttled):
        response.data = error_body(
            "throttled",
            exc.detail,
            {"retry_after_seconds": exc.wait and int(exc.wait + 0.999)},
        )
    elif isinstance(exc, drf_exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        response.data = error_body(code, exc.detail)
    return response


@csrf_exempt  # an unknown API path answers 404 to any method, not a CSRF page
def api_not_found(request, exception=None):
    """404 for unknown URLs: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def api_server_error(request):
    """500: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("server_error", _("Internal error; it has been logged.")),
            status=500,
        )
    from django.views.defaults import server_error

    return server_error(request)


def roles(*allowed: str) -> type[BasePermission]:
    """A permission class admitting users whose role is one of ``allowed``."""

    class HasRole(BasePermission):
        message = gettext_lazy("Your role may not do this.")

        def has_permission(self, request, view):
            return principal_of(request.user).role in allowed

    HasRole.__name__ = "HasRole_" + "_".join(allowed)
    return HasRole


ANY_ROLE = roles(
    Role.ADMIN,
    Role.PLATFORM,
    Role.STATION,
    Role.MERCHANT,
    Role.INSPECTOR,
    Role.SUPERVISOR,
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Repeat a POST safely: the same key and body get the first answer.",
)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class _NoAnswer(Exception):
    """A server error inside an idempotent request: roll back, free the key."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


class IdempotentPostMixin:
    """Honour ``Idempotency-Key`` on POST. Subclasses implement ``post_once``.

    Without a key the request simply runs. With one, the key is claimed, the
    view runs in one transaction with the storing of its answer, and repeats get
    that answer back with ``Idempotent-Replayed: true``.
    """

    def post(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return self.post_once(request, *args, **kwargs)
        fingerprint = idempotency.request_fingerprint(
            method=request.method, path=request.path, data=request.data
        )
        try:
            begun = idempotency.idempotency_begin(
                user=request.user, key=key, fingerprint=fingerprint
            )
        except DomainError as exc:
            self.on_refused(request, exc)
            raise
        if isinstance(begun, idempotency.Replay):
            self.on_replay(request, begun)
            return Response(
                begun.body, status=begun.status, headers={"Idempotent-Replayed": "true"}
            )
        try:
            with transaction.atomic():
                try:
                    response = self.post_once(request, *args, **kwargs)
                except Exception as exc:
                    # Services own their transactions, so a refused request has
                    # already undone its own writes; what it did commit (such
                    # as a refused scan's log row) stays, as it would without
                    # a key. Unanswerable errors re-raise here.
                    response = self.handle_exception(exc)
                if response.status_code >= 500:
                    raise _NoAnswer(response)
                idempotency.idempotency_finish(
                    record=begun, status=response.status_code, body=_plain(response)
                )
        except _NoAnswer as failed:
            idempotency.idempotency_release(record=begun)
            return failed.response
        except BaseException:
            idempotency.idempotency_release(record=begun)
            raise
        return response

    def post_once(self, request, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def on_replay(self, request, replay: idempotency.Replay) -> None:
        """Called when a repeat is answered from the stored answer."""

    def on_refused(self, request, exc: DomainError) -> None:
        """Called when the key itself is refused (reused, in progress, invalid)."""


def _plain(response: Response):
    """The response body as plain JSON data, ready to store and replay."""
    return json.loads(JSONRenderer().render(response.data))


def valid_input(serializer_class, request) -> dict:
    """``request.data`` validated by ``serializer_class`` (a 400 if it is not)."""
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data
