"""What a certificate says: its signed content, the PDF made from it, stored.

The content holds only public facts (no contact or buyer data). Since
content format 2 (:data:`CONTENT_FORMAT`) each check is stated as facts: its
rule (kind and parameters), the raw claimed and observed values and the
result's message code and params, never a sentence in the issuer's language;
the PDF prints every line in Chinese and English from them
(:func:`certificate_document`), the verification page in its reader's
language (:func:`certificate_checks`). Content issued before (no ``format``)
holds each check's texts as they were written and is shown as it is: the
signature covers the content either way, so both verify.

The PDF is rendered from the content and the item's warehouse, and stored
with its hash, so every rendering ever handed out still verifies.
"""

import datetime as dt
import functools
import hashlib
import io
import json
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image

from warehouse.claims import claim_name
from warehouse.fastpath.statements import rows_insert, rows_update
from warehouse.models import Item
from warehouse.vocabularies import (
    CLAIM_VOCABULARIES,
    MARKINGS,
    MATERIALS,
    PACKAGING_STATES,
    PACKAGING_TYPES,
    claim_value_name,
)

from ... import rules
from ...models import Certificate, CertificateFile, Inspection, Verdict
from ...pdf import CertificateData, CheckLine, certificate_pdf
from ...rules.material import READING_NAMES
from ...trust.pades import pdf_sign
from ...trust.seal import seal_encode, seal_url

CONTENT_FORMAT = 2
"""The content's shape: 2 states facts; without ``format``, texts (before)."""
LANGUAGES = ("zh-hans", "en")
"""The certificate's languages, in the order it prints them."""

logger = logging.getLogger(__name__)


def verify_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
        "verify-page", kwargs={"token": token}
    )


def certificate_seal_url(certificate) -> str:
    """The certificate's verify URL carrying its seal after ``#``, as its QR
    codes print it (:mod:`inspection.trust.seal`), signed now."""
    return seal_url(verify_url(certificate.token), seal_encode(certificate))


