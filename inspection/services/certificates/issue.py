"""Issuing: the job a passing verdict records, and the certificate it issues.

The verdict that passes an item records its certificate job
(:func:`certificate_enqueue`, a :mod:`warehouse.common.jobs` row keyed per item, on
the ``certificates`` queue) in the verdict's own transaction; after commit
the job runs :func:`certificates_issue` with the other certificate jobs
pending then (up to :data:`ISSUE_BATCH`), and the job dispatcher sends it
again if the broker never got it or lost it. Issuing twice makes one
certificate: the item rows are locked and the certificate is unique per
inspection.
"""

import logging
import secrets

from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from stdnum.iso7064 import mod_37_2

from warehouse import lifecycle
from warehouse.common.jobs import job_record
from warehouse.fastpath.statements import rows_insert
from warehouse.models import Item, ItemState

from ...models import Certificate, Inspection
from ...selectors import CERTIFICATE_NEWEST_FIRST, certificate_current_for_item
from ...trust.transparency.log import log_entries_record
from .content import (
    certificate_content,
    certificate_files_delete,
    certificate_pdf_store,
    certificate_pdfs_store_new,
)
from .signing import content_sign

logger = logging.getLogger(__name__)

QUERY_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
S = ItemState


# --- numbers and codes ----------------------------------------------------------------


def _numbers(items: list[Item], moment) -> list[str]:
    """The next free numbers for ``items``, in order: ``GZ-20261125-000123-K``
    (warehouse, local date, sequence, check character); one read of the last
    number per warehouse and day."""
    numbers, last = [], {}
    for item in items:
        day = moment.astimezone(item.warehouse.tzinfo).strftime("%Y%m%d")
        prefix = f"{item.warehouse.code}-{day}-"
        if prefix not in last:
            newest = (
                Certificate.objects.filter(number__startswith=prefix)
                .order_by("-number")
                .values_list("number", flat=True)
                .first()
            )
            last[prefix] = int(newest.split("-")[-2]) if newest else 0
        last[prefix] += 1
        body = f"{prefix}{last[prefix]:06d}"
        check = mod_37_2.calc_check_digit(body.replace("-", ""))
        numbers.append(f"{body}-{check}")
    return numbers


