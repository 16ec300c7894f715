"""Periodic inspection jobs (Celery beat). Work triggered by a change is a
recorded job (``warehouse.common.jobs``), run by ``warehouse.tasks.job_run``."""

from celery import shared_task

from .trust.transparency.log import log_integrate


@shared_task(name="inspection.tasks.transparency_integrate")
def transparency_integrate_task() -> int:
    """Sequence the log's pending entries and sign a tree head when one is due."""
    return log_integrate()
