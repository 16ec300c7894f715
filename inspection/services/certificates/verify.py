"""Verifying: the item's current certificate as its page and a label show it,
a typed number and query code, an uploaded PDF."""

import hashlib
import hmac
import re
import unicodedata

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.iso7064 import mod_37_2

from warehouse.common.exceptions import InvalidInput, NotFound
from warehouse.models import Item

from ...models import (
    Certificate,
    CertificateFile,
    ReturnInspection,
    ReturnVerdict,
)
from ...selectors import certificate_current_for_item
from ...trust.pades import pdf_signature_check
from .content import certificate_seal_url, verify_url
from .signing import signature_valid


def number_is_valid(number: str) -> bool:
    """Whether a typed certificate number's check character matches."""
    parts = (number or "").strip().upper().split("-")
    if len(parts) != 4:
        return False
    return mod_37_2.is_valid("".join(parts))


def certificate_valid_link(item: Item) -> str:
    """The verification link of the item's current certificate if it is
    valid (what a label or a buyer is given), else an empty string."""
    certificate = certificate_current_for_item(item)
    if certificate is None or certificate.status != Certificate.Status.VALID:
        return ""
    return verify_url(certificate.token)


def certificate_label_link(item: Item) -> str:
    """What a parcel label's QR code carries: the valid certificate's link
    with its seal after ``#`` (checked offline, :mod:`inspection.trust.seal`),
    else an empty string."""
    certificate = certificate_current_for_item(item)
    if certificate is None or certificate.status != Certificate.Status.VALID:
        return ""
    return certificate_seal_url(certificate)


def certificate_summary(item: Item) -> dict | None:
    """The item's current certificate as the item detail shows it."""
    certificate = certificate_current_for_item(item)
    if certificate is None:
        return None
    return {
        "number": certificate.number,
        "status": certificate.status,
        "issued_at": certificate.issued_at.isoformat(),
        "verify_url": verify_url(certificate.token),
        "pdf": reverse("inspection:item-certificate-pdf", kwargs={"code": item.code}),
        "revoked_reason": certificate.revoked_reason or None,
    }


def certificate_returned_verified_at(certificate: Certificate) -> str | None:
    """The date (ISO, in the item's warehouse's time zone) a buyer's return of
    the certified item was verified as the certified item, or None.

    Only the certificate's latest return inspection counts, and only once its
    verdict holds (closed) and is ``matches``: after a damaged, mismatched or
    disputed return, or while one is being judged, the public page says
    nothing about any buyer or return. Nothing of the buyer's is read.
    """
    latest = (
        ReturnInspection.objects.filter(certificate=certificate)
        .order_by("-number", "-id")
        .only("status", "verdict", "closed_at", "inspected_at")
        .first()
    )
    if (
        latest is None
        or latest.status != ReturnInspection.Status.CLOSED
        or latest.verdict != ReturnVerdict.MATCHES
    ):
        return None
    moment = latest.closed_at or latest.inspected_at
    return (
        timezone.localtime(moment, certificate.item.warehouse.tzinfo).date().isoformat()
    )


def _as_typed(text: str) -> str:
    """What a buyer typed, as the certificate prints it: full-width letters,
    digits and spaces (a Chinese input method's full-width mode) become
    ASCII (NFKC), any dash (an em dash, U+2010 …: Unicode Pd) a hyphen, in
    capitals."""
    text = unicodedata.normalize("NFKC", text or "").strip().upper()
    return "".join("-" if unicodedata.category(char) == "Pd" else char for char in text)


def certificate_lookup(*, number: str, query_code: str) -> Certificate:
    """The certificate with this printed number *and* query code, or NotFound.

    Both are read as a person types them (:func:`_as_typed`); anything else
    that is not the code, an emoji say, simply does not match.
    """
    # Spaces or dashes between the parts: one hyphen.
    number = "-".join(re.split(r"[\s-]+", _as_typed(number)))
    code = "".join(_as_typed(query_code).split())
    if len(code) == 8:
        code = f"{code[:4]}-{code[4:]}"
    certificate = (
        Certificate.objects.filter(number=number).first()
        if number_is_valid(number)
        else None
    )
    # Bytes: compare_digest refuses str holding anything but ASCII.
    typed = code.encode("utf-8", "surrogatepass")
    if certificate is None or not hmac.compare_digest(
        certificate.query_code.encode(), typed
    ):
        raise NotFound(_("No certificate matches that number and code."))
    return certificate


def certificate_verify_pdf(data: bytes) -> Certificate | None:
    """The certificate an uploaded PDF is a genuine rendering of, or None
    (:func:`certificate_check_pdf` without the signature's details)."""
    return certificate_check_pdf(data)[0]


def certificate_check_pdf(data: bytes) -> tuple[Certificate | None, dict]:
    """The certificate an uploaded PDF is a genuine rendering of (or None), and
    what its PAdES signature says (:func:`inspection.trust.pades.pdf_signature_check`).

    Genuine means: its SHA-256 is that of a rendering we issued, the
    certificate's signature over its content still checks out, and the PDF's
    own signature is valid: unchanged since signing, by a certificate of the
    operator's root, not revoked at the time it was signed. A file rendered
    before PDFs were signed carries no signature; its hash alone vouches for it.
    """
    if not data:
        raise InvalidInput(_("The file is empty."), fields={"pdf": [_("Empty.")]})
    signature = pdf_signature_check(data)
    digest = hashlib.sha256(data).hexdigest()
    found = (
        CertificateFile.objects.select_related("certificate")
        .filter(sha256=digest)
        .first()
    )
    if (
        found is None
        or not signature_valid(found.certificate)
        or (signature["signed"] and not signature["valid"])
    ):
        return None, signature
    return found.certificate, signature