def value_text(value) -> str:
    """A claimed or observed value as one short line of text."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        if "weight_mg" in value:
            return _grams(value["weight_mg"])
        if set(value) == {"value"}:  # an identity: the serial, IMEI … itself
            return value_text(value["value"])
        if "material" in value:
            readings = ", ".join(
                f"{_value_name(k)} {v}" for k, v in value.items() if k != "material"
            )
            material = MATERIALS.name(value["material"])
            return material + (f" ({readings})" if readings else "")
        if "state" in value:
            words = [PACKAGING_STATES.name(value["state"])]
            if value.get("type"):
                words.append(PACKAGING_TYPES.name(value["type"]))
            return ", ".join(words)
        if "present" in value:
            return MARKINGS.names(value["present"])
        if "result" in value:
            answer = _("yes") if value["result"] else _("no")
            return f"{answer}. {value['note']}" if value.get("note") else answer
        if "units" in value:
            return _("%(units)d sampled, %(fail)d failed, %(hold)d held") % value
        return ", ".join(f"{_value_name(k)} {value_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _value_name(key: str) -> str:
    """A value's key in the reader's language (a reading, a claim)."""
    if key in READING_NAMES:
        return _(READING_NAMES[key])
    return claim_name(key)


def _grams(mg: int) -> str:
    return f"{mg / 1000:.3f} g"


def _claimed(kind: str, claimed) -> str:
    if kind == "weight" and isinstance(claimed, int):
        return _grams(claimed)
    if kind in CLAIM_VOCABULARIES and claimed:  # the kind is its claim's key
        return value_text(claim_value_name(kind, claimed))
    return value_text(claimed)


def claimed_text(check) -> str:
    return _claimed(check.kind, check.claimed)


def _facts(value):
    """``value`` as the JSON it is stored as (dates as ISO text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _inspectors(inspection: Inspection) -> list[str]:
    names = []
    for user in (inspection.completed_by, inspection.signed_off_by):
        if user is not None:
            name = user.get_full_name() or user.get_username()
            if name not in names:
                names.append(name)
    return names


def certificate_content(
    *, item: Item, inspection: Inspection, number: str, issued_at
) -> dict:
    """The public facts a certificate states (no contact or buyer data)."""
    lot = None
    if inspection.is_lot:
        lot = {
            "lot_size": inspection.lot_size,
            "sample_size": inspection.sample_size,
            "nonconforming": inspection.nonconforming,
            "accept": inspection.accept_number,
            "reject": inspection.reject_number,
            "aql": str(inspection.template.aql),
        }
    return {
        "format": CONTENT_FORMAT,
        "number": number,
        "item": item.code,
        "title": item.title,
        "category": item.category.code,
        "merchant": item.merchant.name,
        "warehouse": item.warehouse.code,
        "issued_at": issued_at.astimezone(dt.UTC).isoformat(),
        "inspection": inspection.number,
        "template": str(inspection.template),
        "verdict": Verdict.PASS,
        "inspectors": _inspectors(inspection),
        "lot": lot,
        "checks": [
            {
                "check": check.key,
                "kind": check.kind,
                "label": check.rule.get("label", ""),
                "label_zh": check.rule.get("label_zh", ""),
                "rule": _facts(check.rule),
                "claimed": _facts(check.claimed),
                "observed": _facts(check.observed),
                "code": check.code,
                "params": _facts(check.params),
                "verdict": check.verdict,
            }
            for check in inspection.checks.all()
        ],
    }


def _rule_text(rule: dict) -> str:
    """The rule in the active language; the same rule of a template states
    every certificate it passed, so its words are kept per language."""
    return _rule_words(
        json.dumps(rule, sort_keys=True, cls=DjangoJSONEncoder),
        translation.get_language(),
    )


@functools.lru_cache(maxsize=512)
def _rule_words(rule: str, language: str) -> str:
    try:
        return rules.rule_describe(rules.rule_from_dict(json.loads(rule)))
    except (rules.RuleError, KeyError, TypeError):  # a kind changed since
        return ""


def check_texts(content: dict, check: dict) -> dict:
    """One check of ``content`` as text in the active language: its ``check``,
    ``label``, ``label_zh``, ``claimed``, ``observed``, ``rule`` and
    ``verdict``; a check stored as text (before format 2) as it was written."""
    if not content.get("format"):
        return check
    return {
        "check": check["check"],
        "label": check["label"],
        "label_zh": check["label_zh"],
        "claimed": _claimed(check["kind"], check["claimed"]),
        "observed": value_text(check["observed"]),
        "rule": _rule_text(check["rule"]),
        "verdict": check["verdict"],
    }


def certificate_checks(content: dict) -> list[dict]:
    """The checks of a certificate's content in the reader's language."""
    return [check_texts(content, check) for check in content["checks"]]


def _both(render) -> tuple:
    """``(Chinese, English)`` of ``render()``, called in each language."""
    texts = []
    for language in LANGUAGES:
        with translation.override(language):
            texts.append(render())
    return tuple(texts)


def _check_line(content: dict, check: dict) -> CheckLine:
    """A row of the PDF's table: facts in both languages, old texts as stored."""
    if not content.get("format"):
        return CheckLine(
            label=check["label"] or check["check"],
            label_zh=check["label_zh"],
            claimed=check["claimed"],
            observed=check["observed"],
            rule=check["rule"],
            verdict=check["verdict"],
        )
    zh, en = _both(lambda: check_texts(content, check))
    return CheckLine(
        label=check["label"] or check["check"],
        label_zh=check["label_zh"],
        claimed=(zh["claimed"], en["claimed"]),
        observed=(zh["observed"], en["observed"]),
        rule=(zh["rule"], en["rule"]),
        verdict=check["verdict"],
    )


PDF_PHOTOS = 4
"""At most this many of the inspection's photos go on the certificate (a row
of more would be too small to see); the verification page shows them all."""
PDF_PHOTO_PIXELS = 640
"""A photo's longer side on the certificate, in pixels: about 130 dpi at the
largest the page prints it."""


def _photos(inspection: Inspection) -> tuple[bytes, ...]:
    """JPEGs of the inspection's first photos, in the order the verification
    page shows them (the photos' own order, as issuing prefetches them)."""
    return pdf_jpegs(inspection.photos.all())


def pdf_jpegs(photos, limit: int = PDF_PHOTOS) -> tuple[bytes, ...]:
    """JPEGs of the first ``limit`` of ``photos`` (photo rows with an
    ``image``), made small enough for a PDF; an unreadable one is left out."""
    found = []
    for photo in photos[:limit]:
        try:
            with photo.image.open("rb") as handle:
                found.append(_photo_for_pdf(handle.read()))
        except (OSError, ValueError):
            logger.warning("photo %s unreadable; a PDF without it", photo.pk)
    return tuple(found)


def _bare_small_jpeg(image: Image.Image) -> bool:
    """Whether ``image`` is a JPEG a PDF can take as it is: RGB, no larger
    than :data:`PDF_PHOTO_PIXELS`, and carrying nothing but its JFIF header
    (no EXIF, which may hold where and when it was taken, no XMP, ICC profile
    or comment), so encoding it again would change nothing a reader sees."""
    return (
        image.format == "JPEG"
        and image.mode == "RGB"
        and max(image.size) <= PDF_PHOTO_PIXELS
        and "comment" not in image.info
        and all(
            marker == "APP0" and data.startswith(b"JFIF\0")
            for marker, data in getattr(image, "applist", ())
        )
    )


def _photo_for_pdf(data: bytes) -> bytes:
    """The photo as a JPEG for a PDF: at most :data:`PDF_PHOTO_PIXELS` on its
    longer side, EXIF dropped. A JPEG already that small and bare is taken as
    it is (decoding and encoding it again cost ~2.5 ms a certificate); a
    larger JPEG is decoded at the smallest DCT scale still at least that size
    (``draft``) before it is scaled down."""
    with Image.open(io.BytesIO(data)) as image:
        if _bare_small_jpeg(image):
            return data
        image.draft("RGB", (PDF_PHOTO_PIXELS, PDF_PHOTO_PIXELS))
        image.thumbnail((PDF_PHOTO_PIXELS, PDF_PHOTO_PIXELS))
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=80)
        return out.getvalue()


