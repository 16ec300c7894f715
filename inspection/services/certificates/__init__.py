"""Certificates: issue (idempotent), sign, render, verify, revoke, re-render.

The verdict that passes an item records its certificate job
(:func:`certificate_enqueue`, a :mod:`warehouse.jobs` row keyed per item, on
the ``certificates`` queue) in the verdict's own transaction; the job runs
:func:`certificate_issue` after commit, and the job dispatcher sends it again
if the broker never got it or lost it. Issuing twice makes one certificate:
the item row is locked and the certificate is unique per inspection.
"""

import datetime as dt
import hashlib
import hmac
import io
import json
import logging
import re
import secrets
import unicodedata

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image
from stdnum.iso7064 import mod_37_2

from warehouse import lifecycle
from warehouse.access import Principal, Role, tenant_scope
from warehouse.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from warehouse.jobs import job_record
from warehouse.models import Item, ItemState

from ... import rules
from ...models import (
    Certificate,
    CertificateFile,
    Inspection,
    InspectionPhoto,
    Verdict,
)
from ...pdf import CertificateData, CheckLine, certificate_pdf

logger = logging.getLogger(__name__)

QUERY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
S = ItemState


# --- keys and signatures --------------------------------------------------------------


def signing_keys() -> dict[str, bytes]:
    """``{key id: secret}`` from ``CERTIFICATE_SIGNING_KEYS``.

    Without configured keys a key derived from ``SECRET_KEY`` is used (id
    ``k0``), so the embedded default works; a deployment sets its own keys and
    keeps retired ones listed so old certificates still verify.
    """
    keys = {
        key_id: secret.encode()
        for key_id, secret in settings.CERTIFICATE_SIGNING_KEYS.items()
    }
    if not keys:
        derived = hashlib.sha256(
            b"qcw-certificates:" + settings.SECRET_KEY.encode()
        ).hexdigest()
        keys = {"k0": derived.encode()}
    return keys


def _current_key() -> tuple[str, bytes]:
    keys = signing_keys()
    key_id = settings.CERTIFICATE_SIGNING_KEY_ID or next(iter(keys))
    return key_id, keys[key_id]


def canonical(content: dict) -> bytes:
    """The bytes that are signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def content_sign(content: dict, *, key_id: str | None = None) -> tuple[str, str]:
    """``(key id, hex HMAC-SHA256)`` of the content, with the current key."""
    if key_id is None:
        key_id, secret = _current_key()
    else:
        secret = signing_keys()[key_id]
    return key_id, hmac.new(secret, canonical(content), hashlib.sha256).hexdigest()


def signature_valid(certificate: Certificate) -> bool:
    """Whether the stored signature matches the stored content and its key."""
    if certificate.key_id not in signing_keys():
        return False
    _key, expected = content_sign(certificate.content, key_id=certificate.key_id)
    return hmac.compare_digest(expected, certificate.signature)


# --- numbers and codes ----------------------------------------------------------------


def _number(item: Item, moment) -> str:
    """``GZ-20261125-000123-K``: warehouse, local date, sequence, check character."""
    day = moment.astimezone(item.warehouse.tzinfo).strftime("%Y%m%d")
    prefix = f"{item.warehouse.code}-{day}-"
    last = (
        Certificate.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.split("-")[-2]) + 1 if last else 1
    body = f"{prefix}{sequence:06d}"
    check = mod_37_2.calc_check_digit(body.replace("-", ""))
    return f"{body}-{check}"


def number_is_valid(number: str) -> bool:
    """Whether a typed certificate number's check character matches."""
    parts = (number or "").strip().upper().split("-")
    if len(parts) != 4:
        return False
    return mod_37_2.is_valid("".join(parts))


