"""Request guards that run before any view."""

import codecs
from urllib.parse import unquote

from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext as _

from .api import error_body
from .languages import language_activate, session_language

# The only text encodings requests are read in: UTF-8 and its ASCII subset.
READABLE_CHARSETS = {"utf-8", "ascii"}


def charset_readable(charset: str | None) -> bool:
    """Whether a charset a request declares (``None``: none) is UTF-8."""
    if charset is None:
        return True
    try:
        return codecs.lookup(charset).name in READABLE_CHARSETS
    except LookupError:
        return False


def utf8_requests(app):
    """WSGI: let Django build a request whatever charset it declares.

    Django decodes the query string in the declared charset while it builds
    the request, before any middleware: ``charset=bz2_codec`` (no text
    encoding) raises there, a 500 that no view or middleware could answer.
    A charset other than UTF-8 is replaced by the name ``unreadable``, which
    Django ignores and :class:`RejectUnreadableMiddleware` refuses.
    """

    def application(environ, start_response):
        content_type = environ.get("CONTENT_TYPE", "")
        if "charset" in content_type.lower():
            media_type, params = parse_header_parameters(content_type)
            if not charset_readable(params.get("charset")):
                environ = {
                    **environ,
                    "CONTENT_TYPE": f"{media_type}; charset=unreadable",
                }
        return app(environ, start_response)

    return application


class RejectUnreadableMiddleware:
    """Refuse a request whose address or query string holds a NUL character,
    or that asks to be read in a text encoding other than UTF-8.

    PostgreSQL text cannot hold NUL, so looking a code, number or filter up
    by such a value fails instead of finding nothing (a 500). No valid value
    contains one: the request is refused with 400 before it reaches a view,
    in the API's error shape under ``/api/``.

    Django reads the query string and multipart form fields in the charset
    the Content-Type names: ``utf-7`` or ``unicode_escape`` turn ``%2B2AA-``
    into a lone surrogate PostgreSQL cannot store (a 500 on any page with a
    filter), and ``bz2_codec`` is no text encoding at all (see
    :func:`utf8_requests`). Browsers send UTF-8, JSON is UTF-8 (RFC 8259) and
    Django already refuses other charsets for urlencoded forms: a request
    declaring any other charset, or one Python does not know, is refused
    with 415.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not charset_readable(request.content_params.get("charset")):
            message = _("Send the request in UTF-8.")
            if request.path.startswith("/api/"):
                body = error_body("unsupported_media_type", message)
                return JsonResponse(body, status=415)
            return HttpResponse(message, status=415, content_type="text/plain")
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in unquote(query):
            message = _("The address contains a NUL character.")
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("invalid", message), status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)


class UserLanguageMiddleware:
    """Answer a signed-in person in the language they chose.

    After ``LocaleMiddleware`` (which takes the cookie, then
    ``Accept-Language``) and the session: a page for a session whose person
    chose a language is answered in it, whatever the browser sends; an API
    request that sends ``Accept-Language`` keeps it. Anonymous requests (the
    sign-in page) are left as ``LocaleMiddleware`` decided. The language is
    read from the session (``warehouse.common.languages``): no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (
            request.path.startswith("/api/") and "HTTP_ACCEPT_LANGUAGE" in request.META
        ):
            language = session_language(request)
            if language:
                language_activate(request, language)
        return self.get_response(request)