def certificate_document(certificate: Certificate) -> CertificateData:
    """Everything the PDF shows, from the certificate's signed content."""
    content = certificate.content
    item = certificate.item
    lot = ""
    if content.get("lot"):
        lot = _both(
            lambda: (
                _(
                    "Sample of %(sample_size)d from a lot of %(lot_size)d: "
                    "%(nonconforming)d nonconforming (ISO 2859-1, AQL %(aql)s, "
                    "Ac %(accept)d, Re %(reject)d)"
                )
                % content["lot"]
            )
        )
    return CertificateData(
        number=certificate.number,
        query_code=certificate.query_code,
        verify_url=verify_url(certificate.token),
        qr_url=certificate_seal_url(certificate),
        warehouse_name=item.warehouse.names_both,
        warehouse_address=item.warehouse.address,
        item_code=item.code,
        merchant_name=content["merchant"],
        title=content["title"],
        category=item.category.name,
        category_zh=item.category.name_zh,
        checks=tuple(_check_line(content, check) for check in content["checks"]),
        inspectors=tuple(content["inspectors"]),
        issued_at=certificate.issued_at,
        time_zone=item.warehouse.time_zone,
        verdict=content["verdict"],
        photos=_photos(certificate.inspection),
        lot=lot,
    )


def _pdf_write(certificate: Certificate, *, new: bool) -> CertificateFile:
    """Render, sign (PAdES) and write the certificate's PDF; set its ``pdf``
    and ``sha256`` (not saved); the file's row, not saved.

    A write that fails (disk full) leaves no partial file. ``new``: the
    certificate row was just inserted, so its number is ours alone and a file
    already under that name was left by an attempt that died before it
    committed (a killed worker): it is replaced, not kept beside ours.
    """
    # Signed (PAdES) before it is stored: the hash is of the signed file.
    data = pdf_sign(certificate_pdf(certificate_document(certificate)))
    digest = hashlib.sha256(data).hexdigest()
    storage, field = certificate.pdf.storage, certificate.pdf.field
    name = field.generate_filename(certificate, f"{certificate.number}.pdf")
    if new and storage.exists(name):
        storage.delete(name)
    name = storage.get_available_name(name, max_length=field.max_length)
    try:
        certificate.pdf = storage.save(
            name, ContentFile(data), max_length=field.max_length
        )
    except BaseException:
        if storage.exists(name):
            storage.delete(name)
        raise
    certificate.sha256 = digest
    return CertificateFile(sha256=digest, certificate=certificate, size=len(data))


def certificate_pdf_store(certificate: Certificate, *, new: bool = False) -> None:
    """Render, sign (PAdES) and store the PDF; record its hash as verifiable.

    A write that fails (disk full) leaves no partial file; ``new`` as
    :func:`certificate_pdfs_store_new` says. A rendering that replaces an
    earlier one keeps the earlier hash verifiable and deletes the earlier
    file once this commits.
    """
    old = certificate.pdf.name if certificate.pdf else ""
    file = _pdf_write(certificate, new=new)
    certificate.save(update_fields=["pdf", "sha256"])
    if new:
        # A new certificate's file is new: its number and seal are in it.
        file.save(force_insert=True)
    else:
        CertificateFile.objects.get_or_create(
            sha256=file.sha256,
            defaults={"certificate": certificate, "size": file.size},
        )
    if old and old != certificate.pdf.name:
        # robust: a replaced file left behind is logged, the certificate kept
        transaction.on_commit(lambda: certificate.pdf.storage.delete(old), robust=True)


def certificate_pdfs_store_new(certificates: list[Certificate]) -> None:
    """Render, sign and store the PDFs of certificates just inserted, in the
    caller's transaction: their files, then their hashes in one UPDATE and
    their file rows in one INSERT.

    A file already under a new certificate's name was left by an attempt
    that died before it committed (a killed worker): it is replaced. If one
    fails, the error is raised: the files written so far are those of the
    certificates whose ``pdf`` is set, for the caller to delete as it undoes
    (:func:`certificate_files_delete`).
    """
    files = [_pdf_write(certificate, new=True) for certificate in certificates]
    rows_update(Certificate, certificates, ["pdf", "sha256"])
    rows_insert(CertificateFile, files)


def certificate_files_delete(certificates: list[Certificate]) -> None:
    """Delete the PDF files of ``certificates`` whose ``pdf`` is set: those
    :func:`certificate_pdfs_store_new` wrote, when their transaction is
    undone."""
    for certificate in certificates:
        if certificate.pdf:
            certificate.pdf.storage.delete(certificate.pdf.name)
