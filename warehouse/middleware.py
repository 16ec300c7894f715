"""Request guards that run before any view."""

from urllib.parse import unquote

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from .api_common import error_body


class RejectNulMiddleware:
    """Refuse a request whose address or query string holds a NUL character.

    PostgreSQL text cannot hold NUL, so looking a code, number or filter up
    by such a value fails instead of finding nothing (a 500). No valid value
    contains one: the request is refused with 400 before it reaches a view,
    in the API's error shape under ``/api/``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in unquote(query):
            message = _("The address contains a NUL character.")
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("invalid", message), status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
