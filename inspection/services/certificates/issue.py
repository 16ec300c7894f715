"""Issuing: the job a passing verdict records, and the certificate it issues.

The verdict that passes an item records its certificate job
(:func:`certificate_enqueue`, a :mod:`warehouse.common.jobs` row keyed per item, on
the ``certificates`` queue) in the verdict's own transaction; the job runs
:func:`certificate_issue` after commit, and the job dispatcher sends it again
if the broker never got it or lost it. Issuing twice makes one certificate:
the item row is locked and the certificate is unique per inspection.
"""

import logging
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum.iso7064 import mod_37_2

from warehouse import lifecycle
from warehouse.common.jobs import job_record
from warehouse.models import Item, ItemState

from ...models import Certificate, Inspection
from ...selectors import CERTIFICATE_NEWEST_FIRST, certificate_current_for_item
from ...trust.transparency.log import log_entry_record
from .content import certificate_content, certificate_pdf_store
from .signing import content_sign

logger = logging.getLogger(__name__)

QUERY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
S = ItemState


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


def _query_code() -> str:
    raw = "".join(secrets.choice(QUERY_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


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
            return certificate_current_for_item(item)
        inspection = _passing_inspection(item)
        if inspection is None:  # pragma: no cover - passed implies one
            return None
        # The item's certificates, newest first, in one read: this
        # inspection's if it was issued already (a job run again), else the
        # newest is the one a new certificate replaces (the item's current
        # one until now, when it was revoked: an item is re-inspected only
        # then). An item has one certificate per passing inspection.
        issued = list(
            Certificate.objects.filter(item=item).order_by(*CERTIFICATE_NEWEST_FIRST)
        )
        existing = next((c for c in issued if c.inspection_id == inspection.pk), None)
        if existing is None:
            previous = issued[0] if issued else None
            existing = _certificate_insert(item, inspection)
            certificate_pdf_store(existing, new=True)
            # The transparency log's entry commits with the certificate.
            reissue = (
                previous is not None and previous.status == Certificate.Status.REVOKED
            )
            log_entry_record(
                certificate=existing,
                kind="reissue" if reissue else "issue",
                at=existing.issued_at,
                replaces=previous.number if reissue else "",
            )
            if (
                previous is not None
                and previous.status == Certificate.Status.REVOKED
                and previous.replaced_by_id is None
            ):
                previous.replaced_by = existing
                previous.save(update_fields=["replaced_by"])
        lifecycle.item_certify(
            item=item,
            actor=actor,
            reason_code="certificate_issued",
            reason_params={"number": existing.number},
            payload={"certificate": existing.number},
        )
    return existing


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
        certificate_pdf_store(certificate)
    return certificate
