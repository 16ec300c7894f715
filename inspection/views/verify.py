"""Public certificate verification: no login, nothing private, throttled.

``/verify/<token>`` is what the QR code opens; ``/verify/`` takes the printed
number plus query code (so nobody can enumerate certificates by number) or
an uploaded PDF. Every view here answers unknown certificates with a plain 404
page and counts requests per client address.
"""

from functools import wraps

from django.conf import settings
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from warehouse.common.exceptions import DomainError, NotFound
from warehouse.common.proxies import client_address
from warehouse.common.throttles import count_in_window

from .. import services
from ..models import Certificate
from ..services.certificates import certificate_checks
from ..services.certificates.verify import (
    certificate_check_pdf,
    certificate_returned_verified_at,
)
from ..trust.transparency.reads import certificate_transparency
from .trust import seal_verifier_context

MAX_PDF_BYTES = 5 * 1024 * 1024


def throttled(view):
    """At most ``VERIFY_THROTTLE_PER_MINUTE`` requests a minute per client
    address (:func:`warehouse.common.proxies.client_address`)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        count, wait = count_in_window(
            f"verify-throttle:{client_address(request) or 'unknown'}", 60
        )
        if count > settings.VERIFY_THROTTLE_PER_MINUTE:
            response = render(request, "inspection/verify_throttled.html", status=429)
            response["Retry-After"] = str(wait)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _public(certificate: Certificate, request=None) -> dict:
    """What anyone may know of a certificate: no contact or buyer data."""
    content = certificate.content
    item = certificate.item
    replaced = certificate.replaced_by
    return {
        "number": certificate.number,
        "status": certificate.status,
        "valid": certificate.status == Certificate.Status.VALID,
        "revoked_at": certificate.revoked_at.isoformat()
        if certificate.revoked_at
        else None,
        "revoked_reason": certificate.revoked_reason or None,
        "revoked_reason_lang": certificate.revoked_reason_lang,
        "replaced_by": reverse("verify-page", kwargs={"token": replaced.token})
        if replaced
        else None,
        "issued_at": certificate.issued_at.isoformat(),
        "issued_at_local": timezone.localtime(
            certificate.issued_at, item.warehouse.tzinfo
        ).strftime("%Y-%m-%d %H:%M"),
        "time_zone": item.warehouse.time_zone,
        "warehouse": {
            "code": item.warehouse.code,
            "name": item.warehouse.name,
            "name_zh": item.warehouse.name_zh,
            "display_name": item.warehouse.display_name,
        },
        "item": {
            "code": item.code,
            "title": content["title"],
            "category": item.category.name,
            "category_zh": item.category.name_zh,
            "merchant": content["merchant"],
        },
        "verdict": content["verdict"],
        # A buyer's return verified as this item: its date only, nothing of
        # the buyer's (None after any other verdict).
        "returned_verified_at": certificate_returned_verified_at(certificate),
        "inspectors": content["inspectors"],
        "lot": content.get("lot"),
        "checks": certificate_checks(content),
        "photos": [
            reverse(
                "verify-photo",
                kwargs={"token": certificate.token, "photo_id": photo.pk},
            )
            for photo in services.public_photos(certificate)
        ],
    }


def _certificate(token: str) -> Certificate:
    try:
        return services.certificate_by_token(token)
    except NotFound:
        raise Http404(_("No such certificate.")) from None


@require_GET
@throttled
def verify_page(request, token: str):
    """The page the QR code opens: valid or revoked, and what was checked.

    The seal after the URL's ``#`` is checked in the browser against the keys
    embedded here (:func:`.trust.seal_verifier_context`), then with the server.
    """
    certificate = _certificate(token)
    return render(
        request,
        "inspection/verify_certificate.html",
        {"cert": _public(certificate), "token": token, **seal_verifier_context()},
    )


@require_GET
@throttled
def verify_json(request, token: str):
    """The same facts for machines, with the certificate's inclusion proof in
    the transparency log's newest signed head (``{"pending": true}`` until its
    entry is under one)."""
    certificate = _certificate(token)
    return JsonResponse(
        {**_public(certificate), "transparency": certificate_transparency(certificate)},
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@throttled
def verify_photo(request, token: str, photo_id: int):
    certificate = _certificate(token)
    photo = services.public_photos(certificate).filter(pk=photo_id).first()
    if photo is None:
        raise Http404(_("No such photo."))
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_http_methods(["GET", "POST"])
@throttled
def verify_lookup(request):
    """By printed number and query code, or by uploading the PDF itself."""
    if request.method == "POST":
        return _verify_upload(request)
    number = request.GET.get("number", "")
    code = request.GET.get("code", "")
    if not number and not code:
        return render(request, "inspection/verify_lookup.html")
    try:
        certificate = services.certificate_lookup(number=number, query_code=code)
    except NotFound:
        return render(
            request,
            "inspection/verify_lookup.html",
            {"number": number, "not_found": True},
            status=404,
        )
    return redirect("verify-page", token=certificate.token)


def _verify_upload(request):
    upload = request.FILES.get("pdf")
    if upload is None:
        return render(
            request,
            "inspection/verify_lookup.html",
            {"upload_error": _("Choose the certificate's PDF file.")},
            status=400,
        )
    if upload.size > MAX_PDF_BYTES:
        return render(
            request,
            "inspection/verify_lookup.html",
            {
                "upload_error": _(
                    "That file is too large to be one of our certificates."
                )
            },
            status=413,
        )
    try:
        certificate, signature = certificate_check_pdf(upload.read())
    except DomainError as exc:
        return render(
            request,
            "inspection/verify_lookup.html",
            {"upload_error": exc.message},
            status=400,
        )
    return render(
        request,
        "inspection/verify_upload.html",
        {
            "cert": _public(certificate) if certificate else None,
            "signature": signature,
        },
    )