def _query_code() -> str:
    raw = "".join(secrets.choice(QUERY_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


# --- issuing --------------------------------------------------------------------------


def _passing_inspections(items: list[Item]) -> dict[int, Inspection]:
    """Each item's closed inspection (or supervisor's pass of a hold) that
    passed it, its template, people, checks and photos with it, by item id:
    the newest closed one of each."""
    found: dict[int, Inspection] = {}
    for inspection in (
        Inspection.objects.select_related(
            "template__category", "completed_by", "signed_off_by"
        )
        .filter(item__in=items, status=Inspection.Status.CLOSED)
        .order_by("item_id", "-number")
    ):
        found.setdefault(inspection.item_id, inspection)
    # The checks and photos of those only, not of earlier inspections.
    prefetch_related_objects(list(found.values()), "checks", "photos")
    return found


NUMBER_ATTEMPTS = 5


def _certificates_insert(passed: list[tuple[Item, Inspection]]) -> list[Certificate]:
    """New certificate rows for the ``passed`` (item, inspection) pairs, under
    the next free numbers, in one INSERT.

    Two workers issuing in one warehouse on one day may pick the same next
    numbers: the later insert waits for the earlier transaction and fails once
    that commits, and the numbers are picked again (the earlier ones are
    visible by then). Out of attempts, the IntegrityError is raised: a
    transient error, so the job is retried later, not failed.
    """
    attempt = 1
    while True:
        now = timezone.now()
        numbers = _numbers([item for item, _ in passed], now)
        certificates = []
        for (item, inspection), number in zip(passed, numbers, strict=True):
            content = certificate_content(
                item=item, inspection=inspection, number=number, issued_at=now
            )
            key_id, signature = content_sign(content)
            certificates.append(
                Certificate(
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
            )
        try:
            with transaction.atomic():
                return rows_insert(Certificate, certificates)
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS:
                raise
            logger.info("certificate number %s taken meanwhile; next ones", numbers[0])
            attempt += 1


def certificates_issue(*, item_ids: list[int], actor=None) -> dict[int, Certificate]:
    """Issue the certificates of passed items and move them to ``certified``,
    together: each item's certificate, by item id.

    The handler of the ``inspection.certificate_issue`` jobs
    (:func:`certificate_enqueue`), a batch of them at once (a backlog, a
    lot's items passed together): one read of the items (locked), of their
    inspections and of their certificates, one INSERT of the certificates,
    of their files and of their log entries, one move of the items. Each
    PDF is rendered, signed and written through Django's storage before the
    rows commit, in the job's transaction: if storage fails (disk full),
    nothing is recorded and no file is left, the items stay ``passed`` and
    the jobs are retried later; if the worker dies before the commit, the
    jobs run again and replace the files they left.

    Idempotent: an item that is no longer ``passed`` (already certified, or
    changed since) gets nothing new; its current certificate is answered.
    """
    found: dict[int, Certificate] = {}
    with transaction.atomic():
        items = list(
            Item.objects.select_for_update(of=("self",))
            .select_related("warehouse", "category", "merchant")
            .filter(pk__in=item_ids)
            .order_by("pk")
        )
        passed = [item for item in items if item.state == S.PASSED]
        for item in items:
            if item.state != S.PASSED:
                found[item.pk] = certificate_current_for_item(item)
        inspections = _passing_inspections(passed)
        # The items' certificates, newest first, in one read: an item's
        # inspection's if it was issued already (a job run again), else the
        # newest is the one a new certificate replaces (the item's current
        # one until now, when it was revoked: an item is re-inspected only
        # then). An item has one certificate per passing inspection.
        issued: dict[int, list[Certificate]] = {}
        for certificate in Certificate.objects.filter(item__in=passed).order_by(
            "item_id", *CERTIFICATE_NEWEST_FIRST
        ):
            issued.setdefault(certificate.item_id, []).append(certificate)
        todo, previous = [], {}
        for item in passed:
            inspection = inspections.get(item.pk)
            if inspection is None:  # pragma: no cover - passed implies one
                continue
            earlier = issued.get(item.pk, [])
            existing = next(
                (c for c in earlier if c.inspection_id == inspection.pk), None
            )
            if existing is not None:
                found[item.pk] = existing
                continue
            todo.append((item, inspection))
            previous[item.pk] = earlier[0] if earlier else None
        new = _certificates_insert(todo) if todo else []
        try:
            certificate_pdfs_store_new(new)
            _logged(new, previous)
            for certificate in new:
                found[certificate.item_id] = certificate
            moved = [item for item in passed if item.pk in found]
            lifecycle.item_transition_many(
                items=moved,
                to=S.CERTIFIED,
                actor=actor,
                reasons=[
                    {
                        "reason_code": "certificate_issued",
                        "reason_params": {"number": found[item.pk].number},
                        "payload": {"certificate": found[item.pk].number},
                    }
                    for item in moved
                ],
            )
        except BaseException:
            # Undone with the transaction: the files just written go too.
            certificate_files_delete(new)
            raise
    return found


def _logged(new: list[Certificate], previous: dict[int, Certificate | None]) -> None:
    """The transparency log's entries of ``new`` certificates (they commit
    with them), and the revoked certificates they replace pointed at them."""
    entries = []
    for certificate in new:
        before = previous[certificate.item_id]
        reissue = before is not None and before.status == Certificate.Status.REVOKED
        entries.append(
            {
                "certificate": certificate,
                "kind": "reissue" if reissue else "issue",
                "at": certificate.issued_at,
                "replaces": before.number if reissue else "",
            }
        )
        if reissue and before.replaced_by_id is None:
            before.replaced_by = certificate
            before.save(update_fields=["replaced_by"])
    log_entries_record(entries)


def certificate_issue(*, item_id: int, actor=None) -> Certificate | None:
    """Issue the certificate of one passed item and move it to ``certified``
    (:func:`certificates_issue` of one); its certificate, new or current."""
    return certificates_issue(item_ids=[item_id], actor=actor).get(item_id)


def certificates_issue_batch(batch: list[dict]) -> None:
    """The batch handler of ``inspection.certificate_issue`` jobs: their
    args, ``{"item_id": …}`` each (:func:`~warehouse.common.jobs.job_run`)."""
    certificates_issue(item_ids=[args["item_id"] for args in batch])


CERTIFICATE_JOB = "inspection.certificate_issue"
ISSUE_BATCH = 50
"""Certificate jobs one run takes together at most: enough that reading,
writing and moving the items cost little per certificate; few enough that a
batch holds its items' locks and its transaction well under a second."""


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