def _query_code() -> str:
    raw = "".join(secrets.choice(QUERY_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def verify_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse(
        "verify-page", kwargs={"token": token}
    )


# --- what the certificate says --------------------------------------------------------


def value_text(value) -> str:
    """A claimed or observed value as one short line of text."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        if "weight_mg" in value:
            return _grams(value["weight_mg"])
        if "material" in value:
            readings = ", ".join(
                f"{k.replace('_', ' ')} {v}"
                for k, v in value.items()
                if k != "material"
            )
            return value["material"] + (f" ({readings})" if readings else "")
        if "present" in value:
            return ", ".join(value["present"])
        if "result" in value:
            answer = _("yes") if value["result"] else _("no")
            return f"{answer}. {value['note']}" if value.get("note") else answer
        if "units" in value:
            return _("%(units)d sampled, %(fail)d failed, %(hold)d held") % value
        return ", ".join(
            f"{k.replace('_', ' ')} {value_text(v)}" for k, v in value.items()
        )
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _grams(mg: int) -> str:
    return f"{mg / 1000:.3f} g"


def claimed_text(check) -> str:
    if check.kind == "weight" and isinstance(check.claimed, int):
        return _grams(check.claimed)
    return value_text(check.claimed)


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
                "label": check.rule.get("label", ""),
                "label_zh": check.rule.get("label_zh", ""),
                "claimed": claimed_text(check),
                "observed": value_text(check.observed),
                "rule": rules.rule_describe(rules.rule_from_dict(check.rule)),
                "verdict": check.verdict,
            }
            for check in inspection.checks.all()
        ],
    }


def _thumbnail(inspection: Inspection) -> bytes | None:
    """A small JPEG of the inspection's first photo, for the PDF."""
    photo = inspection.photos.order_by("uploaded_at", "id").first()
    if photo is None:
        return None
    try:
        with photo.image.open("rb") as handle, Image.open(handle) as image:
            image.thumbnail((360, 360))
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=82)
            return out.getvalue()
    except (OSError, ValueError):
        logger.warning("photo %s unreadable; certificate without it", photo.pk)
        return None


def certificate_document(certificate: Certificate) -> CertificateData:
    """Everything the PDF shows, from the certificate's signed content."""
    content = certificate.content
    item = certificate.item
    lot = ""
    if content.get("lot"):
        lot = (
            _(
                "Sample of %(sample_size)d from a lot of %(lot_size)d: "
                "%(nonconforming)d nonconforming (ISO 2859-1, AQL %(aql)s, "
                "Ac %(accept)d, Re %(reject)d)"
            )
            % content["lot"]
        )
    return CertificateData(
        number=certificate.number,
        query_code=certificate.query_code,
        verify_url=verify_url(certificate.token),
        warehouse_name=item.warehouse.name,
        warehouse_address=item.warehouse.address,
        item_code=item.code,
        merchant_name=content["merchant"],
        title=content["title"],
        category=item.category.name,
        category_zh=item.category.name_zh,
        checks=tuple(
            CheckLine(
                label=c["label"] or c["check"],
                label_zh=c["label_zh"],
                claimed=c["claimed"],
                observed=c["observed"],
                rule=c["rule"],
                verdict=c["verdict"],
            )
            for c in content["checks"]
        ),
        inspectors=tuple(content["inspectors"]),
        issued_at=certificate.issued_at,
        time_zone=item.warehouse.time_zone,
        verdict=content["verdict"],
        photo=_thumbnail(certificate.inspection),
        lot=lot,
    )


def _store_pdf(certificate: Certificate, *, new: bool = False) -> None:
    """Render and store the PDF; record its hash as a verifiable rendering.

    A write that fails (disk full) leaves no partial file. ``new``: the
    certificate row was just inserted, so its number is ours alone and a file
    already under that name was left by an attempt that died before it
    committed (a killed worker): it is replaced, not kept beside ours.
    """
    data = certificate_pdf(certificate_document(certificate))
    digest = hashlib.sha256(data).hexdigest()
    old = certificate.pdf.name if certificate.pdf else ""
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
    certificate.save(update_fields=["pdf", "sha256"])
    CertificateFile.objects.get_or_create(
        sha256=digest, defaults={"certificate": certificate, "size": len(data)}
    )
    if old and old != certificate.pdf.name:
        # robust: a replaced file left behind is logged, the certificate kept
        transaction.on_commit(lambda: certificate.pdf.storage.delete(old), robust=True)


# --- issuing --------------------------------------------------------------------------


def _passing_inspection(item: Item) -> Inspection | None:
    """The closed inspection (or supervisor's pass of a hold) that passed the item."""
    return (
        Inspection.objects.select_related(
            "template__category", "completed_by", "signed_off_by"
        )
        .prefetch_related("checks")
        .filter(item=item, status=Inspection.Status.CLOSED)
        .order_by("-number")
        .first()
    )


NUMBER_ATTEMPTS = 5


def _certificate_insert(item: Item, inspection: Inspection) -> Certificate:
    """A new certificate row for ``inspection``, under the next free number.

    Two workers issuing in one warehouse on one day may pick the same next
    number: the later insert waits for the earlier transaction and fails once
    that commits, and the number is picked again (the earlier one is visible
    by then). Out of attempts, the IntegrityError is raised: a transient
    error, so the job is retried later, not failed.
    """
    attempt = 1
    while True:
        now = timezone.now()
        number = _number(item, now)
        content = certificate_content(
            item=item, inspection=inspection, number=number, issued_at=now
        )
        key_id, signature = content_sign(content)
        certificate = Certificate(
            number=number,
            query_code=_query_code(),
            token=secrets.token_urlsafe(24),
            item=item,
            inspection=inspection,
            issued_at=now,
            content=content,
            signature=signature,
            key_id=key_id,
        )
        try:
            with transaction.atomic():
                certificate.save()
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS:
                raise
            logger.info("certificate number %s taken meanwhile; next one", number)
            attempt += 1
            continue
        return certificate


def certificate_issue(*, item_id: int, actor=None) -> Certificate | None:
    """Issue the certificate of a passed item and move it to ``certified``.

    The handler of the ``inspection.certificate_issue`` job
    (:func:`certificate_enqueue`). Idempotent: an item that is no longer
    ``passed`` (already certified, or changed since) gets nothing new; its
    current certificate is returned. The PDF is written through Django's
    storage before the row commits, in the job's transaction: if storage
    fails (disk full), nothing is recorded and no partial file is left, the
    item stays ``passed`` and the job is retried later; if the worker dies
    before the commit, the job runs again and replaces the file it left.
    """
    with transaction.atomic():
        item = (
            Item.objects.select_for_update(of=("self",))
            .select_related("warehouse", "category", "merchant")
            .filter(pk=item_id)
            .first()
        )
        if item is None:
            return None
        if item.state != S.PASSED:
            return certificate_current(item)
        inspection = _passing_inspection(item)
        if inspection is None:  # pragma: no cover - passed implies one
            return None
        existing = Certificate.objects.filter(inspection=inspection).first()
        if existing is None:
            existing = _certificate_insert(item, inspection)
            _store_pdf(existing, new=True)
            previous = (
                Certificate.objects.filter(item=item, replaced_by__isnull=True)
                .exclude(pk=existing.pk)
                .filter(status=Certificate.Status.REVOKED)
                .first()
            )
            if previous is not None:
                previous.replaced_by = existing
                previous.save(update_fields=["replaced_by"])
        lifecycle.item_certify(
            item=item,
            actor=actor,
            reason=_("Certificate %(number)s issued.") % {"number": existing.number},
            payload={"certificate": existing.number},
        )
    return existing


def certificate_current(item: Item) -> Certificate | None:
    """The item's newest certificate, valid or revoked."""
    return Certificate.objects.filter(item=item).order_by("-issued_at", "-id").first()


def certificate_valid_link(item: Item) -> str:
    """The verification link of the item's current certificate if it is
    valid (what a label or a buyer is given), else an empty string."""
    certificate = certificate_current(item)
    if certificate is None or certificate.status != Certificate.Status.VALID:
        return ""
    return verify_url(certificate.token)


def certificate_summary(item: Item) -> dict | None:
    """The item's current certificate as the item detail shows it."""
    certificate = certificate_current(item)
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


CERTIFICATE_JOB = "inspection.certificate_issue"


def certificate_enqueue(item: Item) -> None:
    """Record the item's certificate job in the caller's transaction.

    Called by the verdict that passes the item (an inspection, a sign-off, a
    supervisor's decision on a hold; re-inspections after an appeal or a
    revocation end in one of these). The job commits with the verdict or not
    at all, is sent to the ``certificates`` queue after commit and, if the
    broker is down, by the job dispatcher once it is back. Keyed per item: a
    job still pending for the item is not recorded twice.
    """
    job_record(
        name=CERTIFICATE_JOB,
        args={"item_id": item.pk},
        key=f"certificate:{item.pk}",
    )


def certificate_rerender(*, certificate: Certificate) -> Certificate:
    """Render the PDF again (e.g. after a layout change); earlier files still verify."""
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        _store_pdf(certificate)
    return certificate


# --- revoking -------------------------------------------------------------------------


def revoked_only(item: Item) -> None:
    """Guard for certified → inspecting: only after the certificate is revoked."""
    current = certificate_current(item)
    if current is not None and current.status == Certificate.Status.VALID:
        raise Conflict(
            _(
                "Item %(code)s has a valid certificate %(number)s; revoke it before "
                "re-inspecting."
            )
            % {"code": item.code, "number": current.number},
            code="certificate_valid",
        )


def valid_certificate_required(item: Item) -> None:
    """Guard for allocating, packing and releasing: a valid certificate (rule 1)."""
    current = certificate_current(item)
    if current is None:
        raise Conflict(
            _("Item %(code)s has no certificate.") % {"code": item.code},
            code="not_certified",
        )
    if current.status != Certificate.Status.VALID:
        raise Conflict(
            _("The certificate %(number)s of item %(code)s is revoked: %(reason)s")
            % {
                "number": current.number,
                "code": item.code,
                "reason": current.revoked_reason,
            },
            code="certificate_revoked",
        )


def certificate_revoke(
    *, principal: Principal, number: str, reason: str, reinspect: bool = False
) -> Certificate:
    """A supervisor revokes a certificate; the item may not leave on it.

    With ``reinspect`` the item is inspected again at once (certified →
    inspecting); a pass issues a new certificate, and the old one's page
    points to it.
    """
    from ..inspections.common import note_clean
    from ..inspections.opening import inspection_create

    if principal.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden(_("Only a supervisor may revoke a certificate."))
    reason = note_clean(reason, "reason", required=True)
    with transaction.atomic():
        certificate = (
            tenant_scope(Certificate.objects.all(), principal, via="item__")
            .filter(number=(number or "").strip().upper())
            .first()
        )
        if certificate is None:
            raise NotFound(
                _("No certificate %(number)s.") % {"number": number},
                code="certificate_not_found",
            )
        item = Item.objects.select_for_update(of=("self",)).get(pk=certificate.item_id)
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status == Certificate.Status.REVOKED:
            raise Conflict(
                _("Certificate %(number)s is already revoked.")
                % {"number": certificate.number},
                code="already_revoked",
            )
        certificate.status = Certificate.Status.REVOKED
        certificate.revoked_at = timezone.now()
        certificate.revoked_by = principal.user
        certificate.revoked_reason = reason
        certificate.save(
            update_fields=["status", "revoked_at", "revoked_by", "revoked_reason"]
        )
        label = _("Certificate %(number)s revoked: %(reason)s") % {
            "number": certificate.number,
            "reason": reason,
        }
        payload = {"certificate": certificate.number, "step": "certificate_revoked"}
        if reinspect:
            if item.state != S.CERTIFIED:
                raise Conflict(
                    _(
                        "Item %(code)s is %(state)s; only a certified item is "
                        "re-inspected here."
                    )
                    % {"code": item.code, "state": item.state},
                    code="invalid_transition",
                )
            new = inspection_create(
                item=item,
                principal=principal,
                reason=Inspection.Reason.REINSPECTION,
                previous=certificate.inspection,
            )
            lifecycle.item_inspection_start(
                item=item,
                actor=principal.user,
                reason=label,
                payload={**payload, "new_inspection": new.pk},
            )
        else:
            lifecycle.item_event_record(
                item=item, actor=principal.user, reason=label, payload=payload
            )
    return certificate


# --- verifying ------------------------------------------------------------------------


def certificate_by_token(token: str) -> Certificate:
    certificate = (
        Certificate.objects.select_related(
            "item__warehouse", "item__category", "replaced_by", "inspection"
        )
        .filter(token=token)
        .first()
        if token and len(token) <= 64
        else None
    )
    if certificate is None:
        raise NotFound(_("No such certificate."), code="certificate_not_found")
    return certificate


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
    """The certificate an uploaded PDF is a genuine rendering of, or None.

    Genuine means: its SHA-256 is that of a rendering we issued, and the
    certificate's signature over its content still checks out.
    """
    if not data:
        raise InvalidInput(_("The file is empty."), fields={"pdf": [_("Empty.")]})
    digest = hashlib.sha256(data).hexdigest()
    found = (
        CertificateFile.objects.select_related("certificate")
        .filter(sha256=digest)
        .first()
    )
    if found is None or not signature_valid(found.certificate):
        return None
    return found.certificate


def public_photos(certificate: Certificate):
    return InspectionPhoto.objects.filter(inspection=certificate.inspection).order_by(
        "uploaded_at", "id"
    )
